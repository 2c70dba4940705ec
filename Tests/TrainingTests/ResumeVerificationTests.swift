import Foundation
import Platform
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

/// SIGINT and SIGTERM end a real `polyglot train` after the current step with `last` saved at that step,
/// one line on standard error and status 130 / 143; the run then resumes to the reference's bits.
@Suite struct SignalStopTests {
    /// Sends `signal` once the run has logged `step` steps; returns the step the run reports it stopped after.
    static func stop(_ p: Process, stderr: URL, run: URL, step: Int, signal: Int32) throws -> Int? {
        let reached = TrainingRunSupport.waitForStep(p, run: run, step: step)
        #expect(reached && p.isRunning, "the run ended before step \(step)")
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 128 + signal)
        let message = String(decoding: FileManager.default.contents(atPath: stderr.path) ?? Data(), as: UTF8.self)
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        // One line: where it stopped and how to continue.
        let pattern = "^stopped by \(name) after step ([0-9]+) of 200, checkpoints/last saved; continue with: polyglot train --resume \(NSRegularExpression.escapedPattern(for: run.path))\n$"
        let regex = try NSRegularExpression(pattern: pattern)
        let range = NSRange(message.startIndex..., in: message)
        guard let match = regex.firstMatch(in: message, range: range), let r = Range(match.range(at: 1), in: message), let stopped = Int(message[r]) else {
            Issue.record("unexpected message on stop: \(message)")
            return nil
        }
        // Nothing lost: `last` holds the very step the run stopped after, verified, and the log ends there.
        #expect(stopped >= step)
        let info = try CheckpointInfo.read(run.appendingPathComponent("checkpoints/last"))
        #expect(info?.step == stopped)
        #expect(TrainingRunSupport.loggedSteps(run) == stopped)
        try CheckpointStore(root: run.appendingPathComponent("checkpoints")).verify("last")
        return stopped
    }

    @Test func sigintAndSigtermStopAfterTheStepAndResumeToTheSameBits() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let reference = try TrainingRunSupport.reference()
        let run = TrainingRunSupport.temporaryRun("signals"), stderr = TrainingRunSupport.temporaryRun("signals-stderr")
        defer { for u in [run, stderr] { try? FileManager.default.removeItem(at: u) } }

        // Steps not on a checkpoint boundary (every 5): the stop itself must save them.
        let p1 = try TrainingRunSupport.launch(["train", TrainingRunSupport.referenceExperiment.path, "--output", run.path]
                                               + TrainingRunSupport.referenceSettings, stderr: stderr)
        let first = try Self.stop(p1, stderr: stderr, run: run, step: 23, signal: SIGINT)
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("results.json").path))

        let p2 = try TrainingRunSupport.launch(["train", "--resume", run.path], stderr: stderr)
        _ = TrainingRunSupport.waitForResume(p2, run: run, count: 1)
        let second = try Self.stop(p2, stderr: stderr, run: run, step: max(97, (first ?? 0) + 10), signal: SIGTERM)
        #expect(TrainingRunSupport.resumePoints(run).first?["step"] as? Int == first)

        // A second signal while the first is pending ends the process at once, with the checkpoint store intact.
        let p3 = try TrainingRunSupport.launch(["train", "--resume", run.path], stderr: stderr)
        _ = TrainingRunSupport.waitForResume(p3, run: run, count: 2)
        #expect(TrainingRunSupport.waitForStep(p3, run: run, step: max(140, (second ?? 0) + 10)))
        kill(p3.processIdentifier, SIGINT)
        kill(p3.processIdentifier, SIGTERM)
        p3.waitUntilExit()
        #expect(p3.terminationReason == .exit && [130, 143].contains(p3.terminationStatus))

        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", run.path]) == 0)
        for file in TrainingRunSupport.resumeIdentical {
            let a = TrainingRunSupport.bytes(reference, file), b = TrainingRunSupport.bytes(run, file)
            #expect(a != nil && a == b, "\(file) differs between the uninterrupted and the stopped and resumed run")
        }
    }
}

/// A checkpoint or run record changed after it was written is refused by `--resume` with one line naming
/// the file, and nothing in the run is touched.
@Suite struct TamperedResumeTests {
    static func flipByte(_ url: URL, at offset: Int) throws {
        var data = try Data(contentsOf: url)
        data[offset] ^= 0x01
        try data.write(to: url)
    }

