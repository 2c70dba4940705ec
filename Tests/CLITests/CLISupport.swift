import Foundation
import Testing

/// Runs the built `polyglot` as a user would, in its own process: arguments, working folder, where its
/// standard output goes; returns the exit status and what it printed.
enum CLI {
    /// The package root, from this file's path (Tests/CLITests/<file>).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `make test` builds the binary with the tests (`swift build -c release --build-tests`);
    /// POLYGLOT_CLI_BINARY runs the battery against another build.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["POLYGLOT_CLI_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
        #if DEBUG
        let config = "debug"
        #else
        let config = "release"
        #endif
        return root.appendingPathComponent(".build/\(config)/polyglot")
    }

    static let missingBinary: Comment = "the polyglot binary is missing: build it first (make test does)"

    static var specs: [String] {
        ["--tasks-dir", root.appendingPathComponent("tasks").path, "--languages-dir", root.appendingPathComponent("languages").path]
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The lines printed on standard error.
        var errorLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    }

    /// Runs `polyglot arguments` in `folder`; `stdout` (a path such as /dev/full) replaces the captured output;
    /// `environment` sets variables (a nil value removes one) in the environment the test runs in.
    static func run(_ arguments: [String], in folder: URL? = nil, stdout: String? = nil,
                    environment: [String: String?] = [:]) throws -> Outcome {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), missingBinary)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-cli-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        if !environment.isEmpty {
            var variables = ProcessInfo.processInfo.environment
            for (name, value) in environment { variables[name] = value }
            p.environment = variables
        }
        if let folder { p.currentDirectoryURL = folder }
        let out = try #require(FileHandle(forWritingAtPath: stdout ?? outURL.path))
        let err = try #require(FileHandle(forWritingAtPath: errURL.path))
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try out.close()
        try err.close()
        let text = { (url: URL) in String(decoding: FileManager.default.contents(atPath: url.path) ?? Data(), as: UTF8.self) }
        return Outcome(status: p.terminationStatus, stdout: stdout == nil ? text(outURL) : "", stderr: text(errURL))
    }

    static func temporaryFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-cli-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A run small enough to train in well under a second: one layer, one task, four steps.
    static let tinyExperiment = tinyExperiment(steps: 4, every: 4)

    /// The tiny experiment with `steps` optimizer steps, evaluated and saved every `every` steps, and
    /// `evalLanguages` as its zero-shot languages.
    static func tinyExperiment(steps: Int, every: Int, evalLanguages: [String] = []) -> String {
        let task = evalLanguages.isEmpty ? "{name: cldr-dates-month, train_languages: [en]}"
            : "{name: cldr-dates-month, train_languages: [en], eval_languages: [\(evalLanguages.joined(separator: ", "))]}"
        return """
        name: tiny
        seed: 3
        model: {layers: 1, hidden: 16, heads: 2, intermediate: 32, max_positions: 32, dropout: 0.1}
        tokenizer: {vocab_size: 300, max_sentences: 300}
        data: {max_length: 32, max_train_examples: 50, max_eval_examples: 20}
        tasks:
          - \(task)
        optimization: {batch_size: 8, max_steps: \(steps), warmup_steps: 1, lr: 0.003}
        evaluation: {every: \(every)}
        checkpoint: {every: \(every)}

        """
    }

    /// Trains the tiny experiment into `<folder>/run` through the binary; returns the run folder.
    static func tinyRun(in folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let experiment = folder.appendingPathComponent("tiny.yaml")
        try Data(tinyExperiment.utf8).write(to: experiment)
        let run = folder.appendingPathComponent("run")
        let o = try CLI.run(["train", experiment.path, "--output", run.path] + specs)
        try #require(o.status == 0, "training the tiny run failed: \(o.stderr)")
        return run
    }

    /// A character device to aim outputs at. As root, a node of its own in `folder` with /dev/null's numbers
    /// (1, 3): a command that wrongly replaced it would replace this node, never the system's /dev/null (nil when
    /// root may not create device nodes). Otherwise /dev/null itself, which only root could replace.
    static func deviceNode(in folder: URL) -> String? {
        guard geteuid() == 0 else { return "/dev/null" }
        let path = folder.appendingPathComponent("null-device").path
        return mknod(path, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0 ? path : nil
    }

    /// Every file below `folder` (relative path → bytes), links and special files by their kind: a snapshot
    /// to compare before and after a refused command.
    static func snapshot(_ folder: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        guard let e = FileManager.default.enumerator(atPath: folder.path) else { return out }
        while let relative = e.nextObject() as? String {
            let path = folder.appendingPathComponent(relative).path
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG: out[relative] = FileManager.default.contents(atPath: path) ?? Data("unreadable".utf8)
            case S_IFDIR: out[relative + "/"] = Data()
            default: out[relative] = Data("special \(st.st_mode & S_IFMT)".utf8)
            }
        }
        return out
    }
}
