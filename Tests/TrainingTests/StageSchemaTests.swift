import Foundation
import Platform
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

/// `stages[]` in experiment files: each stage laid over the top-level keys, the strict schema, overrides,
/// validation per stage, the resolved file, and the forgetting matrix's arithmetic.
@Suite struct StageSchemaTests {
    static let staged = """
    name: seq
    optimization:
      lr: 0.004
      max_steps: 50
      warmup_steps: 5
    strategy:
      kind: full
    stages:
      - name: months
        tasks:
          - name: cldr-dates-month
            train_languages: [en, de]
            eval_languages: [fr]
      - optimization:
          lr: 0.001
        strategy:
          kind: freeze-lower
          freeze_layers: 1
        tasks:
          - name: cldr-numbers-digits
            train_languages: [en]
            weight: 2
    """

    func configError(_ body: () throws -> Void) -> ConfigError? {
        do { try body(); return nil } catch let e as ConfigError { return e } catch { Issue.record("unexpected \(error)"); return nil }
    }

    @Test func aStageOverridesOnlyWhatItGivesAndInheritsTheRest() throws {
        let e = try ExperimentLoader.decode(yaml: Self.staged, file: "seq.yaml")
        #expect(e.isStaged && e.stageCount == 2 && e.tasks.isEmpty)
        let first = e.stage(0), second = e.stage(1)
        #expect(first.optimization.lr == 0.004 && first.optimization.maxSteps == 50 && first.strategy.kind == .full)
        // Stage 2 keeps the top level's max_steps and warm-up, sets its own rate and strategy.
        #expect(second.optimization.lr == 0.001 && second.optimization.maxSteps == 50 && second.optimization.warmupSteps == 5)
        #expect(second.strategy.kind == .freezeLower && second.strategy.freezeLayers == 1 && second.strategy.unfreezeEvery == 100)
        // Its task entries are laid over the task template.
        #expect(second.tasks[0].weight == 2 && second.tasks[0].evalLanguages == [] && second.tasks[0].select == nil)
        #expect(first.stages.isEmpty && first.tasks.map(\.name) == ["cldr-dates-month"])
        #expect(e.stageName(0) == "months" && e.stageName(1) == "stage 2")
        #expect(e.totalMaxSteps == 100)
        // A stage without tasks trains the top level's.
        let inherit = try ExperimentLoader.decode(yaml: "tasks:\n  - {name: a, train_languages: [en]}\nstages:\n  - {}\n  - {optimization: {lr: 0.5}}\n")
        #expect(inherit.stage(1).tasks.map(\.name) == ["a"] && inherit.stage(1).optimization.lr == 0.5 && inherit.stage(0).optimization.lr == 0.001)
        // Without stages the experiment is its own single stage.
        let flat = try ExperimentLoader.decode(yaml: "tasks:\n  - {name: a, train_languages: [en]}\n")
        #expect(!flat.isStaged && flat.stageExperiments == [flat] && flat.allTasks == flat.tasks)
    }