    /// A copy of the reference run changed by `tamper`; `--resume` must fail with exactly `expected(copy)`.
    func expectRefused(_ name: String, tamper: (URL) throws -> Void, expected: (URL) -> String) throws {
        let reference = try TrainingRunSupport.reference()
        let copy = TrainingRunSupport.temporaryRun("tampered-\(name)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: reference, to: copy)
        try tamper(copy)
        let before = try FileManager.default.subpathsOfDirectory(atPath: copy.path).sorted().map { ($0, TrainingRunSupport.bytes(copy, $0)) }
        let (status, stderr) = try TrainingRunSupport.runCapturing(["train", "--resume", copy.path])
        #expect(status == 1, "\(name): exit status \(status)")
        #expect(stderr == "error: " + expected(copy) + "\n", "\(name): \(stderr)")
        // Refused before anything was written: every file as it was (no resume point, no log cut).
        let after = try FileManager.default.subpathsOfDirectory(atPath: copy.path).sorted().map { ($0, TrainingRunSupport.bytes(copy, $0)) }
        #expect(before.map(\.0) == after.map(\.0) && zip(before, after).allSatisfy { $0.1 == $1.1 }, "\(name): the run was changed")
    }

    @Test func tamperedCheckpointsAndRecordsAreRefusedNamingTheFile() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let changed = "SHA-256 differs from the checkpoint manifest: the file changed after it was written"
        try expectRefused("weights", tamper: { try Self.flipByte($0.appendingPathComponent(TrainingRunSupport.lastWeights), at: 5_000) },
                          expected: { "\($0.path)/\(TrainingRunSupport.lastWeights): \(changed)" })
        try expectRefused("moment", tamper: { try Self.flipByte($0.appendingPathComponent("checkpoints/last/optimizer.exp_avg_sq.f32"), at: 4_000) },
                          expected: { "\($0.path)/checkpoints/last/optimizer.exp_avg_sq.f32: \(changed)" })
        try expectRefused("state", tamper: { try Self.flipByte($0.appendingPathComponent("checkpoints/last/trainer_state.json"), at: 30) },
                          expected: { "\($0.path)/checkpoints/last/trainer_state.json: \(changed)" })
        try expectRefused("truncated", tamper: { url in
            let file = url.appendingPathComponent("checkpoints/last/optimizer.exp_avg.f32")
            try Data(try Data(contentsOf: file).dropLast(4)).write(to: file)
        }, expected: { "\($0.path)/checkpoints/last/optimizer.exp_avg.f32: is 92628 bytes, the checkpoint manifest says 92632: the file changed after it was written" })
        try expectRefused("removed", tamper: { try FileManager.default.removeItem(at: $0.appendingPathComponent("checkpoints/last/model/heads.json")) },
                          expected: { "\($0.path)/checkpoints/last/model/heads.json: missing: the checkpoint manifest lists it (1050 bytes)" })
        try expectRefused("added", tamper: { try Data("x".utf8).write(to: $0.appendingPathComponent("checkpoints/last/notes.txt")) },
                          expected: { "\($0.path)/checkpoints/last/notes.txt: not in the checkpoint manifest: the file was added after the checkpoint was written" })
        try expectRefused("no-manifest", tamper: { try FileManager.default.removeItem(at: $0.appendingPathComponent("checkpoints/last/manifest.json")) },
                          expected: { "\($0.path)/checkpoints/last/manifest.json: missing: the checkpoint cannot be verified (written by a Polyglot without manifests, or the file was removed)" })
        let recordedExperiment = try #require(TrainingRunSupport.bytes(try TrainingRunSupport.reference(), "experiment.yaml"))
        var edited = recordedExperiment
        edited.append(contentsOf: Array("# edited\n".utf8))
        try expectRefused("experiment", tamper: { try edited.write(to: $0.appendingPathComponent("experiment.yaml")) }, expected: {
            "\($0.path)/experiment.yaml: SHA-256 is \(SHA256.hex(edited)), environment.json recorded \(SHA256.hex(recordedExperiment)) when the run started: the file was edited, and resuming would continue a different run (start a new run instead)"
        })
        try expectRefused("tokenizer", tamper: { try Self.flipByte($0.appendingPathComponent("tokenizer.json"), at: 100) }, expected: { copy in
            let now = (try? SHA256.hex(ofFile: copy.appendingPathComponent("tokenizer.json").path)) ?? ""
            let was = (try? SHA256.hex(ofFile: (try? TrainingRunSupport.reference())?.appendingPathComponent("tokenizer.json").path ?? "")) ?? ""
            return "\(copy.path)/tokenizer.json: SHA-256 is \(now), environment.json recorded \(was) when the run started: the file was edited, and resuming would continue a different run (start a new run instead)"
        })
        try expectRefused("no-environment", tamper: { try FileManager.default.removeItem(at: $0.appendingPathComponent("environment.json")) },
                          expected: { "\($0.path)/environment.json: missing, though the run has a checkpoint: the run's record of its experiment and data is gone, so it cannot be verified" })
    }

