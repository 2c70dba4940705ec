import Foundation
import Platform

/// How far a run's training got and which step an evaluated checkpoint holds, so scores of a run whose
/// training did not finish (killed, stopped, still running) are never read as those of a finished one.
/// Saved as `training` in `summary.json`.
public struct TrainingStatus: Codable, Equatable, Sendable {
    /// True when results.json is there and the run reached max_steps or stopped early (with stages: every stage finished).
    public var finished: Bool
    /// The training step of the evaluated checkpoint (nil when unknown).
    public var step: Int?
    /// Steps trained (results.json's, else the `last` checkpoint's; nil when neither is there).
    public var stepsTrained: Int?
    /// `optimization.max_steps`; with stages, the sum of every stage's.
    public var maxSteps: Int
    public var stoppedEarly: Bool

    enum CodingKeys: String, CodingKey {
        case finished, step, stepsTrained = "steps_trained", maxSteps = "max_steps", stoppedEarly = "stopped_early"
    }

    public init(finished: Bool, step: Int?, stepsTrained: Int?, maxSteps: Int, stoppedEarly: Bool) {
        self.finished = finished; self.step = step; self.stepsTrained = stepsTrained; self.maxSteps = maxSteps; self.stoppedEarly = stoppedEarly
    }

    /// The status of `run`, with the step of its checkpoint `checkpoint` (`best`, `last`) when given.
    public static func of(_ run: RunFolder, checkpoint: String?) throws -> TrainingStatus {
        let experiment = try run.readExperiment()
        let maxSteps = experiment.totalMaxSteps
        var results: TrainingResults?
        if FileManager.default.fileExists(atPath: run.resultsFile.path) {
            do { results = try StrictJSON.decode(TrainingResults.self, path: run.resultsFile.path, decoder: RunJSON.decoder()) } catch {
                throw FileError(path: run.resultsFile.path, "cannot read: \(FileManifest.brief(error))")
            }
        }
        let store = run.checkpoints
        func step(of name: String) throws -> Int? {
            guard let dir = store.existing(name) else { return nil }
            if let info = try CheckpointInfo.read(dir) { return info.step }
            // Checkpoints written before checkpoint.json: `last` has its trainer state, `best` the results' best step.
            if name == "last" {
                let state = dir.appendingPathComponent(RunFolder.trainerStateFile)
                return (try? StrictJSON.decode(StepOnly.self, path: state.path))?.step
            }
            return name == "best" ? results?.bestStep : nil
        }
        let stopped = results?.stoppedEarly ?? false
        // With stages, the run is finished when every stage is (a stage stopped early leaves steps untaken).
        let finished = results.map { r in r.stages.map { $0.count == experiment.stageCount } ?? (r.steps >= maxSteps || r.stoppedEarly) } ?? false
        return TrainingStatus(finished: finished, step: try checkpoint.flatMap { try step(of: $0) },
                              stepsTrained: try results?.steps ?? step(of: "last"), maxSteps: maxSteps, stoppedEarly: stopped)
    }

    private struct StepOnly: Decodable { var step: Int }

    /// One line for printed output and reports, e.g. `checkpoint best (step 40); training finished: 60 of 60
    /// steps` or `checkpoint last (step 20); training NOT finished: 20 of 60 steps …`. Without a checkpoint
    /// name only the training part.
    public func line(checkpoint: String?) -> String {
        let at = checkpoint.map { "checkpoint \($0) (" + (step.map { "step \($0)" } ?? "step unknown") + "); " } ?? ""
        let trained = stepsTrained.map { "\($0) of \(maxSteps) steps" } ?? "no step saved of \(maxSteps)"
        if finished {
            return at + "training finished: \(trained)" + (stoppedEarly ? " (stopped early)" : "")
        }
        return at + "training NOT finished: \(trained) (the run was stopped, or is still training)"
            + (checkpoint == nil ? "" : ": these scores are not those of a finished run")
    }
}
