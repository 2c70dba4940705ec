import ArgumentParser
import Evaluation
import Foundation
import Platform
import Runs

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment over seeds and swept settings, then aggregate: mean ± sd per point, paired tests against a baseline.",
        discussion: """
        The sweep file (YAML) names the experiment, the seeds, and axes: any --set key with a list of values, as a \
        grid, or sampled at random (sampling: {random: N, seed: S}; ranges {uniform|log_uniform|int_uniform: [lo, hi]}). \
        Each point runs once per seed as a normal run folder, points/<point>/seed-<seed>/ (`polyglot train`, then \
        `polyglot eval` with each entry of evaluate), its output in logs/. See experiments/README.md.

        Resumable as a whole: run the same command again and finished runs are skipped, a run that was stopped or \
        killed resumes from its last checkpoint (`train --resume`), and runs not started start. When the sweep is \
        stopped (Ctrl-C, or SIGTERM, which it passes on) or killed, its running runs save a checkpoint and stop.

        Then it writes, into the sweep folder: aggregate.json, sweep.md (every task × language score as mean ± sd \
        over seeds, the zero-shot means, a paired bootstrap of each point against the baseline), sweep.csv and \
        figures/<axis>.svg (score against the swept value, a band of ± one sd). `polyglot report SWEEP_DIR` \
        rebuilds them.

        --jobs N runs N runs at a time, each with POLYGLOT_THREADS / N threads (default: every core / N).
        """
    )

    @Argument(help: "The sweep file.") var sweepFile: String
    @Option(help: "Sweep folder (default: results/<name>-sweep); an existing sweep folder of the same plan continues.") var output: String?
    @Option(help: "Runs at a time.") var jobs = 1
    @OptionGroup var specs: SpecLocationOptions

    func validate() throws {
        try OptionRange.positive(jobs, "--jobs")
    }

    func run() throws {
        StopSignal.install()
        do {
            let spec = try SweepSpec.load(file: sweepFile)
            guard PathEntry(path: spec.experiment) == .file else {
                throw FileError(path: sweepFile, "experiment: \(spec.experiment) is not a file")
            }
            let plan = try SweepPlan(spec: spec, experimentSHA256: try SHA256.hex(ofFile: spec.experiment))
            // Every run's experiment is read and checked before anything runs.
            for point in plan.points {
                for seed in plan.seeds {
                    let overrides = plan.overrides(point, seed: seed)
                    do {
                        try ExperimentLoader.load(file: spec.experiment, overrides: overrides).validate(file: spec.experiment)
                    } catch {
                        throw FileError(path: sweepFile, "point \(point.id) (\(point.label)), seed \(seed): \(error)")
                    }
                }
            }
            let folder = try SweepFolder.prepare(at: output ?? SweepFolder.defaultPath(name: plan.name), plan: plan)
            let lock = try SweepLock(folder.lockFile)
            defer { lock.release() }
            let runner = SweepRunner(folder: folder, plan: plan, jobs: jobs, specs: specs)
            try runner.run()
            let aggregate = try SweepAggregate.build(folder, plan: plan)
            try aggregate.write(to: folder)
            try say("sweep: \(folder.url.path) (\(plan.points.count) point\(plan.points.count == 1 ? "" : "s") × \(plan.seeds.count) seed\(plan.seeds.count == 1 ? "" : "s"); this time \(runner.started) run\(runner.started == 1 ? "" : "s") started, \(runner.resumed) resumed)")
            for p in aggregate.points {
                try say("\(p.id) \(p.label): zero-shot \(p.overallZeroShot?.text(scale: 100) ?? "—") over seeds \(p.seeds.map(String.init).joined(separator: ", "))")
            }
            try say("report: \(folder.markdownFile.path)")
        } catch let stopped as SweepRunner.Stopped {
            StandardStreams.error.record("\(stopped)\n")
            Foundation.exit(stopped.status)
        } catch {
            fail(error)
        }
    }
}

/// An exclusive lock on the sweep folder (flock, released when the process ends however it ends), so two
/// sweeps never run the same runs.
struct SweepLock {
    let descriptor: Int32