    @Test func anUntouchedCopyResumesAndEvalRefusesATamperedModel() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let reference = try TrainingRunSupport.reference()
        let copy = TrainingRunSupport.temporaryRun("untouched")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: reference, to: copy)
        // The control: the same copy, untouched, passes every check.
        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", copy.path]) == 0)
        #expect(TrainingRunSupport.bytes(copy, TrainingRunSupport.lastWeights) == TrainingRunSupport.bytes(reference, TrainingRunSupport.lastWeights))
        // eval loads `best`: its model is checked against the checkpoint's manifest too.
        try Self.flipByte(copy.appendingPathComponent("checkpoints/best/model/weights.safetensors"), at: 7_000)
        let (status, stderr) = try TrainingRunSupport.runCapturing(["eval", copy.path, "--tasks", "cldr-dates-month", "--resamples", "10"])
        #expect(status == 1)
        #expect(stderr == "error: \(copy.path)/checkpoints/best/model/weights.safetensors: SHA-256 differs from the checkpoint manifest: the file changed after it was written\n")
        #expect(!FileManager.default.fileExists(atPath: copy.appendingPathComponent("summary.json").path))
    }
}

/// Data files are checked against the SHA-256 the run recorded: a changed one is refused naming it with
/// both checksums, `--allow-changed-data` continues and records it. `eval` marks the run unfinished
/// before, finished after.
@Suite struct ChangedDataResumeTests {
    @Test func changedDataIsRefusedThenAllowedAndRecordedAndEvalMarksTheUnfinishedRun() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let fm = FileManager.default
        let base = TrainingRunSupport.temporaryRun("changed-data")
        defer { try? fm.removeItem(at: base) }
        let dataRoot = base.appendingPathComponent("data"), tasks = base.appendingPathComponent("tasks"), run = base.appendingPathComponent("run")
        try fm.createDirectory(at: dataRoot.appendingPathComponent("topics"), withIntermediateDirectories: true)
        try fm.createDirectory(at: tasks, withIntermediateDirectories: true)
        // A small topic task: four labels, sentences made from a few words per label.
        let words = ["sport": ["match", "team", "goal", "player"], "food": ["bread", "soup", "cook", "apple"],
                     "music": ["song", "guitar", "band", "sing"], "travel": ["train", "hotel", "trip", "map"]]
        func tsv(_ n: Int, offset: Int) -> String {
            var lines = ["id\tlabel\ttext"]
            for i in 0..<n {
                let label = words.keys.sorted()[(i + offset) % 4], w = words[label]!
                lines.append("\(i)\t\(label)\tthe \(w[i % 4]) and the \(w[(i / 4) % 4]) were there on day \(i % 7)")
            }
            return lines.joined(separator: "\n") + "\n"
        }
        let train = dataRoot.appendingPathComponent("topics/train.tsv"), dev = dataRoot.appendingPathComponent("topics/dev.tsv")
        try Data(tsv(160, offset: 0).utf8).write(to: train)
        try Data(tsv(40, offset: 1).utf8).write(to: dev)
        try Data("""
        name: topics
        description: "Topic of a sentence (a small test task)."
        type: classification
        format: tsv
        columns: {id: id, text: text, label: label}
        labels:
          - {name: food, description: "food and cooking"}
          - {name: music, description: "music and songs"}
          - {name: sport, description: "sport and games"}
          - {name: travel, description: "travel and trips"}
        metrics: [accuracy]
        major_metric: accuracy
        data:
          en: {train: topics/train.tsv, dev: topics/dev.tsv}
        """.utf8).write(to: tasks.appendingPathComponent("topics.yaml"))
        let experiment = base.appendingPathComponent("topics-exp.yaml")
        try Data("""
        name: topics
        seed: 5
        data_root: \(dataRoot.path)
        model: {layers: 1, hidden: 32, heads: 2, intermediate: 64, max_positions: 32, dropout: 0.1}
        tokenizer: {vocab_size: 300, max_sentences: 400}
        data: {max_length: 24}
        tasks:
          - {name: topics, train_languages: [en]}
        optimization: {batch_size: 8, max_steps: 200, warmup_steps: 3, lr: 0.003}
        evaluation: {every: 50}
        checkpoint: {every: 5}

        """.utf8).write(to: experiment)

