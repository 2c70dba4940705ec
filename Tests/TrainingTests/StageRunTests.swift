import Foundation
import Models
import Platform
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

/// Runs with stages through the built binary: a one-stage run is the flat run, a two-stage run killed at
/// its stage boundary and in stage 2 resumes to the same bits, and its forgetting matrix is what its
/// predictions score, with every earlier task's head kept.
@Suite struct StageRunTests {
    /// Stage 1 learns month names (English; German evaluated), stage 2 continues on spelled-out numbers.
    static let twoStages = """
    name: seq
    seed: 5
    model: {layers: 1, hidden: 32, heads: 2, intermediate: 64, max_positions: 32, dropout: 0.1}
    tokenizer: {vocab_size: 400, max_sentences: 1200}
    data: {max_length: 32, max_train_examples: 200, max_eval_examples: 40}
    optimization: {batch_size: 16, max_steps: 40, warmup_steps: 2, lr: 0.01}
    evaluation: {every: 10}
    checkpoint: {every: 5}
    stages:
      - name: months
        tasks: [{name: cldr-dates-month, train_languages: [en], eval_languages: [de]}]
      - name: digits
        optimization: {max_steps: 60}
        tasks: [{name: cldr-numbers-digits, train_languages: [en]}]
    """

    static let shared = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-stages-\(getpid())")
    private static let referenceResult: Result<URL, Error> = Result {
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: StageRunTests.shared) }
        let experiment = shared.appendingPathComponent("seq.yaml")
        try Data((twoStages + "\n").utf8).write(to: experiment)
        let run = shared.appendingPathComponent("reference")
        let status = try TrainingRunSupport.runToEnd(["train", experiment.path, "--output", run.path])
        guard status == 0 else { throw FileError(path: run.path, "the two-stage reference run exited with status \(status)") }
        return run
    }

    static func reference() throws -> URL { try referenceResult.get() }

    static func json(_ dir: URL, _ file: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(file)))
        return try #require(object as? [String: Any])
    }

    @Test func aRunOfOneStageIsTheRunWithoutStages() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let flat = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "flat-exp")
        let staged = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny + "\nstages: [{name: only}]", name: "one-stage-exp")
        let a = TrainingRunSupport.temporaryRun("flat"), b = TrainingRunSupport.temporaryRun("one-stage")
        defer { for u in [flat, staged, a, b] { try? FileManager.default.removeItem(at: u) } }
        #expect(try TrainingRunSupport.runToEnd(["train", flat.path, "--output", a.path]) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", staged.path, "--output", b.path]) == 0)
        for file in ["train.jsonl", TrainingRunSupport.lastWeights, "checkpoints/best/model/weights.safetensors",
                     "checkpoints/last/optimizer.exp_avg.f32", "tokenizer.json"] {
            let x = TrainingRunSupport.bytes(a, file), y = TrainingRunSupport.bytes(b, file)
            #expect(x != nil && x == y, "\(file) differs between the flat run and its one-stage twin")
        }
        // The staged twin also scored the start and the end, and kept both.
        let f = try ForgettingMatrix.read(ResultsLayout(root: b))
        #expect(f.scores.count == 2 && f.stages == ["only"] && f.backwardTransfer == nil && f.forwardTransfer == nil)
        #expect(FileManager.default.fileExists(atPath: b.appendingPathComponent("checkpoints/start/manifest.json").path))
    }

    @Test func killedAtTheStageBoundaryAndInStageTwoItResumesToTheSameBits() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let reference = try Self.reference()
        let experiment = Self.shared.appendingPathComponent("seq.yaml")
        let killed = TrainingRunSupport.temporaryRun("stages-killed")
        defer { try? FileManager.default.removeItem(at: killed) }
        // First kill: as soon as stage 1's checkpoint is there (between the stages); second: in stage 2 (steps 41–100).
        let boundary = killed.appendingPathComponent("checkpoints/stage-1/manifest.json").path
        let first = try TrainingRunSupport.launch(["train", experiment.path, "--output", killed.path])
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: boundary) && first.isRunning && Date() < deadline { usleep(500) }
        let interrupted = first.isRunning
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(interrupted, "the run ended before it could be killed between its stages")
        let second = try TrainingRunSupport.launch(["train", "--resume", killed.path])
        _ = TrainingRunSupport.waitForResume(second, run: killed, count: 1)
        let reached = TrainingRunSupport.waitForStep(second, run: killed, step: 60)
        let running = second.isRunning
        kill(second.processIdentifier, SIGKILL)
        second.waitUntilExit()
        #expect(reached && running, "the resumed run ended before it could be killed in stage 2")
        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", killed.path]) == 0)

        let files = TrainingRunSupport.resumeIdentical + [
            "forgetting.json", "checkpoints/start/manifest.json", "checkpoints/stage-1/manifest.json", "checkpoints/stage-2/manifest.json",
            "stages/0/predictions/cldr-numbers-digits/en.jsonl", "stages/2/predictions/cldr-dates-month/de.jsonl"]
        for file in files {
            let a = TrainingRunSupport.bytes(reference, file), b = TrainingRunSupport.bytes(killed, file)
            #expect(a != nil && a == b, "\(file) differs between the uninterrupted and the resumed run")
        }
    }

    @Test func theMatrixIsWhatEachRowsPredictionsScoreAndEarlierHeadsAreKept() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let run = try Self.reference()
        let f = try ForgettingMatrix.read(ResultsLayout(root: run))
        #expect(f.stages == ["months", "digits"])
        #expect(f.units.map(\.label) == ["cldr-dates-month en", "cldr-dates-month de", "cldr-numbers-digits en"])
        #expect(f.units.map(\.trainedIn) == [[1], [], [2]])
        #expect(f.units.allSatisfy { $0.split == "test" && $0.examples == 40 && $0.metric == "accuracy" })
        #expect(f.scores.count == 3)
        // Each cell is the share of its row's predictions that match the gold label, counted here.
        for (r, row) in f.scores.enumerated() {
            for (u, unit) in f.units.enumerated() {
                let url = run.appendingPathComponent("stages/\(r)/predictions/\(unit.task)/\(unit.language).jsonl")
                let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
                let hits = try lines.filter { line in
                    let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                    return (o["gold"] as? String) == (o["predicted"] as? String)
                }.count
                #expect(lines.count == 40 && row[u] == Double(hits) / 40, "row \(r), \(unit.label)")
            }
        }
        #expect(f.backwardTransfer == f.scores[2][0] - f.scores[1][0])
        #expect(f.forwardTransfer == f.scores[1][2] - f.scores[0][2])
        // Stage 1 learned its task; stage 2 made it forget some (months of English dates).
        #expect(f.scores[1][0] > f.scores[0][0] && f.scores[2][2] > f.scores[0][2])

        // Heads: a task's head rests while other stages train; the encoder moves in every stage.
        func tensors(_ name: String) throws -> SafetensorsFile {
            try SafetensorsFile(url: run.appendingPathComponent("checkpoints/\(name)/model/weights.safetensors"))
        }
        let start = try tensors("start"), one = try tensors("stage-1"), two = try tensors("stage-2")
        let months = one.names.filter { $0.hasPrefix("heads.cldr-dates-month.") }, digits = one.names.filter { $0.hasPrefix("heads.cldr-numbers-digits.") }
        #expect(!months.isEmpty && !digits.isEmpty)
        for name in months {
            #expect(try one.floats(name) == two.floats(name), "\(name) moved in stage 2")
            #expect(try start.floats(name) != one.floats(name), "\(name) did not train in stage 1")
        }
        for name in digits {
            #expect(try start.floats(name) == one.floats(name), "\(name) moved in stage 1")
            #expect(try one.floats(name) != two.floats(name), "\(name) did not train in stage 2")
        }
        let embeddings = "embeddings.word_embeddings.weight"
        #expect(try start.floats(embeddings) != one.floats(embeddings) && one.floats(embeddings) != two.floats(embeddings))
        #expect(try SafetensorsFile(url: run.appendingPathComponent(TrainingRunSupport.lastWeights)).floats(embeddings) == two.floats(embeddings))

        // results.json says how each stage went; selection is the last stage's.
        let results = try TrainingRunSupport.results(run)
        #expect(results.steps == 100 && results.stages?.map(\.lastStep) == [40, 100] && results.stages?.map(\.firstStep) == [0, 40])
        #expect(results.selectionTasks == ["cldr-numbers-digits"])
        // train.jsonl: stage 2's steps train stage 2's task only.
        let steps = try TrainLog.read(run.appendingPathComponent("train.jsonl")).filter { $0["type"] as? String == "step" }
        #expect(steps.count == 100)
        #expect(steps.suffix(60).allSatisfy { (($0["loss"] as? [String: Any])?.keys.sorted() ?? []) == ["cldr-numbers-digits"] })
        // The status counts every stage's steps.
        let status = try TrainingStatus.of(RunFolder(url: run), checkpoint: "stage-1")
        #expect(status.finished && status.maxSteps == 100 && status.step == 40)
    }

    @Test func theReportShowsTheMatrixWithAHeatmapAndEvalScoresEveryStagesTasks() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let original = try Self.reference()
        let run = TrainingRunSupport.temporaryRun("stages-report")
        defer { try? FileManager.default.removeItem(at: run) }
        try FileManager.default.copyItem(at: original, to: run)
        // report takes no spec folders: run it plainly.
        let report = Process()
        report.executableURL = TrainingRunSupport.binary
        report.arguments = ["report", run.path]
        report.standardOutput = FileHandle.nullDevice
        report.standardError = FileHandle.nullDevice
        try report.run()
        report.waitUntilExit()
        #expect(report.terminationStatus == 0)
        let text = try String(contentsOf: run.appendingPathComponent("report.md"), encoding: .utf8)
        let f = try ForgettingMatrix.read(ResultsLayout(root: run))
        let bwt = ScoreFormatting.percent(try #require(f.backwardTransfer))
        #expect(text.contains("## Sequential transfer: forgetting") && text.contains("Backward transfer (BWT): **\(bwt)**"), "\(text)")
        #expect(text.contains("| after 2 (digits) ") && text.contains("figures/forgetting.svg"))
        #expect(text.contains("### Forgetting per unit") && text.contains("### Forward transfer per unit"))
        let svg = try String(contentsOf: run.appendingPathComponent("figures/forgetting.svg"), encoding: .utf8)
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 9)
        // eval scores the tasks of every stage, in every language a stage names.
        #expect(try TrainingRunSupport.runToEnd(["eval", run.path, "--checkpoint", "last"]) == 0)
        let summary = try Self.json(run, "summary.json")
        let tasks = try #require(summary["tasks"] as? [[String: Any]])
        #expect(tasks.compactMap { $0["task"] as? String }.sorted() == ["cldr-dates-month", "cldr-numbers-digits"])
        let months = try #require(tasks.first { $0["task"] as? String == "cldr-dates-month" }?["languages"] as? [[String: Any]])
        #expect(months.compactMap { $0["language"] as? String } == ["en", "de"])
        // A stage checkpoint has seen only the stages before it: at stage 1's end English digits were not trained
        // (English only chose stage 1's checkpoints: selected), at the start nothing was seen.
        func regimes(_ checkpoint: String) throws -> [String: String] {
            #expect(try TrainingRunSupport.runToEnd(["eval", run.path, "--checkpoint", checkpoint]) == 0)
            let tasks = try #require(try Self.json(run, "summary.json")["tasks"] as? [[String: Any]])
            var out: [String: String] = [:]
            for t in tasks {
                for l in (t["languages"] as? [[String: Any]]) ?? [] {
                    out["\(t["task"] as? String ?? "?") \(l["language"] as? String ?? "?")"] = l["regime"] as? String
                }
            }
            return out
        }
        #expect(try regimes("stage-1") == ["cldr-dates-month en": "supervised", "cldr-dates-month de": "zero-shot", "cldr-numbers-digits en": "selected"])
        #expect(try regimes("start").values.allSatisfy { $0 == "zero-shot" })
        #expect(try regimes("last")["cldr-numbers-digits en"] == "supervised")
    }
}