    init(_ url: URL) throws {
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw FileError(path: url.path, "cannot open the sweep's lock file: \(String(cString: strerror(errno)))") }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor)
            throw FileError(path: url.deletingLastPathComponent().path, "another polyglot sweep is running in this folder")
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Runs the sweep's runs that are not done, `jobs` at a time, each as a sequence of `polyglot` commands in
/// their own processes (train or resume, then every evaluation), their output appended to the run's log.
final class SweepRunner {
    struct Stopped: Error, CustomStringConvertible {
        let signal: Int32
        let folder: String
        var status: Int32 { 128 + signal }
        var description: String {
            "sweep stopped by \(StopSignal.name(signal)); running runs saved a checkpoint. Run the same command again to continue (\(folder))"
        }
    }

    struct Failure: PolyglotError {
        let description: String
    }

    /// One run of the sweep: the commands still to run for it.
    struct Job {
        let point: SweepPoint
        let seed: UInt64
        var commands: [[String]]
        /// The commands this invocation ran for the run, with their wall time.
        var ran: [Ran] = []
    }

    struct Ran: Encodable {
        let command: String
        let seconds: Double
    }

    let folder: SweepFolder
    let plan: SweepPlan
    let jobs: Int
    let specs: SpecLocationOptions
    /// Runs this invocation started from the beginning, and resumed from a checkpoint.
    private(set) var started = 0
    private(set) var resumed = 0

    init(folder: SweepFolder, plan: SweepPlan, jobs: Int, specs: SpecLocationOptions) {
        self.folder = folder; self.plan = plan; self.jobs = jobs; self.specs = specs
    }

    var locationArguments: [String] {
        var a = ["--tasks-dir", specs.tasksDir, "--languages-dir", specs.languagesDir]
        if let root = specs.dataRoot { a += ["--data-root", root] }
        if specs.allowOutsideDataRoot { a.append("--allow-outside-data-root") }
        return a
    }

