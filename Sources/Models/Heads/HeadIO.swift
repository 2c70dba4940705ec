import Engine

/// The encoder's output for a batch, as a head reads it.
public struct HeadInput {
    /// Final hidden states [N, T, H].
    public var hidden: Tensor
    /// 1 for real tokens, 0 for padding; N·T entries.
    public var attentionMask: [Int32]
    /// Span QA: 1 where an answer may start or end (the context's tokens); nil allows every real token.
    public var candidateMask: [Int32]?
    /// Sequences of a whole batch before these (a distributed rank's share): the head's dropout masks are
    /// drawn at their place in the whole batch's.
    public var rowOffset: Int

    public init(hidden: Tensor, attentionMask: [Int32], candidateMask: [Int32]? = nil, rowOffset: Int = 0) {
        self.hidden = hidden; self.attentionMask = attentionMask; self.candidateMask = candidateMask; self.rowOffset = rowOffset
    }

    public var sequences: Int { hidden.shape[0] }
    public var length: Int { hidden.shape[1] }
    public var width: Int { hidden.shape[2] }

    func validate(_ op: String) throws {
        try EngineError.require(hidden.shape.rank == 3, op, "hidden states \(hidden.shape), expected [N, T, H]")
        try EngineError.require(attentionMask.count == sequences * length, op,
                                "attention mask has \(attentionMask.count) entries for hidden states \(hidden.shape)")
        if let c = candidateMask {
            try EngineError.require(c.count == sequences * length, op, "candidate mask has \(c.count) entries for hidden states \(hidden.shape)")
        }
    }
}

/// Gold values for a head's loss.
public enum HeadTargets {
    /// One class id per sequence (or per example for multiple choice); `CrossEntropyOp.ignoreIndex` skips one.
    case classes([Int32])
    /// One value per sequence (regression) or one 0/1 target per pair (label matching).
    case values([Float])
    /// One tag id per token (N·T), `CrossEntropyOp.ignoreIndex` on subword continuations, specials and padding.
    case tokenClasses([Int32])
    /// Start and end token per sequence (span QA).
    case spans(start: [Int32], end: [Int32])
    /// Embedding head: the batch's first half are sources, the second half their translations.
    case parallelPairs
}

/// A span chosen by the QA head, in tokens of its sequence (inclusive end).
public struct PredictedSpan: Equatable, Sendable {
    public var start: Int
    public var end: Int
    public var score: Float
    public init(start: Int, end: Int, score: Float) { self.start = start; self.end = end; self.score = score }
}

/// What a head predicts for a batch.
public enum HeadPrediction {
    /// Best class per sequence (per example for multiple choice / label-matching groups) and all the scores.
    case classes([Int], scores: [[Float]])
    case values([Float])
    /// Best tag per token, per sequence (padding positions included; callers read the positions they labelled).
    case tokenClasses([[Int]])
    case spans([PredictedSpan], startLogits: [[Float]], endLogits: [[Float]])
    case embeddings([[Float]])
}