/// The report's numbers as the test reads them: ×100, one decimal.
enum ScoreFormatting {
    static func percent(_ v: Double) -> String { String(format: "%.1f", v * 100) }
}

/// L2-SP, EWC and replay in a real two-stage run: the penalties the log records are those of the weights
/// the checkpoints hold, the Fisher is saved with stage 1, replay draws stage 1's task, and a run killed in
/// stage 2 (its anchors then read back from the checkpoints) resumes to the same bits.
@Suite struct RegularizedStageRunTests {
    static let experiment = """
    name: reg
    seed: 6
    model: {layers: 1, hidden: 32, heads: 2, intermediate: 64, max_positions: 32, dropout: 0.1}
    tokenizer: {vocab_size: 400, max_sentences: 1200}
    data: {max_length: 32, max_train_examples: 200, max_eval_examples: 40}
    optimization: {batch_size: 16, max_steps: 20, warmup_steps: 0, lr: 0.01, schedule: constant}
    evaluation: {every: 10}
    checkpoint: {every: 5}
    stages:
      - name: months
        tasks: [{name: cldr-dates-month, train_languages: [en]}]
      - name: digits
        optimization: {max_steps: 8}
        strategy: {ewc: 50, ewc_examples: 32, l2_sp: 0.5, replay: 0.3}
        tasks: [{name: cldr-numbers-digits, train_languages: [en]}]
    """