    @Test func stageCheckpointNamesReadBack() {
        #expect(RunFolder.stageCheckpoint(row: 0) == "start" && RunFolder.stageCheckpoint(row: 3) == "stage-3")
        for row in 0..<12 { #expect(RunFolder.stageRow(checkpoint: RunFolder.stageCheckpoint(row: row)) == row) }
        for other in ["best", "last", "stage-0", "stage-01", "stage-", "stage-x", "stage--1"] { #expect(RunFolder.stageRow(checkpoint: other) == nil, "\(other)") }
    }

    @Test func allTasksMergesEveryStagesLanguagesByTask() throws {
        let yaml = """
        stages:
          - tasks: [{name: a, train_languages: [en], eval_languages: [fr, de]}]
          - tasks: [{name: b, train_languages: [de]}, {name: a, train_languages: [de, en], eval_languages: [sw]}]
        """
        let all = try ExperimentLoader.decode(yaml: yaml).allTasks
        #expect(all.map(\.name) == ["a", "b"])
        #expect(all[0].trainLanguages == ["en", "de"] && all[0].evalLanguages == ["fr", "sw"])
    }

    @Test func resolvedYAMLWithStagesRoundTripsExactly() throws {
        let e = try ExperimentLoader.decode(yaml: Self.staged, file: "seq.yaml", overrides: ["stages.1.optimization.lr=0.00012345678901234"])
        let text = try ExperimentLoader.resolvedYAML(e)
        let again = try ExperimentLoader.decode(yaml: text, file: "resolved.yaml")
        #expect(again == e)
        #expect(again.stages[1].optimization.lr == 0.00012345678901234)
        // Every key of a stage is spelt out, nulls included.
        #expect(text.contains("- name: null") && text.contains("    end_temperature: null"))
    }

    @Test func unknownKeysInAStageAreErrorsNamingTheKeyAndLine() {
        let misspelt = configError { _ = try ExperimentLoader.decode(yaml: Self.staged + "\n    optimizr: {lr: 1}\n", file: "seq.yaml") }
        #expect(misspelt?.key == "stages.1.optimizr" && misspelt?.file == "seq.yaml:23")
        #expect(misspelt?.message.contains("name, tasks, sampler, optimization, strategy, evaluation") == true, "\(String(describing: misspelt))")
        // Keys shared by every stage are not a stage's.
        let shared = configError { _ = try ExperimentLoader.decode(yaml: "stages:\n  - model: {layers: 3}\n", file: "s.yaml") }
        #expect(shared?.key == "stages.0.model" && shared?.file == "s.yaml:2")
        let deep = configError { _ = try ExperimentLoader.decode(yaml: Self.staged, file: "seq.yaml", overrides: ["stages.0.optimization.lrr=1"]) }
        #expect(deep?.key == "stages.0.optimization.lrr" && deep?.file == "--set")
        let inTask = configError { _ = try ExperimentLoader.decode(yaml: Self.staged, file: "seq.yaml", overrides: ["stages.months.tasks.0.langs=[en]"]) }
        #expect(inTask?.key == "stages.0.tasks.0.langs")
        let type = configError { _ = try ExperimentLoader.decode(yaml: "stages: {name: x}\n", file: "t.yaml") }
        #expect(type?.key == "stages" && type?.file == "t.yaml:1" && type?.message == "expected a list, found a mapping", "\(String(describing: type))")
    }

    @Test func overridesReachAStageByIndexOrName() throws {
        let e = try ExperimentLoader.decode(yaml: Self.staged, overrides: ["stages.months.optimization.max_steps=7", "stages.1.sampler.kind=uniform",
                                                                            "optimization.warmup_steps=2"])
        #expect(e.stage(0).optimization.maxSteps == 7 && e.stage(1).optimization.maxSteps == 50)
        #expect(e.stage(1).sampler.kind == .uniform && e.stage(0).sampler.kind == .temperature)
        // A top-level override reaches every stage that does not set the key itself.
        #expect(e.stage(0).optimization.warmupSteps == 2 && e.stage(1).optimization.warmupSteps == 2)
    }

    @Test func validationNamesTheStagesKey() {
        func key(_ overrides: [String], yaml: String = Self.staged) -> String? {
            do {
                try ExperimentLoader.decode(yaml: yaml, file: "seq.yaml", overrides: overrides).validate(file: "seq.yaml")
                return nil
            } catch let e as ConfigError { return e.key } catch { return "unexpected \(error)" }
        }
        #expect(key([]) == nil)
        #expect(key(["stages.1.optimization.lr=-1"]) == "stages.1.optimization.lr")
        #expect(key(["stages.0.optimization.warmup_steps=90"]) == "stages.0.optimization.warmup_steps")
        #expect(key(["stages.1.strategy.freeze_layers=9"]) == "stages.1.strategy.freeze_layers")
        #expect(key(["stages.0.tasks=[]"]) == "stages.0.tasks")
        #expect(key(["stages.0.name='  '"]) == "stages.0.name")
        #expect(key(["stages.1.evaluation.selection_tasks=[cldr-dates-month]"]) == "stages.1.evaluation.selection_tasks.0")
        // Shared keys are checked once, without a stage.
        #expect(key(["model.heads=3"]) == "model.heads")
        #expect(key([], yaml: "stages:\n  - {}\n") == "stages.0.tasks")
        // Top-level tasks that no stage trains (each lists its own) are an error, not a silent no-op.
        #expect(key(["tasks=[{name: cldr-mlm, train_languages: [en]}]"]) == "tasks")
        #expect(key([], yaml: "tasks: [{name: cldr-mlm, train_languages: [en]}]\nstages:\n  - {tasks: [{name: cldr-dates-month, train_languages: [en]}]}\n  - {}\n") == nil)
    }

    @Test func stageTasksAreCheckedAgainstTheCatalog() throws {
        let catalog = try TaskCatalog.load(tasksDirectory: TrainingRunSupport.root.appendingPathComponent("tasks").path,
                                           languagesDirectory: TrainingRunSupport.root.appendingPathComponent("languages").path)
        func key(_ overrides: [String]) -> String? {
            do {
                _ = try catalog.resolve(try ExperimentLoader.decode(yaml: Self.staged, overrides: overrides), file: "seq.yaml")
                return nil
            } catch let e as ConfigError { return e.key } catch { return "unexpected \(error)" }
        }
        #expect(key([]) == nil)
        #expect(key(["stages.1.tasks.0.name=nope"]) == "stages.1.tasks.0.name")
        #expect(key(["stages.1.tasks.0.train_languages=[en, xx]"]) == "stages.1.tasks.0.train_languages.1")
        // One masked-LM task per experiment, across stages (its head is tied to the encoder); the same one again is fine.
        let mlm = { (second: String) in
            try ExperimentLoader.decode(yaml: Self.staged, overrides: [
                "stages.0.tasks=[{name: cldr-mlm, train_languages: [en]}, {name: cldr-dates-month, train_languages: [en]}]",
                "stages.1.tasks=[{name: \(second), train_languages: [en]}, {name: cldr-numbers-digits, train_languages: [en]}]"])
        }
        let specs = try catalog.resolve(try mlm("cldr-mlm"), file: nil)
        #expect(specs.map { $0.map(\.name) } == [["cldr-mlm", "cldr-dates-month"], ["cldr-mlm", "cldr-numbers-digits"]])
        let other = configError { _ = try catalog.resolve(try mlm("ud-text-mlm"), file: nil) }
        #expect(other?.key == "stages.1.tasks.0.name" && other?.message.contains("cldr-mlm") == true, "\(String(describing: other))")
    }
}

/// Backward and forward transfer as GEM defines them, on matrices worked out by hand.
@Suite struct ForgettingMatrixTests {
    func unit(_ task: String, _ trainedIn: [Int], higherIsBetter: Bool = true) -> ForgettingMatrix.Unit {
        .init(task: task, language: "en", type: "classification", metric: higherIsBetter ? "accuracy" : "mse",
              higherIsBetter: higherIsBetter, split: "test", examples: 10, trainedIn: trainedIn, answerNormalization: nil)
    }

    @Test func oneTaskPerStageIsGEMsDefinition() {
        // GEM with T = 3: BWT = mean_{i<3} R[3,i] − R[i,i]; FWT = mean_{i>1} R[i−1,i] − b_i.
        let r: [[Double]] = [[0.10, 0.20, 0.30],   // b
                             [0.90, 0.25, 0.35],
                             [0.70, 0.80, 0.40],
                             [0.50, 0.60, 0.95]]
        let m = ForgettingMatrix(stages: ["a", "b", "c"], units: [unit("a", [1]), unit("b", [2]), unit("c", [3])], scores: r)
        let bwt = ((0.50 - 0.90) + (0.60 - 0.80)) / 2
        let fwt = ((0.25 - 0.20) + (0.40 - 0.30)) / 2
        #expect(abs((m.backwardTransfer ?? .nan) - bwt) < 1e-15)
        #expect(abs((m.forwardTransfer ?? .nan) - fwt) < 1e-15)
        #expect(m.isComplete)
    }

    @Test func sharedUnitsUseTheirLastAndFirstStagesAndOthersStayOut() {
        // u0 trained in stages 1 and 3 (nothing to forget after 3 = T), u1 in stage 2, u2 evaluated only,
        // u3 an error metric (out of both means).
        let r: [[Double]] = [[0.0, 0.1, 0.2, 5.0],
                             [0.6, 0.3, 0.4, 4.0],
                             [0.5, 0.9, 0.1, 3.0],
                             [0.8, 0.7, 0.0, 9.0]]
        let units = [unit("u0", [1, 3]), unit("u1", [2]), unit("u2", []), unit("u3", [2], higherIsBetter: false)]
        let m = ForgettingMatrix(stages: ["1", "2", "3"], units: units, scores: r)
        #expect(abs((m.backwardTransfer ?? .nan) - (0.7 - 0.9)) < 1e-15)
        #expect(abs((m.forwardTransfer ?? .nan) - (0.3 - 0.1)) < 1e-15)
        #expect(ForgettingMatrix.forgettingRows(units[0], stageCount: 3) == nil)
        #expect(ForgettingMatrix.forwardRows(units[0]) == nil)
        // Until every stage has its row there is neither.
        let partial = ForgettingMatrix(stages: ["1", "2", "3"], units: units, scores: Array(r.prefix(3)))
        #expect(!partial.isComplete && partial.backwardTransfer == nil && partial.forwardTransfer == nil)
        // No unit qualifies: nil, not zero.
        let none = ForgettingMatrix(stages: ["1"], units: [unit("x", [1])], scores: [[0.1], [0.9]])
        #expect(none.backwardTransfer == nil && none.forwardTransfer == nil)
    }
}
