import Foundation
import Models
import Platform
import Testing
@testable import Runs
@testable import Training

/// `mpirun -np 2 polyglot train` against one process: the same steps up to the order of floating-point sums,
/// bitwise reproducible on the same N (a rank killed with SIGKILL ends the job, and the resumed job ends with
/// the uninterrupted one's bits), resumable on another N, and errors named by rank. Runs the built binary under
/// Open MPI's mpirun (`tools/setup.sh` installs it); skipped, saying so, where mpirun is missing.
@Suite(.serialized) struct MPITrainingTests {
    static let mpirun: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":").map { "\($0)/mpirun" } + ["/usr/bin/mpirun"]).first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// 100 steps, evaluated every 50, a checkpoint every 10.
    static let settings = ["--set", "optimization.max_steps=100", "--set", "evaluation.every=50", "--set", "checkpoint.every=10"]

    /// Starts `polyglot arguments` as `ranks` ranks under mpirun (one thread each), or as one plain process.
    static func launch(ranks: Int?, _ arguments: [String], stderr: URL? = nil) throws -> Process {
        let p = Process()
        let specs = ["--tasks-dir", TrainingRunSupport.root.appendingPathComponent("tasks").path,
                     "--languages-dir", TrainingRunSupport.root.appendingPathComponent("languages").path]
        let polyglot = arguments + (arguments.first == "train" ? specs : [])
        if let ranks, let mpirun {
            p.executableURL = URL(fileURLWithPath: mpirun)
            p.arguments = ["-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", TrainingRunSupport.binary.path] + polyglot
        } else {
            p.executableURL = TrainingRunSupport.binary
            p.arguments = polyglot
        }
        var environment = ProcessInfo.processInfo.environment
        environment["POLYGLOT_THREADS"] = "1"
        // Open MPI refuses to start as root unless told twice; containers run tests as root.
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        if let stderr {
            _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
            p.standardError = try FileHandle(forWritingTo: stderr)
        } else {
            p.standardError = FileHandle.nullDevice
        }
        try p.run()
        return p
    }

    /// Runs to the end within `seconds`; the exit status (nil: still running then, and killed).
    static func run(ranks: Int?, _ arguments: [String], stderr: URL? = nil, seconds: Double = 600) throws -> Int32? {
        let p = try launch(ranks: ranks, arguments, stderr: stderr)
        return wait(p, seconds: seconds)
    }

    static func wait(_ p: Process, seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            return nil
        }
        return p.terminationStatus
    }

    /// The processes whose parent is `pid` (the ranks mpirun started on this machine).
    static func children(of pid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap(Int32.init).filter { child in
            guard let stat = FileManager.default.contents(atPath: "/proc/\(child)/stat"),
                  let text = String(data: stat, encoding: .utf8), let close = text.lastIndex(of: ")") else { return false }
            let fields = text[text.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }.sorted()
    }

    static func tensors(_ run: URL) throws -> [String: [Float]] {
        let file = try SafetensorsFile(url: run.appendingPathComponent(TrainingRunSupport.lastWeights))
        var out: [String: [Float]] = [:]
        for name in file.names { out[name] = try file.floats(name) }
        return out
    }

    /// The tasks of a run's evaluation summary (every language's scores with their intervals), as JSON values.
    static func scores(_ layout: ResultsLayout) throws -> NSArray {
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: layout.summary)) as? [String: Any]
        return (summary?["tasks"] as? NSArray) ?? NSArray()
    }

    /// train.jsonl without the measured wall times (`seconds`, `allreduce_seconds`).
    static func log(_ run: URL) -> String {
        let text = String(decoding: FileManager.default.contents(atPath: run.appendingPathComponent("train.jsonl").path) ?? Data(), as: UTF8.self)
        return text.replacingOccurrences(of: #","(allreduce_)?seconds":[0-9.eE+-]+"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #""allreduce_seconds":[0-9.eE+-]+,"#, with: "", options: .regularExpression)
    }

    static func stepLosses(_ run: URL) throws -> [[String: Double]] {
        try TrainLog.read(run.appendingPathComponent("train.jsonl")).filter { $0["type"] as? String == "step" }
            .map { ($0["loss"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue } }
    }

    @Test(.enabled(if: mpirun != nil, "mpirun is missing (tools/setup.sh installs openmpi-bin): the distributed training test is skipped"))
    func twoRanksTrainAsOneProcessAndResumeBitwiseAfterARankIsKilled() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        // experiments/smoke.yaml (masked LM, three classification tasks and a tagging task, dropout 0.1) for 100 steps; the tiny
        // experiment of the other resume tests for the kills.
        let smoke = TrainingRunSupport.root.appendingPathComponent("experiments/smoke.yaml")
        let experiment = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "mpi-exp")
        let one = TrainingRunSupport.temporaryRun("mpi-one"), two = TrainingRunSupport.temporaryRun("mpi-two")
        let tinyTwo = TrainingRunSupport.temporaryRun("mpi-tiny-two")
        let killed = TrainingRunSupport.temporaryRun("mpi-killed"), switched = TrainingRunSupport.temporaryRun("mpi-switched")
        let errors = TrainingRunSupport.temporaryRun("mpi-stderr").appendingPathExtension("txt")
        defer { for u in [experiment, one, two, tinyTwo, killed, switched, errors] { try? FileManager.default.removeItem(at: u) } }

        // One process and two ranks: the same steps up to summation order.
        #expect(try Self.run(ranks: nil, ["train", smoke.path, "--output", one.path] + Self.settings) == 0)
        #expect(try Self.run(ranks: 2, ["train", smoke.path, "--output", two.path] + Self.settings, stderr: errors) == 0,
                "\(String(decoding: FileManager.default.contents(atPath: errors.path) ?? Data(), as: UTF8.self))")
        let a = try Self.tensors(one), b = try Self.tensors(two)
        #expect(a.keys.sorted() == b.keys.sorted())
        let gap = Self.gap(a, b)
        #expect(gap.tensor <= 1e-5, "largest per-tensor relative difference \(gap.tensor) (\(gap.name))")
        #expect(gap.weight <= 1e-5, "largest single-weight difference \(gap.weight)")
        #expect(gap.noise <= 1e-3, "the attention key biases grew beyond rounding noise: \(gap.noise)")
        let lossesOne = try Self.stepLosses(one), lossesTwo = try Self.stepLosses(two)
        #expect(lossesOne.count == 100 && lossesTwo.count == 100)
        for (step, (x, y)) in zip(lossesOne, lossesTwo).enumerated() {
            #expect(x.keys.sorted() == y.keys.sorted(), "step \(step + 1) trained other tasks")
            for (task, v) in x { #expect(abs(v - (y[task] ?? .nan)) <= 1e-4 * max(1, abs(v)), "step \(step + 1) \(task): \(v) vs \(y[task] ?? .nan)") }
        }
        let r1 = try TrainingRunSupport.results(one), r2 = try TrainingRunSupport.results(two)
        #expect(r1.steps == r2.steps && r1.bestStep == r2.bestStep)
        if let x = r1.bestScore, let y = r2.bestScore { #expect(abs(x - y) <= 1e-3, "best dev score \(x) vs \(y)") }
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: two.appendingPathComponent("environment.json"))) as? [String: Any]
        #expect(env?["ranks"] as? Int == 2 && (env?["mpi"] as? String)?.hasPrefix("Open MPI") == true)
        // Rank 1 read rank 0's tokenizer from a temporary folder of its own, removed after.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path).filter { $0.hasPrefix("polyglot-rank1-") }
        #expect(leftovers.isEmpty, "\(leftovers)")

        // `polyglot eval` split over two ranks writes the predictions and scores one process writes.
        let layout = ResultsLayout(root: two)
        #expect(try Self.run(ranks: nil, ["eval", two.path, "--max-examples", "0"]) == 0)
        let singlePredictions = try FileManager.default.subpathsOfDirectory(atPath: layout.predictionsRoot.path).sorted()
            .map { ($0, FileManager.default.contents(atPath: layout.predictionsRoot.appendingPathComponent($0).path)) }
        let singleScores = try Self.scores(layout)
        #expect(try Self.run(ranks: 2, ["eval", two.path, "--max-examples", "0"], stderr: errors) == 0,
                "\(String(decoding: FileManager.default.contents(atPath: errors.path) ?? Data(), as: UTF8.self))")
        let jobPredictions = try FileManager.default.subpathsOfDirectory(atPath: layout.predictionsRoot.path).sorted()
            .map { ($0, FileManager.default.contents(atPath: layout.predictionsRoot.appendingPathComponent($0).path)) }
        #expect(!singlePredictions.isEmpty && singlePredictions.map(\.0) == jobPredictions.map(\.0))
        for (x, y) in zip(singlePredictions, jobPredictions) { #expect(x.1 == y.1, "\(x.0) differs between one process and two ranks") }
        let jobScores = try Self.scores(layout)
        #expect(singleScores.count > 0 && singleScores.isEqual(jobScores), "summary.json's scores differ between one process and two ranks")

        // A rank killed mid-run ends the job (no hang); resuming on two ranks gives the uninterrupted run's bits.
        #expect(try Self.run(ranks: 2, ["train", experiment.path, "--output", tinyTwo.path] + Self.settings) == 0)
        let job = try Self.launch(ranks: 2, ["train", experiment.path, "--output", killed.path] + Self.settings)
        let reached = TrainingRunSupport.waitForStep(job, run: killed, step: 37)
        let ranks = Self.children(of: job.processIdentifier)
        #expect(reached && ranks.count == 2, "the job reached step 37: \(reached); ranks found: \(ranks)")
        if let victim = ranks.last { kill(victim, SIGKILL) }
        let status = Self.wait(job, seconds: 120)
        #expect(status != nil && status != 0, "the job went on after a rank died (exit status \(String(describing: status)))")
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("results.json").path))
        #expect(try Self.run(ranks: 2, ["train", "--resume", killed.path]) == 0)
        for file in ["results.json", TrainingRunSupport.lastWeights, "checkpoints/last/trainer_state.json", "checkpoints/last/optimizer.exp_avg.f32",
                     "checkpoints/last/optimizer.exp_avg_sq.f32", "checkpoints/best/model/weights.safetensors"] {
            let x = TrainingRunSupport.bytes(tinyTwo, file), y = TrainingRunSupport.bytes(killed, file)
            #expect(x != nil && x == y, "\(file) differs between the uninterrupted and the resumed two-rank run")
        }
        #expect(Self.log(tinyTwo) == Self.log(killed), "train.jsonl differs between the uninterrupted and the resumed two-rank run")
        let points = TrainingRunSupport.resumePoints(killed)
        #expect(points.count == 1 && points.first?["ranks"] as? Int == 2)

        // Killed on two ranks, resumed as one process: it finishes, as close to the two-rank run as one process is.
        let other = try Self.launch(ranks: 2, ["train", experiment.path, "--output", switched.path] + Self.settings)
        _ = TrainingRunSupport.waitForStep(other, run: switched, step: 25)
        if let victim = Self.children(of: other.processIdentifier).first { kill(victim, SIGKILL) }
        _ = Self.wait(other, seconds: 120)
        #expect(try Self.run(ranks: nil, ["train", "--resume", switched.path]) == 0)
        #expect(try TrainingRunSupport.results(switched).steps == 100)
        let resumedGap = Self.gap(try Self.tensors(tinyTwo), try Self.tensors(switched))
        #expect(resumedGap.tensor <= 1e-5 && resumedGap.weight <= 1e-5,
                "resumed on another N: \(resumedGap.tensor) relative (\(resumedGap.name)), \(resumedGap.weight) in one weight")
    }

    /// The largest per-tensor relative difference ‖a − b‖ / ‖a‖ and the largest difference in one weight, and
    /// apart from them the largest value of an attention key bias. Softmax over keys ignores a bias added to every
    /// key, so that bias's gradient is zero up to rounding, and AdamW turns the rounding into steps of the learning
    /// rate's size: its values are rounding noise (about 2e-4 after the smoke experiment's 100 steps, 5e-6 after the
    /// tiny one's), which two summation orders draw differently.
    static func gap(_ a: [String: [Float]], _ b: [String: [Float]]) -> (tensor: Double, name: String, weight: Float, noise: Float) {
        var tensor = 0.0, name = "", weight: Float = 0, noise: Float = 0
        for (key, x) in a {
            guard let y = b[key], y.count == x.count else { return (.infinity, key, .infinity, .infinity) }
            if key.hasSuffix("attention.self.key.bias") {
                noise = max(noise, (x + y).map { abs($0) }.max() ?? 0)
                continue
            }
            var diff = 0.0, norm = 0.0
            for i in x.indices {
                diff += Double(x[i] - y[i]) * Double(x[i] - y[i]); norm += Double(x[i]) * Double(x[i])
                weight = max(weight, abs(x[i] - y[i]))
            }
            let relative = norm > 0 ? (diff / norm).squareRoot() : diff.squareRoot()
            if relative > tensor { tensor = relative; name = key }
        }
        return (tensor, name, weight, noise)
    }

    /// experiments/forgetting-cldr.yaml shortened to 60 steps a stage, EWC in stage 2: the first stage ends as one
    /// process ends it, the forgetting matrix's rows 0 and 1 are the same, stage 2 starts with the same losses, and
    /// rank 0 writes the stage checkpoints (with the Fisher), predictions and forgetting.json. Later steps of stage 2
    /// drift apart (the 1e-6 differences grow about tenfold every 7–8 steps at its learning rate), so the end is not
    /// compared.
    @Test(.enabled(if: mpirun != nil, "mpirun is missing (tools/setup.sh installs openmpi-bin)"))
    func aRunWithStagesTrainsOnTwoRanksAsInOneProcess() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let experiment = TrainingRunSupport.root.appendingPathComponent("experiments/forgetting-cldr.yaml")
        let one = TrainingRunSupport.temporaryRun("mpi-stages-one"), two = TrainingRunSupport.temporaryRun("mpi-stages-two")
        defer { for u in [one, two] { try? FileManager.default.removeItem(at: u) } }
        let settings = ["optimization.max_steps=60", "optimization.warmup_steps=6", "evaluation.every=30", "checkpoint.every=30",
                        "stages.1.strategy.ewc=1000"].flatMap { ["--set", $0] }
        #expect(try Self.run(ranks: nil, ["train", experiment.path, "--output", one.path] + settings) == 0)
        #expect(try Self.run(ranks: 2, ["train", experiment.path, "--output", two.path] + settings) == 0)
        let weights = "checkpoints/stage-1/model/weights.safetensors"
        let a = try SafetensorsFile(url: one.appendingPathComponent(weights)), b = try SafetensorsFile(url: two.appendingPathComponent(weights))
        var x: [String: [Float]] = [:], y: [String: [Float]] = [:]
        for name in a.names { x[name] = try a.floats(name); y[name] = try b.floats(name) }
        let gap = Self.gap(x, y)
        #expect(gap.tensor <= 1e-5 && gap.weight <= 1e-5, "stage 1 ends \(gap.tensor) apart (\(gap.name)), \(gap.weight) in one weight")
        for file in ["checkpoints/stage-1/fisher.safetensors", "forgetting.json", "stages/1/predictions"] {
            #expect(FileManager.default.fileExists(atPath: two.appendingPathComponent(file).path), "\(file) missing")
        }
        let m1 = try JSONSerialization.jsonObject(with: Data(contentsOf: one.appendingPathComponent("forgetting.json"))) as? [String: Any]
        let m2 = try JSONSerialization.jsonObject(with: Data(contentsOf: two.appendingPathComponent("forgetting.json"))) as? [String: Any]
        let rows1 = m1?["scores"] as? [[Double]] ?? [], rows2 = m2?["scores"] as? [[Double]] ?? []
        #expect(rows1.count == 3 && rows2.count == 3 && Array(rows1.prefix(2)) == Array(rows2.prefix(2)), "\(rows1) vs \(rows2)")
        let l1 = try Self.stepLosses(one), l2 = try Self.stepLosses(two)
        #expect(l1.count == 120 && l2.count == 120)
        for step in 60..<min(65, l1.count, l2.count) {
            for (task, v) in l1[step] { #expect(abs(v - (l2[step][task] ?? .nan)) <= 1e-5 * max(1, abs(v)), "step \(step + 1) \(task)") }
        }
    }

    @Test(.enabled(if: mpirun != nil, "mpirun is missing (tools/setup.sh installs openmpi-bin)"))
    func otherCommandsAreRefusedUnderMpirunNamingTheRank() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let errors = TrainingRunSupport.temporaryRun("mpi-refused").appendingPathExtension("txt")
        defer { try? FileManager.default.removeItem(at: errors) }
        #expect(try Self.run(ranks: 2, ["info"], stderr: errors, seconds: 120) != 0)
        let text = String(decoding: FileManager.default.contents(atPath: errors.path) ?? Data(), as: UTF8.self)
        // Each rank refuses; the first to abort ends the job, so either may be the one that printed.
        #expect(text.range(of: #"error: rank [01] of 2: under mpirun only `polyglot train`, `polyglot eval` and `polyglot bench train` run as a job of ranks"#,
                           options: .regularExpression) != nil, "\(text)")
    }
}
