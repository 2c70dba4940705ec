import Data
import Foundation
import Platform
import Testing
@testable import Runs
@testable import Tasks
import Text
@testable import Training

/// experiments/smoke.yaml, shortened to English only and fewer steps so it runs in well under a minute:
/// every task's training loss falls and every dev metric beats the majority-class baseline.
@Suite struct SmokeLearningTests {
    @Test func everyTaskLearnsOnTheShortenedSmokeExperiment() throws {
        let file = TrainingRunSupport.root.appendingPathComponent("experiments/smoke.yaml").path
        let overrides = [
            "tasks.0.train_languages=[en]",
            "tasks.1.train_languages=[en]", "tasks.1.eval_languages=[]",
            "tasks.2.train_languages=[en]", "tasks.2.eval_languages=[]",
            "tasks.3.train_languages=[en]", "tasks.3.eval_languages=[]",
            "tasks.4.train_languages=[en]", "tasks.4.eval_languages=[]",
            "tokenizer.vocab_size=500", "optimization.max_steps=700", "evaluation.every=350", "checkpoint.every=350",
        ]
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let e = try ExperimentLoader.load(file: file, overrides: overrides)
        #expect(e.tasks.map(\.name) == ["cldr-mlm", "cldr-dates-month", "cldr-numbers-digits", "cldr-units-dimension", "cldr-date-fields"])
        let dir = TrainingRunSupport.temporaryRun("smoke")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try TrainingRunSupport.runToEnd(["train", file, "--output", dir.path] + overrides.flatMap { ["--set", $0] }) == 0)
        guard let last = try TrainingRunSupport.results(dir).last else { Issue.record("no evaluation"); return }

        // Training loss: mean of the first five logged steps of each task against the last five.
        let records = try TrainLog.read(dir.appendingPathComponent("train.jsonl")).filter { $0["type"] as? String == "step" }
        for task in e.tasks.map(\.name) {
            let losses = records.compactMap { ($0["loss"] as? [String: Any])?[task] as? Double }
            #expect(losses.count >= 20, "\(task) trained only \(losses.count) steps")
            let first = losses.prefix(5).reduce(0, +) / 5, final = losses.suffix(5).reduce(0, +) / 5
            #expect(final < first * 0.9, "\(task): training loss \(first) → \(final)")
        }

        // Dev metrics against the majority-class baseline on the same dev examples.
        let catalog = try TaskCatalog.load(tasksDirectory: TrainingRunSupport.options.tasksDirectory,
                                           languagesDirectory: TrainingRunSupport.options.languagesDirectory)
        let tokenizer = try Tokenizer.load(from: dir.appendingPathComponent("tokenizer.json"))
        for task in e.tasks.map(\.name) {
            let spec = catalog.tasks[task]!
            let dev = Array(try DatasetLoader.load(task: spec, language: "en", split: .dev, dataRoot: "", languages: catalog.languages)
                .prefix(e.data.maxEvalExamples!))
            var counts: [String: Int] = [:]
            switch spec.type {
            case .classification:
                for ex in dev { counts[ex.label!, default: 0] += 1 }
            case .tagging:
                for ex in dev { if case .tagged(let t) = ex.input { for tag in t.tags { counts[tag, default: 0] += 1 } } }
            default:
                for ex in dev { for id in try tokenizer.encode(ex.texts[0], addSpecialTokens: false).ids { counts[String(id), default: 0] += 1 } }
            }
            let baseline = Double(counts.values.max()!) / Double(counts.values.reduce(0, +))
            let metric = spec.type == .mlm ? "mlm_accuracy" : "accuracy"
            let value = last.metrics[task]?["dev"]?["en"]?[metric] ?? .nan
            #expect(value > baseline, "\(task): dev \(metric) \(value) does not beat the majority baseline \(baseline)")
        }
    }
}
