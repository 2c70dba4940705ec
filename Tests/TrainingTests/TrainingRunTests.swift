import Data
import Foundation
import Models
import Platform
import Testing
@testable import Runs
@testable import Tasks
import Text
@testable import Training

@Suite struct TrainingRunTests {
    @Test func sameSeedGivesIdenticalRunsAndAnotherSeedDiffers() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let file = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "same")
        let dirA = TrainingRunSupport.temporaryRun("same-a"), dirB = TrainingRunSupport.temporaryRun("same-b")
        let dirC = TrainingRunSupport.temporaryRun("other")
        defer { for d in [file, dirA, dirB, dirC] { try? FileManager.default.removeItem(at: d) } }
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", dirA.path]) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", dirB.path]) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", dirC.path, "--set", "seed=4"]) == 0)
        let a = try TrainingRunSupport.results(dirA), b = try TrainingRunSupport.results(dirB), c = try TrainingRunSupport.results(dirC)
        #expect(a == b)
        #expect(TrainingRunSupport.bytes(dirA, "results.json") == TrainingRunSupport.bytes(dirB, "results.json"))
        #expect(TrainingRunSupport.bytes(dirA, TrainingRunSupport.lastWeights) == TrainingRunSupport.bytes(dirB, TrainingRunSupport.lastWeights))
        #expect(TrainingRunSupport.bytes(dirA, "train.jsonl") == TrainingRunSupport.bytes(dirB, "train.jsonl"))
        #expect(a.last != c.last)
        #expect(TrainingRunSupport.bytes(dirA, TrainingRunSupport.lastWeights) != TrainingRunSupport.bytes(dirC, TrainingRunSupport.lastWeights))

        // The run folder holds what the issue asks for.
        for file in ["experiment.yaml", "environment.json", "train.jsonl", "results.json", "tokenizer.json",
                     "checkpoints/last/trainer_state.json", "checkpoints/last/optimizer.json", "checkpoints/best/model/weights.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: dirA.appendingPathComponent(file).path), "missing \(file)")
        }
        let resolved = try RunFolder.open(dirA.path).readExperiment()
        #expect(resolved.seed == 3 && resolved.tasks.count == 3)
        let records = try TrainLog.read(dirA.appendingPathComponent("train.jsonl"))
        #expect(records.filter { $0["type"] as? String == "step" }.count == 30)
        #expect(records.filter { $0["type"] as? String == "eval" }.map { $0["step"] as? Int } == [10, 20, 30])
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: dirA.appendingPathComponent("environment.json"))) as? [String: Any]
        #expect(env?["seed"] as? Int == 3)
        #expect((env?["data_files"] as? [[String: Any]])?.contains { ($0["path"] as? String)?.hasSuffix("cldr-mlm.yaml") == true } == true)
        // Strict zero-shot selection by default: only English dev data picks checkpoints.
        #expect(a.selection == "source-dev")
        #expect(a.selectionTasks == ["cldr-dates-month", "cldr-date-fields"])
    }

    @Test func badExperimentsFailBeforeTrainingWithTheKey() throws {
        func key(_ overrides: [String]) -> String? {
            let dir = TrainingRunSupport.temporaryRun("bad")
            defer { try? FileManager.default.removeItem(at: dir) }
            do {
                let e = try ExperimentLoader.decode(yaml: TrainingRunSupport.tiny, file: "bad.yaml", overrides: overrides)
                _ = try Trainer.start(e, experimentFile: "bad.yaml", outputPath: dir.path, options: TrainingRunSupport.options)
                return nil
            } catch let error as ConfigError {
                // Nothing was written: the run folder was never created.
                #expect(!FileManager.default.fileExists(atPath: dir.path))
                return error.key
            } catch {
                return "unexpected: \(error)"
            }
        }
        #expect(key(["tasks.1.name=cldr-dates-monthh"]) == "tasks.1.name")
        #expect(key(["tasks.1.train_languages=[en, xx]"]) == "tasks.1.train_languages.1")
        #expect(key(["tasks.1.eval_languages=[tlh]"]) == "tasks.1.eval_languages.0")
        #expect(key(["model.heads=3"]) == "model.heads")
        #expect(key(["data.max_length=64"]) == "data.max_length")
        #expect(key(["tasks.2.name=cldr-mlm"]) == "tasks.2.name")
    }
}