    static func tensors(_ run: URL, _ checkpoint: String, _ file: String = "model/weights.safetensors") throws -> SafetensorsFile {
        try SafetensorsFile(url: run.appendingPathComponent("checkpoints/\(checkpoint)/\(file)"))
    }

    static func steps(_ run: URL) throws -> [[String: Any]] {
        try TrainLog.read(run.appendingPathComponent("train.jsonl")).filter { $0["type"] as? String == "step" }
    }

    @Test func loggedPenaltiesAreThoseOfTheCheckpointedWeightsAndFisher() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let file = try TrainingRunSupport.experimentFile(Self.experiment, name: "reg-exp")
        let eight = TrainingRunSupport.temporaryRun("reg-8"), seven = TrainingRunSupport.temporaryRun("reg-7")
        defer { for u in [file, eight, seven] { try? FileManager.default.removeItem(at: u) } }
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", eight.path]) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", seven.path, "--set", "stages.1.optimization.max_steps=7"]) == 0)

        // Stage 1's checkpoint keeps the Fisher of the shared encoder: every tensor but the heads', none negative.
        let fisher = try Self.tensors(eight, "stage-1", "fisher.safetensors")
        let weights = try Self.tensors(eight, "stage-1")
        let encoder = weights.names.filter { !$0.hasPrefix("heads.") }.sorted()
        #expect(fisher.names.sorted() == encoder && encoder.contains("embeddings.word_embeddings.weight"))
        var positive = 0
        for name in encoder {
            let f = try fisher.floats(name)
            #expect(f.allSatisfy { $0 >= 0 && $0.isFinite }, "\(name)")
            positive += f.filter { $0 > 0 }.count
        }
        #expect(positive > 100)
        #expect(!FileManager.default.fileExists(atPath: eight.appendingPathComponent("checkpoints/stage-2/fisher.safetensors").path))

        // Step 21 starts stage 2 at its anchors: both penalties are zero.
        let log = try Self.steps(eight)
        let first = try #require(log.first { $0["step"] as? Int == 21 }?["penalty"] as? [String: Double])
        #expect(first == ["ewc": 0, "l2_sp": 0])
        #expect(log.prefix(20).allSatisfy { $0["penalty"] == nil })
        // Step 28 is computed at the weights after step 27: the 7-step twin's stage-2 checkpoint (a constant
        // rate makes the two runs' first steps the same). L2-SP pulls to stage 1's end, EWC weighs by its Fisher.
        let theta = try Self.tensors(seven, "stage-2"), anchor = weights
        var l2 = 0.0, ewc = 0.0
        for name in encoder {
            let t = try theta.floats(name), a = try anchor.floats(name), f = try fisher.floats(name)
            for i in t.indices {
                let d = Double(t[i]) - Double(a[i])
                l2 += d * d
                ewc += Double(f[i]) * d * d
            }
        }
        l2 *= 0.5 / 2
        ewc *= 50.0 / 2
        let logged = try #require(log.first { $0["step"] as? Int == 28 }?["penalty"] as? [String: Double])
        #expect(l2 > 0 && ewc > 0)
        #expect(abs((logged["l2_sp"] ?? .nan) - l2) <= 1e-9 * l2, "logged \(logged), computed l2_sp \(l2)")
        #expect(abs((logged["ewc"] ?? .nan) - ewc) <= 1e-9 * ewc, "logged \(logged), computed ewc \(ewc)")
    }

    @Test func killedInStageTwoWithEveryRegularizerItResumesToTheSameBits() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let file = try TrainingRunSupport.experimentFile(Self.experiment, name: "reg-kill-exp")
        let whole = TrainingRunSupport.temporaryRun("reg-whole"), killed = TrainingRunSupport.temporaryRun("reg-killed")
        defer { for u in [file, whole, killed] { try? FileManager.default.removeItem(at: u) } }
        let settings = ["--set", "stages.1.optimization.max_steps=60", "--set", "stages.1.sampler.batching=mixed"]
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", whole.path] + settings) == 0)
        let p = try TrainingRunSupport.launch(["train", file.path, "--output", killed.path] + settings)
        let reached = TrainingRunSupport.waitForStep(p, run: killed, step: 50)
        let running = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(reached && running, "the run ended before it could be killed in stage 2")
        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", killed.path]) == 0)
        for name in TrainingRunSupport.resumeIdentical + ["forgetting.json", "checkpoints/stage-1/manifest.json", "checkpoints/stage-2/manifest.json"] {
            let a = TrainingRunSupport.bytes(whole, name), b = TrainingRunSupport.bytes(killed, name)
            #expect(a != nil && a == b, "\(name) differs between the uninterrupted and the resumed run")
        }
        // Replay: a mixed batch of stage 2 holds about 30% stage-1 examples (16 per batch: 288 expected in 60 steps).
        let stageTwo = try Self.steps(whole).suffix(60)
        let replayed = stageTwo.reduce(0) { $0 + ((($1["examples"] as? [String: Any])?["cldr-dates-month"] as? Int) ?? 0) }
        #expect(replayed > 200 && replayed < 380, "\(replayed) of 960 examples replayed")
        #expect(stageTwo.allSatisfy { ($0["penalty"] as? [String: Double])?.keys.sorted() == ["ewc", "l2_sp"] })
    }
}
