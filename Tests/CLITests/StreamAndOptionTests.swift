import Foundation
import Testing

/// A standard output that cannot be written ends the command with one line and exit status 1 (never a
/// trap), and numeric options out of range are refused before anything runs, naming the flag.
@Suite struct StreamAndOptionTests {
    static let full = "error: standard output: cannot write: No space left on device"

    @Test func commandsWritingToAFullDeviceFailWithOneLine() throws {
        let dir = try CLI.temporaryFolder("full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.tinyRun(in: dir)
        let text = dir.appendingPathComponent("text.txt")
        try Data("Hello world\nSaturday, December 26, 1925\n".utf8).write(to: text)
        let commands: [[String]] = [
            ["tokenizer", "encode", "--tokenizer", run.appendingPathComponent("tokenizer.json").path, "--input", text.path],
            ["tokenizer", "encode", "--tokenizer", run.appendingPathComponent("tokenizer.json").path, "--input", text.path, "--format", "json"],
            ["info"],
            ["info", "--json"],
            ["data", "show", "cldr-dates-month", "--lang", "en", "-n", "2"] + CLI.specs,
            ["data", "check", "cldr-dates-month"] + CLI.specs,
            ["--help"],
            ["eval", "--help"],
        ]
        for arguments in commands {
            // The command works with a writable output...
            let ok = try CLI.run(arguments)
            #expect(ok.status == 0, "\(arguments): \(ok.stderr)")
            #expect(!ok.stdout.isEmpty, "\(arguments)")
            // ...and fails, with one line, when it cannot write it.
            let o = try CLI.run(arguments, stdout: "/dev/full")
            #expect(o.status == 1, "\(arguments)")
            #expect(o.errorLines == [Self.full], "\(arguments)")
            #expect(!o.stderr.contains("Fatal error"))
        }
    }

    @Test func textInputThatIsNotARegularFileIsRefusedNamingIt() throws {
        let dir = try CLI.temporaryFolder("text-input")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.tinyRun(in: dir)
        let folder = dir.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let o = try CLI.run(["tokenizer", "encode", "--tokenizer", run.appendingPathComponent("tokenizer.json").path, "--input", folder.path])
        #expect(o.status == 1)
        #expect(o.errorLines == ["error: \(folder.path): is a folder, expected a regular file"])
    }

    @Test func trainingProgressThatCannotBeWrittenFailsTheCommandAfterTheRunIsSaved() throws {
        let dir = try CLI.temporaryFolder("full-train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let experiment = dir.appendingPathComponent("tiny.yaml")
        try Data(CLI.tinyExperiment.utf8).write(to: experiment)
        let run = dir.appendingPathComponent("run")
        let o = try CLI.run(["train", experiment.path, "--output", run.path] + CLI.specs, stdout: "/dev/full")
        #expect(o.status == 1)
        #expect(o.errorLines == [Self.full])
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("results.json").path))
    }

    @Test func outOfRangeOptionsAreRefusedNamingTheFlag() throws {
        let dir = try CLI.temporaryFolder("options")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.tinyRun(in: dir)
        let before = CLI.snapshot(run)
        let cases: [([String], String)] = [
            (["eval", run.path, "--max-examples=-1"], "--max-examples must be 0 or more (0 = all), got -1"),
            (["eval", run.path, "--batch-size", "0"], "--batch-size must be 1 or more, got 0"),
            (["eval", run.path, "--resamples", "0"], "--resamples must be 1 or more, got 0"),
            (["eval", run.path, "--layer=-2"], "--layer must be 0 or more (0 = embeddings), got -2"),
            (["embed", "--model", run.path, "--input", "x", "--output", "y", "--batch-size", "0"], "--batch-size must be 1 or more, got 0"),
            (["probe", run.path, "--task", "cldr-dates-month", "--seeds", "0"], "--seeds must be 1 or more, got 0"),
            (["probe", run.path, "--task", "cldr-dates-month", "--k", "1,0"], "--k takes integers 1 or more, comma-separated, got '0'"),
            (["compare", run.path, run.path, "--resamples", "0"], "--resamples must be 1 or more, got 0"),
            (["demo", "--steps", "0"], "--steps must be 1 or more, got 0"),
            (["data", "show", "cldr-dates-month", "--lang", "en", "-n", "0"], "-n must be 1 or more, got 0"),
            (["bench", "train", "--batch", "0"], "--batch must be 1 or more, got 0"),
            (["tokenizer", "train", "--input", "en=x", "--output", "y", "--vocab-size", "10"], "--vocab-size must be 262 or more"),
        ]
        for (arguments, message) in cases {
            let o = try CLI.run(arguments + (arguments[0] == "bench" || arguments[0] == "tokenizer" || arguments[0] == "compare" || arguments[0] == "embed" ? [] : CLI.specs))
            #expect(o.status != 0, "\(arguments)")
            #expect(o.stderr.contains(message), "\(arguments): \(o.stderr)")
            #expect(!o.stderr.contains("Fatal error"))
        }
        // --layer above the model's layers: refused once the model is loaded, naming the flag and the range.
        let layer = try CLI.run(["eval", run.path, "--layer", "99"] + CLI.specs)
        #expect(layer.status == 1)
        #expect(layer.errorLines.last == "error: --layer: 99 is outside 0...1: the model has 1 layer (0 = embeddings)")
        let probe = try CLI.run(["probe", run.path, "--task", "cldr-dates-month", "--layer", "7", "--k", "1", "--seeds", "1", "--language", "en"] + CLI.specs)
        #expect(probe.status == 1)
        #expect(probe.errorLines.last == "error: --layer: 7 is outside 0...1: the model has 1 layer (0 = embeddings)")
        // Nothing was evaluated into the run.
        #expect(CLI.snapshot(run) == before)
    }
}