@Suite struct PerTaskSettingsTests {
    /// A head whose task a step does not train is left exactly as it is (no weight decay, no momentum carried
    /// on), as PyTorch leaves a parameter without a gradient. Two tasks drawn at random, a constant rate with weight
    /// decay, runs of 1 to 6 steps (the same draws: they depend on the seed and the step only): from each run to
    /// the next, the head of the task that step did not train keeps its bits and the other head moves.
    @Test func headsOfTasksAStepDoesNotTrainStayPut() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let file = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "idle-heads")
        let runs = (1...6).map { TrainingRunSupport.temporaryRun("idle-heads-\($0)") }
        defer { for d in [file] + runs { try? FileManager.default.removeItem(at: d) } }
        let settings = ["tasks=[{name: cldr-dates-month, train_languages: [en]}, {name: cldr-date-fields, train_languages: [en]}]",
                        "optimization.schedule=constant", "optimization.warmup_steps=0", "optimization.weight_decay=0.1",
                        "evaluation.every=100"].flatMap { ["--set", $0] }
        for (k, run) in runs.enumerated() {
            #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", run.path, "--set", "optimization.max_steps=\(k + 1)"] + settings) == 0)
        }
        let trained = try TrainLog.read(runs[5].appendingPathComponent("train.jsonl")).filter { $0["type"] as? String == "step" }
            .map { (($0["examples"] as? [String: Int]) ?? [:]).keys.sorted() }
        #expect(trained.count == 6 && trained.allSatisfy { $0.count == 1 }, "\(trained)")
        let w = try runs.map { try SafetensorsFile(url: $0.appendingPathComponent(TrainingRunSupport.lastWeights)) }
        func head(_ k: Int, _ task: String) throws -> [String: [Float]] {
            var out: [String: [Float]] = [:]
            for name in w[k].names where name.hasPrefix("heads.\(task).") { out[name] = try w[k].floats(name) }
            return out
        }
        var idleAfterTraining = 0
        for k in 1..<min(6, trained.count) {
            for task in ["cldr-dates-month", "cldr-date-fields"] {
                let before = try head(k - 1, task), after = try head(k, task)
                let same = before == after
                #expect(!after.isEmpty)
                if trained[k] == [task] {
                    #expect(!same, "step \(k + 1) trained \(task) but its head did not move")
                } else {
                    #expect(same, "step \(k + 1) did not train \(task) but its head moved")
                    if trained[..<k].contains([task]) { idleAfterTraining += 1 }
                }
            }
        }
        #expect(idleAfterTraining > 0, "no step left a head idle after it had trained (momentum would carry it on): \(trained)")
        // The checkpoint records the heads' own step counts where they differ from the run's 6.
        let header = try JSONSerialization.jsonObject(with: Data(contentsOf: runs[5].appendingPathComponent("checkpoints/last/optimizer.json"))) as? [String: Any]
        let counts = header?["parameter_steps"] as? [String: Int] ?? [:]
        let month = trained.filter { $0 == ["cldr-dates-month"] }.count
        #expect(!counts.isEmpty && counts.allSatisfy { $0.key.hasPrefix("heads.cldr-dates-month.") ? $0.value == month : $0.value == 6 - month }, "\(counts)")
    }

    @Test func taskBatchSizesAndHeadMultipliersApplyToTheirTaskOnly() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let file = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "per-task")
        let short = ["--set", "optimization.max_steps=12", "--set", "evaluation.every=12"]
        let runs = ["batch", "global", "both", "one"].map { TrainingRunSupport.temporaryRun("per-task-\($0)") }
        defer { for d in [file] + runs { try? FileManager.default.removeItem(at: d) } }

        // tasks.1 draws 3 examples whenever a step trains it; the others keep optimization.batch_size (8).
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", runs[0].path, "--set", "tasks.1.batch_size=3"] + short) == 0)
        let steps = try TrainLog.read(runs[0].appendingPathComponent("train.jsonl")).filter { $0["type"] as? String == "step" }
        var seen: [String: Set<Int>] = [:]
        for s in steps {
            for (task, n) in s["examples"] as? [String: Int] ?? [:] { seen[task, default: []].insert(n) }
        }
        #expect(seen["cldr-dates-month"] == [3])
        #expect(seen["cldr-mlm"] == [8] && seen["cldr-date-fields"] == [8], "\(seen)")

        // Every head (the masked-LM head's transform too) at 5 × lr by its task's setting trains as
        // strategy.head_lr_multiplier: 5 does (this model has nothing else above the encoder); one head at 5 × lr
        // gives another run.
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", runs[1].path, "--set", "strategy.head_lr_multiplier=5"] + short) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", runs[2].path, "--set", "tasks.0.head_lr_multiplier=5", "--set", "tasks.1.head_lr_multiplier=5",
                                                 "--set", "tasks.2.head_lr_multiplier=5"] + short) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", runs[3].path, "--set", "tasks.1.head_lr_multiplier=5"] + short) == 0)
        let weights = runs[1...].map { TrainingRunSupport.bytes($0, TrainingRunSupport.lastWeights) }
        #expect(weights[0] != nil && weights[0] == weights[1])
        #expect(weights[2] != nil && weights[2] != weights[0])
    }
}
