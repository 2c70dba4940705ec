import Foundation
import Testing

/// The careless or hostile user's reproductions, through the binary: outputs that would lose data are
/// refused with one line naming the path and what to do, and what was there is left as it was.
@Suite struct OutputSafetyTests {
    static func model(_ run: URL) -> String { run.appendingPathComponent("checkpoints/last/model").path }

    @Test func exportIntoTheCurrentFolderHoldingOtherFilesIsRefusedAndDeletesNothing() throws {
        let dir = try CLI.temporaryFolder("export-dot")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.tinyRun(in: dir)
        let work = dir.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("drafts"), withIntermediateDirectories: true)
        try Data("my notes".utf8).write(to: work.appendingPathComponent("notes.txt"))
        try Data("draft".utf8).write(to: work.appendingPathComponent("drafts/a.md"))
        let before = CLI.snapshot(work)
        let o = try CLI.run(["export", "--model", Self.model(run), "--output", "."], in: work)
        #expect(o.status == 1)
        #expect(o.errorLines == [
            "error: .: is a folder holding 2 entries Polyglot did not write (drafts, notes.txt); choose another --output, or add --force to write into it (nothing in it is deleted)",
        ])
        #expect(CLI.snapshot(work) == before)
        // With --force the export's files join the others; nothing is deleted.
        let forced = try CLI.run(["export", "--model", Self.model(run), "--output", ".", "--force"], in: work)
        #expect(forced.status == 0, "\(forced.stderr)")
        let after = CLI.snapshot(work)
        for (path, bytes) in before { #expect(after[path] == bytes, "\(path)") }
        for name in ["config.json", "model.safetensors", "tokenizer.json", ".polyglot-output.json"] { #expect(after[name] != nil, "\(name)") }
    }

    @Test func exportIntoTheRunOrTheModelFolderIsRefusedEvenWithForce() throws {
        let dir = try CLI.temporaryFolder("export-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.tinyRun(in: dir)
        let before = CLI.snapshot(run)
        #expect(!before.isEmpty)
        let model = Self.model(run)
        for output in [run.path, run.appendingPathComponent("checkpoints").path, model] {
            for force in [[], ["--force"]] {
                let o = try CLI.run(["export", "--model", model, "--output", output] + force)
                #expect(o.status == 1, "\(output) \(force)")
                let relation = output == model ? "is" : "contains"
                #expect(o.errorLines == ["error: \(output): \(relation) the input of this command (--model \(model)); choose another --output"])
            }
        }
        // Another model exported into the run: a run folder is never an export target.
        let other = try CLI.tinyRun(in: dir.appendingPathComponent("second"))
        let o = try CLI.run(["export", "--model", Self.model(other), "--output", run.path, "--force"])
        #expect(o.status == 1)
        #expect(o.errorLines.count == 1 && o.stderr.contains("\(run.path): is a Polyglot run folder"))
        #expect(CLI.snapshot(run) == before)
    }

    @Test func exportTwiceIntoTheSameFolderReplacesTheFirstExport() throws {
        let dir = try CLI.temporaryFolder("export-twice")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.tinyRun(in: dir)
        let out = dir.appendingPathComponent("hf")
        for _ in 0..<2 {
            let o = try CLI.run(["export", "--model", Self.model(run), "--output", out.path])
            #expect(o.status == 0, "\(o.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                == [".polyglot-output.json", "config.json", "model.safetensors", "tokenizer.json"])
        // A file added by hand makes it foreign again: refused, the file kept.
        try Data("readme".utf8).write(to: out.appendingPathComponent("README.md"))
        let o = try CLI.run(["export", "--model", Self.model(run), "--output", out.path])
        #expect(o.status == 1)
        #expect(o.stderr.contains("README.md") && o.stderr.contains("--force"))
        #expect(FileManager.default.contents(atPath: out.appendingPathComponent("README.md").path) == Data("readme".utf8))
    }

    @Test func linksFifosAndDevicesAreRefusedEvenWithForce() throws {
        let dir = try CLI.temporaryFolder("special")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.tinyRun(in: dir)
        let input = dir.appendingPathComponent("sentences.txt")
        try Data("one sentence\nanother\n".utf8).write(to: input)
        let target = dir.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let link = dir.appendingPathComponent("link"), fileLink = dir.appendingPathComponent("file-link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target.path)
        try FileManager.default.createSymbolicLink(atPath: fileLink.path, withDestinationPath: input.path)
        let fifo = dir.appendingPathComponent("fifo")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let device = try #require(CLI.deviceNode(in: dir), "cannot create a device node to test against")
        var deviceBefore = stat()
        #expect(lstat(device, &deviceBefore) == 0 && deviceBefore.st_mode & S_IFMT == S_IFCHR)

        let export = ["export", "--model", Self.model(run), "--output"]
        let embed = ["embed", "--model", Self.model(run), "--input", input.path, "--output"]
        let cases: [([String], String)] = [
            (export + [link.path], "\(link.path): is a symbolic link; Polyglot never writes through one, not even with --force (give the real path)"),
            (export + [device], "\(device): is a character device; Polyglot never replaces one, not even with --force"),
            (embed + [fileLink.path], "\(fileLink.path): is a symbolic link; Polyglot never writes through one, not even with --force (give the real path)"),
            (embed + [fifo.path], "\(fifo.path): is a FIFO (named pipe); Polyglot never replaces one, not even with --force"),
            (embed + [device], "\(device): is a character device; Polyglot never replaces one, not even with --force"),
        ]
        for (arguments, message) in cases {
            for force in [[], ["--force"]] {
                let o = try CLI.run(arguments + force)
                #expect(o.status == 1, "\(arguments + force)")
                #expect(o.errorLines == ["error: " + message])
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path).isEmpty)
        #expect(FileManager.default.contents(atPath: input.path) == Data("one sentence\nanother\n".utf8))
        var st = stat()
        #expect(lstat(fifo.path, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
        #expect(lstat(link.path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK)
        // The device node is the same node (as root a rename would have replaced it).
        #expect(lstat(device, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
        #expect(st.st_ino == deviceBefore.st_ino && st.st_rdev == deviceBefore.st_rdev)
    }

    @Test func embedNeverOverwritesItsInputAndAnExistingFileNeedsForce() throws {
        let dir = try CLI.temporaryFolder("embed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.tinyRun(in: dir)
        let input = dir.appendingPathComponent("x.txt")
        let text = Data("a sentence\n".utf8)
        try text.write(to: input)
        for force in [[], ["--force"]] {
            let o = try CLI.run(["embed", "--model", Self.model(run), "--input", input.path, "--output", input.path] + force)
            #expect(o.status == 1)
            #expect(o.errorLines == ["error: \(input.path): is the input of this command (--input \(input.path)); choose another --output"])
        }
        #expect(FileManager.default.contents(atPath: input.path) == text)
        // Nor a file of the model it reads.
        let weights = URL(fileURLWithPath: Self.model(run)).appendingPathComponent("weights.safetensors").path
        let w = try CLI.run(["embed", "--model", Self.model(run), "--input", input.path, "--output", weights, "--force"])
        #expect(w.status == 1 && w.stderr.contains("is the input of this command (--model"))
        // An existing file: refused without --force, replaced with it.
        let out = dir.appendingPathComponent("vectors.tsv")
        try Data("mine".utf8).write(to: out)
        let refused = try CLI.run(["embed", "--model", Self.model(run), "--input", input.path, "--output", out.path])
        #expect(refused.status == 1 && refused.errorLines.count == 1 && refused.stderr.contains("--force"))
        #expect(FileManager.default.contents(atPath: out.path) == Data("mine".utf8))
        let replaced = try CLI.run(["embed", "--model", Self.model(run), "--input", input.path, "--output", out.path, "--force"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(FileManager.default.contents(atPath: out.path).map { String(decoding: $0, as: UTF8.self).split(separator: "\t").count } == 16)
    }

    @Test func trainIntoAFolderOfOtherFilesIsRefusedAndWithForceKeepsThem() throws {
        let dir = try CLI.temporaryFolder("train")
        defer { try? FileManager.default.removeItem(at: dir) }
        let experiment = dir.appendingPathComponent("tiny.yaml")
        try Data(CLI.tinyExperiment.utf8).write(to: experiment)
        let out = dir.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: out.appendingPathComponent("notes.txt"))
        let refused = try CLI.run(["train", experiment.path, "--output", out.path] + CLI.specs)
        #expect(refused.status == 1)
        #expect(refused.errorLines == ["error: \(out.path): is a folder holding 1 entry Polyglot did not write (notes.txt); choose another --output, or add --force to write into it (nothing in it is deleted)"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["notes.txt"])
        let forced = try CLI.run(["train", experiment.path, "--output", out.path, "--force"] + CLI.specs)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(FileManager.default.contents(atPath: out.appendingPathComponent("notes.txt").path) == Data("keep".utf8))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoints/last/model/weights.safetensors").path))
        // Now a run: train into it again points to --resume, with or without --force.
        for force in [[], ["--force"]] {
            let again = try CLI.run(["train", experiment.path, "--output", out.path] + force + CLI.specs)
            #expect(again.status == 1)
            #expect(again.errorLines == ["error: \(out.path): already holds a run; use --resume \(out.path) to continue it, or choose another --output"])
        }
        // A symbolic link as the run folder: never.
        let link = dir.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: dir.appendingPathComponent("elsewhere").path)
        let linked = try CLI.run(["train", experiment.path, "--output", link.path, "--force"] + CLI.specs)
        #expect(linked.status == 1 && linked.stderr.contains("is a symbolic link"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("elsewhere").path))
    }
}
