import Foundation
import Platform
@testable import Training

/// Paths and small experiments shared by the tests that train.
enum TrainingRunSupport {
    /// The package root, from this file's path (Tests/TrainingTests/<file>).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var options: TrainOptions {
        var o = TrainOptions()
        o.tasksDirectory = root.appendingPathComponent("tasks").path
        o.languagesDirectory = root.appendingPathComponent("languages").path
        o.interactive = false
        o.write = { _ in }
        return o
    }

    /// A run small enough for a test: one layer, a 400-piece tokenizer, three tasks of two head types.
    static let tiny = """
    name: tiny
    seed: 3
    model: {layers: 1, hidden: 32, heads: 2, intermediate: 64, max_positions: 32, dropout: 0.1}
    tokenizer: {vocab_size: 400, max_sentences: 1200}
    data: {max_length: 32, max_train_examples: 200, max_eval_examples: 40}
    tasks:
      - {name: cldr-mlm, train_languages: [en]}
      - {name: cldr-dates-month, train_languages: [en], eval_languages: [de]}
      - {name: cldr-date-fields, train_languages: [en]}
    optimization: {batch_size: 8, max_steps: 30, warmup_steps: 3, lr: 0.003}
    evaluation: {every: 10}
    checkpoint: {every: 5}
    """

    static func temporaryRun(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-run-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    static func train(_ yaml: String, overrides: [String] = [], name: String) throws -> (TrainingSummary, URL) {
        let e = try ExperimentLoader.decode(yaml: yaml, file: "\(name).yaml", overrides: overrides)
        let dir = temporaryRun(name)
        return (try Trainer.start(e, experimentFile: "\(name).yaml", outputPath: dir.path, options: options), dir)
    }

    static func bytes(_ dir: URL, _ relative: String) -> Data? {
        FileManager.default.contents(atPath: dir.appendingPathComponent(relative).path)
    }

    static let lastWeights = "checkpoints/last/model/weights.safetensors"
}
