import Foundation
import Platform
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

@Suite struct ExperimentValidationTests {
    static let base = """
    name: v
    tasks:
      - name: months
        train_languages: [en]
        eval_languages: [de]
      - name: mlm
        train_languages: [en, de]
    """

    func key(_ overrides: [String]) -> String? {
        do {
            let e = try ExperimentLoader.decode(yaml: Self.base, file: "v.yaml", overrides: overrides)
            try e.validate(file: "v.yaml")
            return nil
        } catch let e as ConfigError {
            return e.key
        } catch {
            return "unexpected: \(error)"
        }
    }

    @Test func defaultsWithTasksAreValid() {
        #expect(key([]) == nil)
    }

    @Test func impossibleSizesAndRangesNameTheirKey() {
        #expect(key(["model.heads=3"]) == "model.heads")
        #expect(key(["model.layers=0"]) == "model.layers")
        #expect(key(["data.max_length=512"]) == "data.max_length")
        #expect(key(["model.dropout=1.5"]) == "model.dropout")
        #expect(key(["tokenizer.vocab_size=3"]) == "tokenizer.vocab_size")
        #expect(key(["optimization.lr=-1"]) == "optimization.lr")
        #expect(key(["optimization.batch_size=0"]) == "optimization.batch_size")
        #expect(key(["optimization.warmup_steps=5000"]) == "optimization.warmup_steps")
        #expect(key(["optimization.clip_norm=0"]) == "optimization.clip_norm")
        #expect(key(["strategy.kind=freeze-lower", "strategy.freeze_layers=7"]) == "strategy.freeze_layers")
        #expect(key(["strategy.layer_lr_decay=1.5"]) == "strategy.layer_lr_decay")
        #expect(key(["strategy.head_lr_multiplier=0"]) == "strategy.head_lr_multiplier")
        #expect(key(["tasks.0.batch_size=0"]) == "tasks.0.batch_size")
        #expect(key(["tasks.1.head_lr_multiplier=-2"]) == "tasks.1.head_lr_multiplier")
        // A mixed batch draws each example's task, so a task's own batch size means nothing there.
        #expect(key(["tasks.0.batch_size=4", "sampler.batching=mixed"]) == "tasks.0.batch_size")
        #expect(key(["tasks.0.batch_size=4", "tasks.1.head_lr_multiplier=20"]) == nil)
        #expect(key(["evaluation.selection_tasks=[pos]"]) == "evaluation.selection_tasks.0")
        #expect(key(["tasks.1.name=months"]) == "tasks.1.name")
        #expect(key(["tasks.0.train_languages=[]"]) == "tasks.0.train_languages")
        #expect(key(["model.source=hf"]) == "model.path")
        #expect(key(["tokenizer.source=file"]) == "tokenizer.path")
        #expect(key(["name=a/b"]) == "name")
        #expect(key(["tasks=[]"]) == "tasks")
    }

    /// Every experiment file the repository ships reads and passes the checks that need no data (a key
    /// misspelt in a reference experiment fails here, not after its model has loaded).
    @Test func committedExperimentFilesAreValid() throws {
        let folder = TrainingRunSupport.root.appendingPathComponent("experiments")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.contains("reference-e5-multitask.yaml"))
        for name in files {
            let path = folder.appendingPathComponent(name).path
            do {
                try ExperimentLoader.load(file: path).validate(file: path)
            } catch {
                Issue.record(Comment(rawValue: "\(name): \(error)"))
            }
        }
        let multi = try ExperimentLoader.load(file: folder.appendingPathComponent("reference-e5-multitask.yaml").path)
        #expect(multi.tasks.map(\.batchSize) == [nil, nil, nil, 16, 16])
        #expect(multi.tasks.map(\.headLRMultiplier) == [nil, nil, 20, nil, nil])
    }

    func catalog(_ name: String) -> TaskAvailability? {
        switch name {
        case "months": TaskAvailability(trainLanguages: ["en", "fr"], devLanguages: ["en", "de", "fr"], isMaskedLM: false)
        case "mlm": TaskAvailability(trainLanguages: ["en", "de"], devLanguages: ["en", "de"], isMaskedLM: true)
        default: nil
        }
    }

    func taskKey(_ overrides: [String]) -> String? {
        do {
            let e = try ExperimentLoader.decode(yaml: Self.base, file: "v.yaml", overrides: overrides)
            try e.validateTasks(file: "v.yaml", catalog: catalog, knownTasks: ["months", "mlm"])
            return nil
        } catch let e as ConfigError {
            return e.key
        } catch {
            return "unexpected: \(error)"
        }
    }

    @Test func unknownTasksAndLanguagesNameTheirKey() {
        #expect(taskKey([]) == nil)
        #expect(taskKey(["tasks.0.name=pos"]) == "tasks.0.name")
        #expect(taskKey(["tasks.0.train_languages=[en, xx]"]) == "tasks.0.train_languages.1")
        #expect(taskKey(["tasks.0.eval_languages=[ja]"]) == "tasks.0.eval_languages.0")
        // MLM alone is not selectable by default.
        #expect(taskKey(["tasks.0.select=false"]) == "evaluation.selection_tasks")
        // Target-dev selection needs target languages on the selection task.
        #expect(taskKey(["evaluation.selection=target-dev", "tasks.0.eval_languages=[]"]) == "tasks.0.eval_languages")
    }

    @Test func selectionTasksDefaultToEveryTaskButMaskedLM() throws {
        let e = try ExperimentLoader.decode(yaml: Self.base)
        #expect(e.selectionTaskNames { $0 == "mlm" } == ["months"])
        let f = try ExperimentLoader.decode(yaml: Self.base, overrides: ["tasks.mlm.select=true"])
        #expect(f.selectionTaskNames { $0 == "mlm" } == ["months", "mlm"])
        let g = try ExperimentLoader.decode(yaml: Self.base, overrides: ["evaluation.selection_tasks=[mlm]"])
        #expect(g.selectionTaskNames { $0 == "mlm" } == ["mlm"])
    }
}
