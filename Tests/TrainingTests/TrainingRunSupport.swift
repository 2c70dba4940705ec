import Foundation
import Platform
@testable import Runs
@testable import Tasks
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

    /// A run file's bytes; for train.jsonl without the steps' measured wall times (`"seconds"`), the one
    /// field that differs between two runs of the same experiment.
    static func bytes(_ dir: URL, _ relative: String) -> Data? {
        guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(relative).path) else { return nil }
        guard relative.hasSuffix("train.jsonl"), let text = String(data: data, encoding: .utf8) else { return data }
        let stripped = text.replacingOccurrences(of: #","seconds":[0-9.eE+-]+"#, with: "", options: .regularExpression)
        return Data(stripped.utf8)
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

    /// Starts `polyglot` with the repository's specs (or `tasksDir`); standard error goes to `stderr` when given.
    static func launch(_ arguments: [String], tasksDir: URL? = nil, stderr: URL? = nil) throws -> Process {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments + ["--tasks-dir", (tasksDir ?? root.appendingPathComponent("tasks")).path,
                                   "--languages-dir", root.appendingPathComponent("languages").path]
        p.standardOutput = FileHandle.nullDevice
        if let stderr {
            FileManager.default.createFile(atPath: stderr.path, contents: nil)
            p.standardError = try FileHandle(forWritingTo: stderr)
        } else {
            p.standardError = FileHandle.nullDevice
        }
        try p.run()
        return p
    }

    static func runToEnd(_ arguments: [String], tasksDir: URL? = nil) throws -> Int32 {
        let p = try launch(arguments, tasksDir: tasksDir)
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Runs to the end; the exit status and what it wrote on standard error.
    static func runCapturing(_ arguments: [String], tasksDir: URL? = nil) throws -> (status: Int32, stderr: String) {
        let file = temporaryRun("stderr").appendingPathExtension("txt")
        defer { try? FileManager.default.removeItem(at: file) }
        let p = try launch(arguments, tasksDir: tasksDir, stderr: file)
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: FileManager.default.contents(atPath: file.path) ?? Data(), as: UTF8.self))
    }

    /// Optimizer steps recorded in the run's train.jsonl so far.
    static func loggedSteps(_ run: URL) -> Int {
        guard let data = FileManager.default.contents(atPath: run.appendingPathComponent("train.jsonl").path) else { return 0 }
        return String(decoding: data, as: UTF8.self).components(separatedBy: "\"type\":\"step\"").count - 1
    }

    /// Waits until the running process has logged `step` steps; false when it ended or 300 s passed first.
    static func waitForStep(_ p: Process, run: URL, step: Int) -> Bool {
        let deadline = Date().addingTimeInterval(300)
        while p.isRunning && Date() < deadline {
            if loggedSteps(run) >= step { return true }
            usleep(1_000)
        }
        return false
    }

    /// The resume points environment.json records.
    static func resumePoints(_ run: URL) -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: run.appendingPathComponent("environment.json").path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return object["resumed_at"] as? [[String: Any]] ?? []
    }

    /// Waits until environment.json records `count` resumes (a resumed process has passed its checks).
    static func waitForResume(_ p: Process, run: URL, count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(300)
        while p.isRunning && Date() < deadline {
            if resumePoints(run).count >= count { return true }
            usleep(1_000)
        }
        return false
    }

    /// The uninterrupted reference run that the resume tests compare against: `tiny` with these settings
    /// (200 steps, evaluation every 50, a checkpoint every 5), trained once per test process.
    static let referenceSettings = ["--set", "optimization.max_steps=200", "--set", "evaluation.every=50"]
    static let sharedFolder = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-shared-\(getpid())")
    static let referenceExperiment = sharedFolder.appendingPathComponent("reference-exp.yaml")
    private static let referenceResult: Result<URL, Error> = Result {
        try FileManager.default.createDirectory(at: sharedFolder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TrainingRunSupport.sharedFolder) }
        try Data((tiny + "\n").utf8).write(to: referenceExperiment)
        let run = sharedFolder.appendingPathComponent("reference")
        let status = try runToEnd(["train", referenceExperiment.path, "--output", run.path] + referenceSettings)
        guard status == 0 else { throw FileError(path: run.path, "the reference run exited with status \(status)") }
        return run
    }

    static func reference() throws -> URL { try referenceResult.get() }

    /// Files that must be the same bytes in a resumed run and the reference.
    static let resumeIdentical = ["results.json", lastWeights, "checkpoints/last/trainer_state.json", "checkpoints/last/manifest.json",
                                  "checkpoints/last/optimizer.exp_avg.f32", "checkpoints/last/optimizer.exp_avg_sq.f32",
                                  "checkpoints/best/model/weights.safetensors", "checkpoints/best/manifest.json", "train.jsonl"]

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