        // Stopped at a step before the first evaluation: only `last` exists.
        let stderr = base.appendingPathComponent("stderr.txt")
        let p = try TrainingRunSupport.launch(["train", experiment.path, "--output", run.path], tasksDir: tasks, stderr: stderr)
        #expect(TrainingRunSupport.waitForStep(p, run: run, step: 12))
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 143)
        let stopped = try #require(try CheckpointInfo.read(run.appendingPathComponent("checkpoints/last"))).step
        #expect(stopped >= 12 && stopped < 200)

        // eval of the unfinished run says so: printed, summary.json, report.md.
        let out = base.appendingPathComponent("eval-out.txt")
        let e = Process()
        e.executableURL = TrainingRunSupport.binary
        e.arguments = ["eval", run.path, "--resamples", "10", "--tasks-dir", tasks.path, "--languages-dir", TrainingRunSupport.root.appendingPathComponent("languages").path]
        fm.createFile(atPath: out.path, contents: nil)
        e.standardOutput = try FileHandle(forWritingTo: out)
        e.standardError = FileHandle.nullDevice
        try e.run()
        e.waitUntilExit()
        #expect(e.terminationStatus == 0)
        let printed = String(decoding: fm.contents(atPath: out.path) ?? Data(), as: UTF8.self)
        #expect(printed.hasPrefix("evaluated: checkpoint last (step \(stopped)); training NOT finished: \(stopped) of 200 steps (the run was stopped, or is still training): these scores are not those of a finished run\n"), "\(printed)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("summary.json"))) as? [String: Any]
        let training = summary?["training"] as? [String: Any]
        #expect(training?["finished"] as? Bool == false && training?["step"] as? Int == stopped && training?["max_steps"] as? Int == 200
                && training?["steps_trained"] as? Int == stopped && training?["stopped_early"] as? Bool == false)
        let report = String(decoding: fm.contents(atPath: run.appendingPathComponent("report.md").path) ?? Data(), as: UTF8.self)
        #expect(report.contains("**Unfinished run:** checkpoint last (step \(stopped)); training NOT finished: \(stopped) of 200 steps"))

        // The training data changes: refused, naming the file with both checksums; nothing is written.
        let recorded = try SHA256.hex(ofFile: train.path)
        try Data(tsv(160, offset: 2).utf8).write(to: train)
        let current = try SHA256.hex(ofFile: train.path)
        let envBefore = TrainingRunSupport.bytes(run, "environment.json")
        let refused = try TrainingRunSupport.runCapturing(["train", "--resume", run.path], tasksDir: tasks)
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: \(train.path): SHA-256 is \(current), environment.json recorded \(recorded) when the run started: the data file changed; resuming would train on other data than the run started with (give --allow-changed-data to continue anyway; it is recorded in environment.json)\n", "\(refused.stderr)")
        #expect(TrainingRunSupport.bytes(run, "environment.json") == envBefore)
        // The flag is for --resume only.
        let misplaced = try TrainingRunSupport.runCapturing(["train", experiment.path, "--allow-changed-data"], tasksDir: tasks)
        #expect(misplaced.status != 0 && misplaced.stderr.contains("--allow-changed-data is for --resume DIR only"))

        // With --allow-changed-data the run continues to the end, and the resume point records the flag and the file.
        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", run.path, "--allow-changed-data"], tasksDir: tasks) == 0)
        #expect(try TrainingRunSupport.results(run).steps == 200)
        let points = TrainingRunSupport.resumePoints(run)
        #expect(points.count == 1 && points[0]["step"] as? Int == stopped && points[0]["allow_changed_data"] as? Bool == true)
        let changes = points.first?["changed_data_files"] as? [[String: Any]]
        #expect(changes?.count == 1 && changes?[0]["path"] as? String == train.path
                && changes?[0]["recorded_sha256"] as? String == recorded && changes?[0]["current_sha256"] as? String == current)
        // The record now follows the data the run read, so a later resume checks against the new file.
        let env = try JSONDecoder().decode(RunEnvironment.self, from: Data(contentsOf: run.appendingPathComponent("environment.json")))
        #expect(env.dataFiles.first { $0.path == train.path }?.sha256 == current)

        // A missing data file is refused too.
        try fm.removeItem(at: dev)
        let missing = try TrainingRunSupport.runCapturing(["train", "--resume", run.path], tasksDir: tasks)
        #expect(missing.status == 1 && missing.stderr.hasPrefix("error: \(dev.path): missing (environment.json recorded it, SHA-256 "), "\(missing.stderr)")
    }
}

