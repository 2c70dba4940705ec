import Foundation
import Models
import Platform
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

/// Kills a real `polyglot train` process with SIGKILL at three seeded random steps, resuming after each,
/// and checks that the weights, optimizer state, log and metrics are bitwise those of the uninterrupted
/// reference run. Needs the built binary (`make test` builds it first).
@Suite struct ResumeTests {
    @Test func runKilledThreeTimesResumesToTheSameBitsAsAnUninterruptedOne() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let reference = try TrainingRunSupport.reference()
        let killed = TrainingRunSupport.temporaryRun("killed")
        defer { try? FileManager.default.removeItem(at: killed) }
        // Three kill steps drawn from a fixed seed, at least 10 steps apart, all well before step 200.
        var random = RandomStream(seed: 17, name: "kill-steps")
        let first = 8 + random.nextInt(below: 40)
        let second = first + 10 + random.nextInt(below: 50)
        let third = second + 10 + random.nextInt(below: 50)
        for (i, step) in [first, second, third].enumerated() {
            let arguments = i == 0
                ? ["train", TrainingRunSupport.referenceExperiment.path, "--output", killed.path] + TrainingRunSupport.referenceSettings
                : ["train", "--resume", killed.path]
            let p = try TrainingRunSupport.launch(arguments)
            // A resumed process first records itself in environment.json, then cuts the log back to its checkpoint.
            if i > 0 { _ = TrainingRunSupport.waitForResume(p, run: killed, count: i) }
            let reached = TrainingRunSupport.waitForStep(p, run: killed, step: step)
            let interrupted = p.isRunning
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(reached && interrupted, "the run ended before it could be killed at step \(step)")
            #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL)
            #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("results.json").path))
        }

        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", killed.path]) == 0)

        for file in TrainingRunSupport.resumeIdentical {
            let a = TrainingRunSupport.bytes(reference, file), b = TrainingRunSupport.bytes(killed, file)
            #expect(a != nil && a == b, "\(file) differs between the uninterrupted and the resumed run")
        }
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: killed.appendingPathComponent("environment.json"))) as? [String: Any]
        #expect((env?["resumed_at"] as? [[String: Any]])?.count == 3)
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

@Suite struct NoTrainingRunTests {
    /// max_steps 0: the run holds the imported checkpoint itself, so a pretrained model can be evaluated zero-shot.
    /// Exported back to Hugging Face names, every encoder tensor equals the checkpoint's own, bit for bit.
    @Test func zeroStepsKeepTheImportedCheckpointUnchanged() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let hf = TrainingRunSupport.root.appendingPathComponent("Tests/Fixtures/models/families/bert")
        let yaml = """
        name: zero
        seed: 5
        model: {source: hf, path: \(hf.path)}
        tokenizer: {source: model}
        data: {max_length: 32, max_train_examples: 40, max_eval_examples: 20}
        tasks:
          - {name: cldr-dates-month, train_languages: [en]}
        optimization: {max_steps: 0, warmup_steps: 0}
        """
        let experiment = try TrainingRunSupport.experimentFile(yaml, name: "zero-exp")
        let run = TrainingRunSupport.temporaryRun("zero"), out = TrainingRunSupport.temporaryRun("zero-export")
        defer { for u in [experiment, run, out] { try? FileManager.default.removeItem(at: u) } }
        #expect(try TrainingRunSupport.runToEnd(["train", experiment.path, "--output", run.path]) == 0)
        let results = try TrainingRunSupport.results(run)
        #expect(results.steps == 0)
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(TrainingRunSupport.lastWeights).path))
        let export = Process()
        export.executableURL = TrainingRunSupport.binary
        export.arguments = ["export", "--model", run.appendingPathComponent("checkpoints/last/model").path, "--output", out.path]
        export.standardOutput = FileHandle.nullDevice
        export.standardError = FileHandle.nullDevice
        try export.run(); export.waitUntilExit()
        #expect(export.terminationStatus == 0)
        let original = try SafetensorsFile(url: hf.appendingPathComponent("model.safetensors"))
        let exported = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors"))
        let shared = Set(original.names).intersection(exported.names)
        #expect(shared.count >= 20, "only \(shared.count) tensor names in common: \(exported.names.sorted().prefix(5))")
        for name in shared.sorted() { #expect(try original.floats(name) == exported.floats(name), "\(name) changed") }
    }

    /// Negative step counts are refused with the key named.
    @Test func negativeStepsAreRefused() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let experiment = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "negative-exp")
        let run = TrainingRunSupport.temporaryRun("negative"), log = TrainingRunSupport.temporaryRun("negative-log")
        defer { for u in [experiment, run, log] { try? FileManager.default.removeItem(at: u) } }
        let p = try TrainingRunSupport.launch(["train", experiment.path, "--output", run.path, "--set", "optimization.max_steps=-1",
                                               "--set", "optimization.warmup_steps=0"], stderr: log)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        let message = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        #expect(message.contains("optimization.max_steps"), "\(message)")
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

@Suite struct EarlyKillResumeTests {
    /// A run killed before its tokenizer, environment and first checkpoint were written (only
    /// experiment.yaml and some log lines exist) resumes from the start to the same bits.
    @Test func resumingARunKilledBeforeItsFirstCheckpointStartsOverIdentically() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let experiment = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "early-exp")
        let whole = TrainingRunSupport.temporaryRun("early-whole"), cut = TrainingRunSupport.temporaryRun("early-cut")
        defer { for u in [experiment, whole, cut] { try? FileManager.default.removeItem(at: u) } }
        #expect(try TrainingRunSupport.runToEnd(["train", experiment.path, "--output", whole.path]) == 0)
        let fm = FileManager.default
        try fm.copyItem(at: whole, to: cut)
        for file in ["checkpoints", "tokenizer.json", "tokenizer.polyglot.json", "environment.json", "results.json"] {
            try? fm.removeItem(at: cut.appendingPathComponent(file))
        }
        #expect(try TrainingRunSupport.runToEnd(["train", "--resume", cut.path]) == 0)
        for file in ["results.json", TrainingRunSupport.lastWeights, "train.jsonl", "tokenizer.json"] {
            let a = TrainingRunSupport.bytes(whole, file), b = TrainingRunSupport.bytes(cut, file)
            #expect(a != nil && a == b, "\(file) differs")
        }
        #expect(fm.fileExists(atPath: cut.appendingPathComponent("environment.json").path))
    }
}
