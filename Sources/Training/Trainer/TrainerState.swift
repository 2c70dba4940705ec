import Runs
import Tasks
import Foundation
import Platform

/// Everything besides weights and optimizer moments that decides how training continues: saved in
/// every `last` checkpoint, so `--resume` picks up exactly where the run was.
public struct TrainerState: Codable, Equatable, Sendable {
    /// Optimizer steps done.
    public var step: Int
    public var sampler: TaskSampler
    /// One per task, in experiment order.
    public var iterators: [EpochIterator]
    /// Draws MLM masks of training batches.
    public var masking: RandomStream
    public var encoderDropout: RandomStream
    public var headDropout: RandomStream
    public var tracker: SelectionTracker
    public var tokensSeen: Int
    public var stoppedEarly: Bool
    public var bestEvaluation: EvaluationRecord?
    public var lastEvaluation: EvaluationRecord?
    /// A run with stages: where the stages stand (absent without stages).
    public var stages: StageProgress?

    enum CodingKeys: String, CodingKey {
        case step, sampler, iterators, masking, encoderDropout = "encoder_dropout", headDropout = "head_dropout"
        case tracker, tokensSeen = "tokens_seen", stoppedEarly = "stopped_early"
        case bestEvaluation = "best_evaluation", lastEvaluation = "last_evaluation", stages
    }
}

/// How far a run with stages got: the stages finished (so the current one is `finished.count`), the step
/// the current stage began after, and the forgetting matrix's rows so far (row 0 at the start, row j
/// after stage j, so `scores.count == finished.count + 1` in every saved state). The sampler,
/// selection tracker and `stopped_early` of `TrainerState` are the current stage's.
public struct StageProgress: Codable, Equatable, Sendable {
    public var finished: [StageOutcome]
    public var startStep: Int
    public var scores: [[Double]]

    public init(finished: [StageOutcome] = [], startStep: Int = 0, scores: [[Double]] = []) {
        self.finished = finished; self.startStep = startStep; self.scores = scores
    }

    enum CodingKeys: String, CodingKey { case finished, startStep = "start_step", scores }
}

