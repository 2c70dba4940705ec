import Foundation
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
