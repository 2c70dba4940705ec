import Foundation
import Platform
import Testing
@testable import Training

/// Kills a real `polyglot train` process with SIGKILL after its first checkpoint, resumes it, and
/// checks that the weights, optimizer state, log and metrics are bitwise those of an uninterrupted run.
/// Needs the built binary (`make test` builds it first: `swift build -c release --product polyglot`).
@Suite struct ResumeTests {
    static var binary: URL {
        #if DEBUG
        let config = "debug"
        #else
        let config = "release"
        #endif
        return TrainingRunSupport.root.appendingPathComponent(".build/\(config)/polyglot")
    }

    func launch(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = arguments + ["--tasks-dir", TrainingRunSupport.root.appendingPathComponent("tasks").path,
                                   "--languages-dir", TrainingRunSupport.root.appendingPathComponent("languages").path]
        p.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        p.standardError = errors
        try p.run()
        return p
    }

    func runToEnd(_ arguments: [String]) throws -> Int32 {
        let p = try launch(arguments)
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test func killedRunResumesToTheSameBitsAsAnUninterruptedOne() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            Issue.record("\(Self.binary.path) is missing: build it first (make test does: swift build -c release --product polyglot)")
            return
        }
        let experiment = TrainingRunSupport.temporaryRun("resume-exp").appendingPathExtension("yaml")
        // Long enough that the kill lands mid-run: a checkpoint every 5 of 60 steps.
        try Data((TrainingRunSupport.tiny + "\n").utf8).write(to: experiment)
        let whole = TrainingRunSupport.temporaryRun("whole"), killed = TrainingRunSupport.temporaryRun("killed")
        defer { for u in [experiment, whole, killed] { try? FileManager.default.removeItem(at: u) } }
        let settings = ["--set", "optimization.max_steps=60", "--set", "evaluation.every=20"]

        #expect(try runToEnd(["train", experiment.path, "--output", whole.path] + settings) == 0)

        let p = try launch(["train", experiment.path, "--output", killed.path] + settings)
        let marker = killed.appendingPathComponent("checkpoints/last/trainer_state.json").path
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: marker) && p.isRunning && Date() < deadline { usleep(2_000) }
        let interrupted = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(interrupted, "the run ended before it could be killed")
        #expect(p.terminationReason == .uncaughtSignal || !interrupted)
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("results.json").path))

        #expect(try runToEnd(["train", "--resume", killed.path]) == 0)

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
