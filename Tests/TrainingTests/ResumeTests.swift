import Foundation
import Models
import Platform
import Testing
@testable import Training

/// Kills a real `polyglot train` process with SIGKILL after its first checkpoint, resumes it, and
/// checks that the weights, optimizer state, log and metrics are bitwise those of an uninterrupted run.
/// Needs the built binary (`make test` builds it first: `swift build -c release --product polyglot`).
@Suite struct ResumeTests {
    @Test func killedRunResumesToTheSameBitsAsAnUninterruptedOne() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        // Long enough that the kill lands mid-run: a checkpoint every 5 of 60 steps.
        let experiment = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "resume-exp")
        let whole = TrainingRunSupport.temporaryRun("whole"), killed = TrainingRunSupport.temporaryRun("killed")
        defer { for u in [experiment, whole, killed] { try? FileManager.default.removeItem(at: u) } }
        let settings = ["--set", "optimization.max_steps=60", "--set", "evaluation.every=20"]

        #expect(try TrainingRunSupport.runToEnd(["train", experiment.path, "--output", whole.path] + settings) == 0)

        let p = try TrainingRunSupport.launch(["train", experiment.path, "--output", killed.path] + settings)
        let marker = killed.appendingPathComponent("checkpoints/last/trainer_state.json").path
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: marker) && p.isRunning && Date() < deadline { usleep(2_000) }
        let interrupted = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(interrupted, "the run ended before it could be killed")
        #expect(p.terminationReason == .uncaughtSignal || !interrupted)
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("results.json").path))

        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", killed.path]) == 0)

        for file in ["results.json", TrainingRunSupport.lastWeights, "checkpoints/last/trainer_state.json",
                     "checkpoints/last/optimizer.exp_avg.f32", "checkpoints/last/optimizer.exp_avg_sq.f32",
                     "checkpoints/best/model/weights.safetensors", "train.jsonl"] {
            let a = TrainingRunSupport.bytes(whole, file), b = TrainingRunSupport.bytes(killed, file)
            #expect(a != nil && a == b, "\(file) differs between the uninterrupted and the resumed run")
        }
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: killed.appendingPathComponent("environment.json"))) as? [String: Any]
        #expect((env?["resumed_at"] as? [[String: Any]])?.count == 1)
    }
}

@Suite struct StrategyRunTests {
    /// Mixed batches, gradient accumulation, gradual unfreezing with discriminative rates and SGD also
    /// resume bitwise; the frozen encoder of feature extraction never moves.
    @Test func mixedBatchesWithAccumulationAndGradualUnfreezingResumeBitwise() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let experiment = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "mixed-exp")
        let whole = TrainingRunSupport.temporaryRun("mixed-whole"), killed = TrainingRunSupport.temporaryRun("mixed-killed")
        defer { for u in [experiment, whole, killed] { try? FileManager.default.removeItem(at: u) } }
        let settings = ["sampler.batching=mixed", "optimization.grad_accumulation=2", "optimization.optimizer=sgd",
                        "optimization.max_steps=40", "strategy.kind=gradual-unfreeze", "strategy.unfreeze_every=8",
                        "strategy.layer_lr_decay=0.8", "sampler.kind=uniform"].flatMap { ["--set", $0] }
        #expect(try TrainingRunSupport.runToEnd(["train", experiment.path, "--output", whole.path] + settings) == 0)
        let p = try TrainingRunSupport.launch(["train", experiment.path, "--output", killed.path] + settings)
        let marker = killed.appendingPathComponent("checkpoints/last/trainer_state.json").path
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: marker) && p.isRunning && Date() < deadline { usleep(2_000) }
        #expect(p.isRunning, "the run ended before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", killed.path]) == 0)
        for file in ["results.json", TrainingRunSupport.lastWeights, "checkpoints/last/optimizer.momentum_buffer.f32", "train.jsonl"] {
            let a = TrainingRunSupport.bytes(whole, file), b = TrainingRunSupport.bytes(killed, file)
            #expect(a != nil && a == b, "\(file) differs between the uninterrupted and the resumed run")
        }
        // Mixed batches: steps train several tasks at once.
        let steps = try TrainLog.read(whole.appendingPathComponent("train.jsonl")).filter { $0["type"] as? String == "step" }
        #expect(steps.contains { (($0["loss"] as? [String: Any])?.count ?? 0) > 1 })
    }

    @Test func featureExtractionLeavesTheEncoderUntouched() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let experiment = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "frozen-exp")
        let one = TrainingRunSupport.temporaryRun("frozen-1"), many = TrainingRunSupport.temporaryRun("frozen-30")
        defer { for u in [experiment, one, many] { try? FileManager.default.removeItem(at: u) } }
        // Two tasks without MLM (whose tied decoder is the embedding matrix). After 1 step the encoder is
        // still its seeded initialization; after 30 it must be the same, while the heads moved.
        let settings = ["tasks=[{name: cldr-dates-month, train_languages: [en]}, {name: cldr-date-fields, train_languages: [en]}]",
                        "strategy.kind=frozen-encoder", "optimization.warmup_steps=0"].flatMap { ["--set", $0] }
        #expect(try TrainingRunSupport.runToEnd(["train", experiment.path, "--output", one.path, "--set", "optimization.max_steps=1"] + settings) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", experiment.path, "--output", many.path] + settings) == 0)
        let a = try SafetensorsFile(url: one.appendingPathComponent(TrainingRunSupport.lastWeights))
        let b = try SafetensorsFile(url: many.appendingPathComponent(TrainingRunSupport.lastWeights))
        #expect(a.names.sorted() == b.names.sorted())
        var encoderTensors = 0, movedHeads = 0
        for name in b.names {
            if name.hasPrefix("heads.") {
                if try a.floats(name) != b.floats(name) { movedHeads += 1 }
            } else {
                encoderTensors += 1
                #expect(try a.floats(name) == b.floats(name), "\(name) changed under a frozen encoder")
            }
        }
        #expect(encoderTensors > 10 && movedHeads > 0)
    }
}

@Suite struct SelectionRunTests {
    /// With a learning rate too small to move float32 weights the score never improves, so patience 2
    /// stops the run at the third evaluation; target-dev selection is recorded as such.
    @Test func earlyStoppingOnAFlatScoreAndTargetDevSelectionIsRecorded() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let experiment = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "stop-exp")
        let run = TrainingRunSupport.temporaryRun("stop")
        defer { for u in [experiment, run] { try? FileManager.default.removeItem(at: u) } }
        let settings = ["optimization.optimizer=sgd", "optimization.lr=1e-30", "evaluation.every=5", "evaluation.patience=2",
                        "evaluation.selection=target-dev", "evaluation.selection_tasks=[cldr-dates-month]"].flatMap { ["--set", $0] }
        #expect(try TrainingRunSupport.runToEnd(["train", experiment.path, "--output", run.path] + settings) == 0)
        let r = try TrainingRunSupport.results(run)
        #expect(r.stoppedEarly && r.steps == 15 && r.bestStep == 5)
        #expect(r.selection == "target-dev" && r.selectionTasks == ["cldr-dates-month"])
        let evals = try TrainLog.read(run.appendingPathComponent("train.jsonl")).filter { $0["type"] as? String == "eval" }
        #expect(evals.map { $0["selection"] as? String } == ["target-dev", "target-dev", "target-dev"])
        // The score is German dev accuracy, the target language.
        let german = r.best?.metrics["cldr-dates-month"]?["dev"]?["de"]?["accuracy"]
        #expect(german != nil && r.bestScore == german)
    }
}