    /// What is left to do for one run, from what its folder holds.
    func job(_ point: SweepPoint, seed: UInt64) throws -> Job? {
        if folder.isDone(point, seed: seed) { return nil }
        let run = folder.run(point, seed: seed)
        var commands: [[String]] = []
        switch PathEntry(path: run.path) {
        case .missing:
            commands.append(["train", plan.experiment] + plan.overrides(point, seed: seed).flatMap { ["--set", $0] } + ["--output", run.path] + locationArguments)
        case .folder where OutputPolicy.isRunFolder(run) || PathEntry(path: RunFolder(url: run).experimentFile.path) == .file:
            let status = try TrainingStatus.of(RunFolder(url: run), checkpoint: nil)
            if !status.finished { commands.append(["train", "--resume", run.path] + locationArguments) }
        case .folder where ((try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? ["?"]).isEmpty:
            commands.append(["train", plan.experiment] + plan.overrides(point, seed: seed).flatMap { ["--set", $0] } + ["--output", run.path] + locationArguments)
        case let entry:
            throw FileError(path: run.path, "\(entry == .folder ? "a folder that is not a run" : entry.noun) is where this sweep keeps point \(point.id), seed \(seed); move it away")
        }
        for arguments in plan.evaluate { commands.append(["eval", run.path] + arguments + locationArguments) }
        return Job(point: point, seed: seed, commands: commands)
    }

    func run() throws {
        var queue: [Job] = []
        for point in plan.points { for seed in plan.seeds { if let j = try job(point, seed: seed) { queue.append(j) } } }
        try FileManager.default.createDirectory(at: folder.logs, withIntermediateDirectories: true)
        let threads = max(1, (ProcessInfo.processInfo.environment["POLYGLOT_THREADS"].flatMap { Int($0) } ?? Threads.coreCount) / jobs)
        var running: [(job: Job, process: Process, log: FileHandle, started: Date)] = []
        var failures: [String] = []
        queue.reverse()

        func launch(_ job: Job) throws -> (Job, Process, FileHandle, Date) {
            var job = job
            let arguments = job.commands.removeFirst()
            let logURL = folder.log(job.point, seed: job.seed)
            if PathEntry(path: logURL.path) == .missing { _ = FileManager.default.createFile(atPath: logURL.path, contents: nil) }
            guard PathEntry(path: logURL.path) == .file, let log = FileHandle(forWritingAtPath: logURL.path) else {
                throw FileError(path: logURL.path, "cannot write the run's log")
            }
            log.seekToEndOfFile()
            log.write(Data("$ polyglot \(arguments.joined(separator: " "))\n".utf8))
            let p = Process()
            p.executableURL = Self.executable
            p.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment["POLYGLOT_THREADS"] = String(threads)
            environment[StopSignal.parentVariable] = String(getpid())
            p.environment = environment
            p.standardOutput = log
            p.standardError = log
            p.standardInput = FileHandle.nullDevice
            do { try p.run() } catch {
                throw FileError(path: Self.executable.path, "cannot start polyglot \(arguments.first ?? ""): \(error.localizedDescription)")
            }
            if arguments.first == "train" {
                if arguments.contains("--resume") { resumed += 1 } else { started += 1 }
            }
            return (job, p, log, Date())
        }

        while true {
            if let signal = StopSignal.pending {
                // Ctrl-C reaches the whole foreground process group, so the runs have their own SIGINT (another
                // signal would end them at once, unsaved); a SIGTERM was sent to the sweep alone and is passed on.
                if signal != SIGINT { for r in running where r.process.isRunning { r.process.terminate() } }
                for r in running { r.process.waitUntilExit(); try? r.log.close() }
                throw Stopped(signal: signal, folder: folder.url.path)
            }
            while running.count < jobs, failures.isEmpty, let next = queue.popLast() {
                if next.commands.isEmpty { try markDone(next); continue }
                running.append(try launch(next))
            }
            if running.isEmpty { break }
            var index = 0
            while index < running.count {
                let r = running[index]
                if r.process.isRunning { index += 1; continue }
                running.remove(at: index)
                try? r.log.close()
                let status = r.process.terminationStatus
                var job = r.job
                job.ran.append(Ran(command: "polyglot " + (r.process.arguments ?? []).joined(separator: " "),
                                   seconds: (Date().timeIntervalSince(r.started) * 10).rounded() / 10))
                if status != 0 {
                    if StopSignal.pending != nil { continue }
                    let log = folder.log(r.job.point, seed: r.job.seed)
                    failures.append("point \(r.job.point.id) (\(r.job.point.label)), seed \(r.job.seed): polyglot \(r.process.arguments?.first ?? "") exited with status \(status)\(Self.lastLine(of: log).map { ": \($0)" } ?? ""); log: \(log.path)")
                } else if job.commands.isEmpty {
                    try markDone(job)
                } else if failures.isEmpty {
                    running.insert(try launch(job), at: index)
                    index += 1
                }
            }
            usleep(50_000)
        }
        if !failures.isEmpty {
            throw Failure(description: failures.joined(separator: "\n") + "\nfix the cause and run the same command again: finished runs are kept")
        }
    }

    func markDone(_ job: Job) throws {
        struct Done: Encodable {
            let point: String; let seed: UInt64; let evaluate: [[String]]; let time: String
            /// What the last invocation ran for this run (a resumed run lists only what it ran then).
            let commands: [Ran]
        }
        let done = Done(point: job.point.id, seed: job.seed, evaluate: plan.evaluate, time: RunEnvironment.timestamp(), commands: job.ran)
        try AtomicFile.write(try RunJSON.encoder().encode(done), to: folder.doneMarker(job.point, seed: job.seed))
    }

    /// This executable, which runs every command of the sweep.
    static var executable: URL {
        if let path = Bundle.main.executablePath { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    /// The last non-empty line of a log (the error a failed command printed), shortened.
    static func lastLine(of url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let line = String(decoding: data.suffix(4096), as: UTF8.self).split(separator: "\n").last.map(String.init)
        return line.map { excerpt($0, limit: 300) }
    }
}
