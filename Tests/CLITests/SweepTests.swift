import Foundation
import Testing

/// `polyglot sweep` end to end: the aggregate against means and standard deviations computed here from the run
/// folders, and a sweep killed mid-way that finishes on the next run without redoing finished runs.
@Suite struct SweepTests {
    static func experiment(steps: Int, every: Int) -> String {
        CLI.tinyExperiment(steps: steps, every: every, evalLanguages: ["de", "fr"])
    }

    static func write(_ files: [String: String], in folder: URL) throws {
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
    }

    static func sweep(_ file: URL, output: URL, jobs: Int = 1) throws -> CLI.Outcome {
        try CLI.run(["sweep", file.path, "--output", output.path, "--jobs", String(jobs)] + CLI.specs, environment: ["POLYGLOT_THREADS": "2"])
    }

    static func json(_ url: URL) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: url.path), "\(url.path) is missing")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Mean and sample standard deviation, computed the textbook way.
    static func meanSD(_ v: [Double]) -> (Double, Double) {
        let m = v.reduce(0, +) / Double(v.count)
        return (m, sqrt(v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)))
    }

    /// experiments/smoke.yaml, shortened to a few seconds a run.
    static let smokeSweep = """
        experiment: \(CLI.root.appendingPathComponent("experiments/smoke.yaml").path)
        name: smoke-lr
        seeds: [17, 18, 19]
        set: {optimization.max_steps: 20, optimization.warmup_steps: 2, evaluation.every: 20, checkpoint.every: 20, tokenizer.max_sentences: 1000, data.max_train_examples: 100, data.max_eval_examples: 40}
        axes:
          optimization.lr: [0.001, 0.004]

        """

    @Test func aggregateEqualsMeansOverTheRunFolders() throws {
        let dir = try CLI.temporaryFolder("sweep")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write(["lr.yaml": Self.smokeSweep], in: dir)
        let out = dir.appendingPathComponent("out")
        // Two runs at a time, one thread each.
        let o = try Self.sweep(dir.appendingPathComponent("lr.yaml"), output: out, jobs: 2)
        try #require(o.status == 0, "\(o.stderr)")
        #expect(o.stdout.contains("this time 6 runs started, 0 resumed"), "\(o.stdout)")

        let aggregate = try Self.json(out.appendingPathComponent("aggregate.json"))
        let points = try #require(aggregate["points"] as? [[String: Any]])
        #expect(points.map { $0["id"] as? String } == ["p01", "p02"])
        var checked = 0
        for (p, lr) in zip(points, ["0.001", "0.004"]) {
            let id = try #require(p["id"] as? String)
            let values = try #require(p["values"] as? [[String: Any]])
            #expect(values.first?["value"] as? String == lr)
            // Independently: each seed's summary.json, every task's major metric per language.
            var perLanguage: [String: [Double]] = [:]
            var zeroShot: [Double] = []
            for seed in [17, 18, 19] {
                let run = out.appendingPathComponent("points/\(id)/seed-\(seed)")
                let experiment = try String(contentsOf: run.appendingPathComponent("experiment.yaml"), encoding: .utf8)
                #expect(experiment.contains("seed: \(seed)\n") && experiment.contains("lr: \(lr)\n"))
                let summary = try Self.json(run.appendingPathComponent("summary.json"))
                for task in try #require(summary["tasks"] as? [[String: Any]]) {
                    let name = try #require(task["task"] as? String), major = try #require(task["major_metric"] as? String)
                    for l in try #require(task["languages"] as? [[String: Any]]) {
                        let metrics = try #require(l["metrics"] as? [String: [String: Any]])
                        perLanguage["\(name) \(try #require(l["language"] as? String))", default: []].append(try #require(metrics[major]?["estimate"] as? Double))
                    }
                }
                zeroShot.append(try #require(summary["overall_zero_shot"] as? Double))
                #expect(try Self.json(run.appendingPathComponent("environment.json"))["threads"] as? Int == 1)
            }
            #expect(perLanguage.count == 12, "4 tasks × en, de, fr: \(perLanguage.keys.sorted())")
            for task in try #require(p["tasks"] as? [[String: Any]]) {
                let name = try #require(task["task"] as? String)
                for l in try #require(task["languages"] as? [[String: Any]]) {
                    let key = "\(name) \(try #require(l["language"] as? String))"
                    let score = try #require(l["score"] as? [String: Any])
                    let (m, sd) = Self.meanSD(try #require(perLanguage[key]))
                    #expect(abs(try #require(score["mean"] as? Double) - m) < 1e-12, "\(id) \(key)")
                    #expect(abs(try #require(score["sd"] as? Double) - sd) < 1e-12, "\(id) \(key)")
                    checked += 1
                }
            }
            let overall = try #require(p["overall_zero_shot"] as? [String: Any])
            let (m, sd) = Self.meanSD(zeroShot)
            #expect(abs(try #require(overall["mean"] as? Double) - m) < 1e-12)
            #expect(abs(try #require(overall["sd"] as? Double) - sd) < 1e-12)
        }
        #expect(checked == 24)
        // Each run's done marker lists the commands run for it, with their wall time.
        let done = try Self.json(out.appendingPathComponent("points/p01/seed-17.done.json"))
        let commands = try #require(done["commands"] as? [[String: Any]])
        #expect(commands.map { ($0["command"] as? String)?.split(separator: " ").prefix(2).joined(separator: " ") } == ["polyglot train", "polyglot eval"])
        #expect(commands.allSatisfy { ($0["seconds"] as? Double).map { $0 >= 0 } ?? false })
        let comparisons = try #require(aggregate["comparisons"] as? [[String: Any]])
        #expect(comparisons.count == 12 && comparisons.allSatisfy { $0["point"] as? String == "p02" })
        for name in ["sweep.md", "sweep.csv", "figures/optimization.lr.svg"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }

        // Again: nothing runs, and `polyglot report` rebuilds the same aggregate.
        let again = try Self.sweep(dir.appendingPathComponent("lr.yaml"), output: out)
        #expect(again.status == 0 && again.stdout.contains("this time 0 runs started, 0 resumed"), "\(again.stdout) \(again.stderr)")
        let before = try Data(contentsOf: out.appendingPathComponent("aggregate.json"))
        try FileManager.default.removeItem(at: out.appendingPathComponent("aggregate.json"))
        let report = try CLI.run(["report", out.path])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("aggregate.json")) == before)

        // Another plan in the same folder is refused, naming what differs.
        try Self.write(["lr.yaml": Self.smokeSweep.replacingOccurrences(of: "[0.001, 0.004]", with: "[0.001, 0.01]")], in: dir)
        let other = try Self.sweep(dir.appendingPathComponent("lr.yaml"), output: out)
        #expect(other.status == 1 && other.errorLines.count == 1 && other.stderr.contains("another plan (points)"), "\(other.stderr)")
    }

    /// Pids of processes whose command line mentions `text`.
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(text)
        }
    }

    @Test func aKilledSweepFinishesWithoutRedoingFinishedRuns() throws {
        let dir = try CLI.temporaryFolder("sweep-kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write(["tiny.yaml": Self.experiment(steps: 1500, every: 100),
                        "seeds.yaml": "experiment: tiny.yaml\nseeds: [1, 2]\n"], in: dir)
        let file = dir.appendingPathComponent("seeds.yaml")
        let whole = dir.appendingPathComponent("whole"), killed = dir.appendingPathComponent("killed")
        let o = try Self.sweep(file, output: whole)
        try #require(o.status == 0, "\(o.stderr)")

        // Kill -9 the sweep once the first run is done and the second has a checkpoint.
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["sweep", file.path, "--output", killed.path] + CLI.specs
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let firstDone = killed.appendingPathComponent("points/p01/seed-1.done.json")
        let secondCheckpoint = killed.appendingPathComponent("points/p01/seed-2/checkpoints/last")
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline && !(FileManager.default.fileExists(atPath: firstDone.path) && FileManager.default.fileExists(atPath: secondCheckpoint.path)) {
            usleep(10_000)
        }
        try #require(p.isRunning, "the sweep finished before it could be killed; give its runs more steps")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // Its running run was told to stop when the sweep died: it saves a checkpoint and ends.
        let secondRun = killed.appendingPathComponent("points/p01/seed-2").path
        let stopBy = Date().addingTimeInterval(30)
        while !Self.processes(mentioning: secondRun).isEmpty && Date() < stopBy { usleep(20_000) }
        #expect(Self.processes(mentioning: secondRun).isEmpty, "the run kept going after its sweep was killed")
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("points/p01/seed-2.done.json").path))
        let firstLog = try Data(contentsOf: killed.appendingPathComponent("points/p01/seed-1/train.jsonl"))
        let firstMarker = try Data(contentsOf: firstDone)

        let again = try Self.sweep(file, output: killed)
        try #require(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("this time 0 runs started, 1 resumed"), "\(again.stdout)")
        #expect(try Data(contentsOf: killed.appendingPathComponent("points/p01/seed-1/train.jsonl")) == firstLog)
        #expect(try Data(contentsOf: firstDone) == firstMarker)
        let log = try String(contentsOf: killed.appendingPathComponent("logs/p01-seed-2.log"), encoding: .utf8)
        #expect(log.contains("train --resume"), "\(log)")
        // The resumed run trained exactly as the uninterrupted one: the same weights, hence the same aggregate.
        for name in ["results.json", "predictions/cldr-dates-month/de.jsonl"] {
            #expect(try Data(contentsOf: whole.appendingPathComponent("points/p01/seed-2/\(name)")) ==
                    Data(contentsOf: killed.appendingPathComponent("points/p01/seed-2/\(name)")), "\(name)")
        }
        #expect(try Data(contentsOf: whole.appendingPathComponent("aggregate.json")) == Data(contentsOf: killed.appendingPathComponent("aggregate.json")))
    }

    @Test func sigtermStopsTheSweepAndItsRunSaves() throws {
        let dir = try CLI.temporaryFolder("sweep-term")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write(["tiny.yaml": Self.experiment(steps: 1500, every: 100), "one.yaml": "experiment: tiny.yaml\nseeds: [5]\n"], in: dir)
        let out = dir.appendingPathComponent("out")
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["sweep", dir.appendingPathComponent("one.yaml").path, "--output", out.path] + CLI.specs
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        let checkpoint = out.appendingPathComponent("points/p01/seed-5/checkpoints/last")
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline && !FileManager.default.fileExists(atPath: checkpoint.path) { usleep(10_000) }
        try #require(p.isRunning, "the sweep finished before it could be stopped")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 143, "\(message)")
        #expect(message.contains("sweep stopped by SIGTERM") && message.contains("Run the same command again"), "\(message)")
        let log = try String(contentsOf: out.appendingPathComponent("logs/p01-seed-5.log"), encoding: .utf8)
        #expect(log.contains("stopped"), "the run did not stop cleanly: \(log)")
        let again = try Self.sweep(dir.appendingPathComponent("one.yaml"), output: out)
        #expect(again.status == 0 && again.stdout.contains("this time 0 runs started, 1 resumed"), "\(again.stdout) \(again.stderr)")
    }

    /// Listed points over a run with stages: backward and forward transfer over seeds, as computed here from each
    /// run's forgetting.json.
    @Test func stagedRunsGiveTransferOverSeeds() throws {
        let dir = try CLI.temporaryFolder("sweep-stages")
        defer { try? FileManager.default.removeItem(at: dir) }
        let experiment = CLI.root.appendingPathComponent("experiments/forgetting-cldr.yaml").path
        try Self.write(["ablation.yaml": """
            experiment: \(experiment)
            seeds: [1, 2]
            set: {optimization.max_steps: 40, optimization.warmup_steps: 4, evaluation.every: 40, checkpoint.every: 40, data.max_train_examples: 100, data.max_eval_examples: 30}
            points:
              - {}
              - {stages.1.strategy.replay: 0.3}
            evaluate:
              - [--checkpoint, last]

            """], in: dir)
        let out = dir.appendingPathComponent("out")
        let o = try Self.sweep(dir.appendingPathComponent("ablation.yaml"), output: out, jobs: 2)
        try #require(o.status == 0, "\(o.stderr)")
        let points = try #require(try Self.json(out.appendingPathComponent("aggregate.json"))["points"] as? [[String: Any]])
        #expect(points.count == 2)
        for p in points {
            let id = try #require(p["id"] as? String)
            var bwt: [Double] = [], fwt: [Double] = []
            for seed in [1, 2] {
                let matrix = try Self.json(out.appendingPathComponent("points/\(id)/seed-\(seed)/forgetting.json"))
                bwt.append(try #require(matrix["backward_transfer"] as? Double))
                fwt.append(try #require(matrix["forward_transfer"] as? Double))
            }
            for (key, values) in [("backward_transfer", bwt), ("forward_transfer", fwt)] {
                let spread = try #require(p[key] as? [String: Any], "\(id) \(key)")
                let (m, sd) = Self.meanSD(values)
                #expect(abs(try #require(spread["mean"] as? Double) - m) < 1e-12, "\(id) \(key)")
                #expect(abs(try #require(spread["sd"] as? Double) - sd) < 1e-12, "\(id) \(key)")
            }
        }
        let markdown = try String(contentsOf: out.appendingPathComponent("sweep.md"), encoding: .utf8)
        #expect(markdown.contains(" BWT |") && markdown.contains("p02 replay=0.3"), "\(markdown)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("figures/points.svg").path))
    }

    @Test func badSweepFilesAreOneLineNamingTheKey() throws {
        let dir = try CLI.temporaryFolder("sweep-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write(["tiny.yaml": Self.experiment(steps: 4, every: 4)], in: dir)
        let cases: [(String, String)] = [
            ("experiment: tiny.yaml\nseeds: [1]\nsteps: 3\n", "bad.yaml:3: steps: unknown key"),
            ("experiment: tiny.yaml\nseeds: [1, 1]\n", "seeds: a seed is listed twice"),
            ("experiment: tiny.yaml\nseeds: [x]\n", "seeds: expected a non-negative integer"),
            ("experiment: tiny.yaml\nseeds: [1]\naxes:\n  optimization.lr: {log_uniform: [1e-4, 1e-2]}\n", "needs sampling: {random: N}"),
            ("experiment: tiny.yaml\nseeds: [1]\naxes:\n  optimization.lr: [0.1]\nbaseline: {model.layers: 2}\n", "baseline.model.layers: not an axis"),
            ("experiment: tiny.yaml\nseeds: [1]\naxes:\n  optimization.lrr: [0.1]\n", "point p01 (lrr=0.1), seed 1:"),
            ("experiment: missing.yaml\nseeds: [1]\n", "missing.yaml is not a file"),
            ("experiment: tiny.yaml\nseeds: [1]\npoints: [{}, {optimization.lr: 0.1}]\naxes: {model.layers: [1]}\n", "give points, or axes (with sampling), not both"),
        ]
        for (text, expected) in cases {
            try Self.write(["bad.yaml": text], in: dir)
            let o = try Self.sweep(dir.appendingPathComponent("bad.yaml"), output: dir.appendingPathComponent("out"))
            #expect(o.status == 1, "\(text)")
            #expect(o.errorLines.count == 1 && o.stderr.contains(expected), "\(text) → \(o.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), "\(text)")
        }
    }
}