/// A disk that fills up while checkpoints are written ends `train` with one line (no crash), keeps the
/// previous `last` intact and verifiable, and after more space is given the run resumes to the reference's
/// bits. Mounts a small tmpfs: needs root and a system that permits mounting (skipped, saying why, otherwise).
@Suite struct DiskFullResumeTests {
    static func command(_ tool: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Takes all but `leave` bytes of the file system's free space. The training process writes
    /// meanwhile, so a free size read first may be gone when it is taken: the filler grows in pieces
    /// until nothing is left, then gives `leave` bytes back.
    static func fill(_ dir: URL, leaving leave: Int) throws {
        let fd = open(dir.appendingPathComponent("filler").path, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else { throw FileError(path: dir.path, "cannot create the filler") }
        defer { close(fd) }
        var size: off_t = 0
        for piece: off_t in [256 * 1024, 4096] {
            while posix_fallocate(fd, size, piece) == 0 { size += piece }
        }
        guard size > off_t(leave), ftruncate(fd, size - off_t(leave)) == 0 else {
            throw FileError(path: dir.path, "cannot allocate the filler")
        }
    }

    @Test func diskFullWhileCheckpointingEndsWithOneLineAndResumesBitwise() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        guard getuid() == 0 else { try Test.cancel("skipped: mounting a tmpfs to fill needs root") }
        let mountPoint = TrainingRunSupport.temporaryRun("tmpfs")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mounted = Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint.path])
        guard mounted.status == 0 else {
            try? FileManager.default.removeItem(at: mountPoint)
            try Test.cancel("skipped: mount -t tmpfs is not permitted here (\(mounted.output))")
        }
        defer {
            _ = Self.command("/bin/umount", [mountPoint.path])
            try? FileManager.default.removeItem(at: mountPoint)
        }
        let reference = try TrainingRunSupport.reference()
        let run = mountPoint.appendingPathComponent("run"), stderr = TrainingRunSupport.temporaryRun("disk-full-stderr")
        defer { try? FileManager.default.removeItem(at: stderr) }

        let p = try TrainingRunSupport.launch(["train", TrainingRunSupport.referenceExperiment.path, "--output", run.path]
                                              + TrainingRunSupport.referenceSettings, stderr: stderr)
        #expect(TrainingRunSupport.waitForStep(p, run: run, step: 12))
        // Room for the log's next lines, not for another checkpoint (about 400 KB).
        try Self.fill(mountPoint, leaving: 64 * 1024)
        p.waitUntilExit()
        let message = String(decoding: FileManager.default.contents(atPath: stderr.path) ?? Data(), as: UTF8.self)
        #expect(p.terminationReason == .exit && p.terminationStatus == 1)
        #expect(message.hasPrefix("error: \(run.path)/checkpoints/") && message.contains("No space left on device")
                && message.filter { $0 == "\n" }.count == 1 && !message.contains("Fatal error"), "\(message)")
        // The previous `last` is complete and verifies; no half-written folder is left.
        let store = CheckpointStore(root: run.appendingPathComponent("checkpoints"))
        try store.verify("last")
        let saved = try #require(try CheckpointInfo.read(store.url("last"))).step
        #expect(saved >= 10 && saved < 200)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path).filter { $0.contains(".tmp-") }.isEmpty)

        let grown = Self.command("/bin/mount", ["-o", "remount,size=64m", mountPoint.path])
        #expect(grown.status == 0, "\(grown.output)")
        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", run.path]) == 0)
        for file in TrainingRunSupport.resumeIdentical {
            let a = TrainingRunSupport.bytes(reference, file), b = TrainingRunSupport.bytes(run, file)
            #expect(a != nil && a == b, "\(file) differs between the uninterrupted run and the one resumed after the disk filled")
        }
    }
}
