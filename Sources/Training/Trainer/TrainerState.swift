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

    enum CodingKeys: String, CodingKey {
        case step, sampler, iterators, masking, encoderDropout = "encoder_dropout", headDropout = "head_dropout"
        case tracker, tokensSeen = "tokens_seen", stoppedEarly = "stopped_early"
        case bestEvaluation = "best_evaluation", lastEvaluation = "last_evaluation"
    }
}

