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

    static func bytes(_ dir: URL, _ relative: String) -> Data? {
        FileManager.default.contents(atPath: dir.appendingPathComponent(relative).path)
    }

    static let lastWeights = "checkpoints/last/model/weights.safetensors"

    /// The built `polyglot` (`make test` builds it before the tests: `swift build -c release --product polyglot`).
    /// Training runs go through it as subprocesses: each gets its own process and thread pool, while the
    /// test process runs many suites at once.
    static var binary: URL {
        #if DEBUG
        let config = "debug"
        #else
        let config = "release"
        #endif
        return root.appendingPathComponent(".build/\(config)/polyglot")
    }

    static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }
    static let missingBinary = "the polyglot binary is missing: build it first (make test does: swift build -c release --product polyglot)"

    static func launch(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments + ["--tasks-dir", root.appendingPathComponent("tasks").path,
                                   "--languages-dir", root.appendingPathComponent("languages").path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func runToEnd(_ arguments: [String]) throws -> Int32 {
        let p = try launch(arguments)
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Writes `yaml` to a temporary experiment file.
    static func experimentFile(_ yaml: String, name: String) throws -> URL {
        let url = temporaryRun(name).appendingPathExtension("yaml")
        try Data((yaml + "\n").utf8).write(to: url)
        return url
    }

    static func results(_ dir: URL) throws -> TrainingResults {
        try JSONDecoder().decode(TrainingResults.self, from: Data(contentsOf: dir.appendingPathComponent("results.json")))
    }
}
