import Engine

/// One label per sequence (single sentences, or pairs encoded as one sequence with token types):
/// pooled → dense → tanh → dropout → projection to one logit per label, cross-entropy loss.
public final class SequenceClassificationHead: TaskHead {
    public let spec: HeadSpec
    let body: PooledProjection
    private let rowLossBuf = ScratchBuffer()

    public init(_ spec: HeadSpec, hiddenSize: Int, store: ParameterStore, initializerRange: Float = 0.02) throws {
        self.spec = spec
        body = try PooledProjection(prefix: TaskHeads.prefix(spec.name), hiddenSize: hiddenSize, outputs: spec.labels.count,
                                    pooling: spec.pooling, dropout: spec.dropout, store: store, initializerRange: initializerRange)
    }

    public func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float {
        try input.validate("head \(spec.name)")
        guard case .classes(let labels) = targets else { throw targetsMismatch(spec, "class") }
        try EngineError.require(labels.count == input.sequences, "head \(spec.name)", "\(labels.count) labels for \(input.sequences) sequences")
        let logits = try body.forward(input, dropoutSeed: dropoutSeed)
        let rowLoss = rowLossBuf.tensor(.vector(input.sequences))
        let (loss, _) = try labels.withUnsafeBufferPointer {
            try CrossEntropyOp.forward(logits: logits, targets: $0, rowLoss: rowLoss, writeGradient: dHidden != nil)
        }
        if let dHidden { try body.backward(input, dScores: logits, dHidden: dHidden) }
        return loss
    }

    public func predict(_ input: HeadInput) throws -> HeadPrediction {
        try input.validate("head \(spec.name)")
        let logits = try body.forward(input, dropoutSeed: nil)
        return argmaxRows(logits)
    }
}

/// Best column of each row, with the rows.
func argmaxRows(_ scores: Tensor) -> HeadPrediction {
    let n = scores.shape.rows, k = scores.shape.last
    var best: [Int] = [], all: [[Float]] = []
    for i in 0..<n {
        let row = Array(UnsafeBufferPointer(start: scores.data + i * k, count: k))
        var b = 0
        for j in 1..<max(1, k) where row[j] > row[b] { b = j }
        best.append(b); all.append(row)
    }
    return .classes(best, scores: all)
}
