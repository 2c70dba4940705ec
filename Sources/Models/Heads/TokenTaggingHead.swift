import Engine

/// One label per token: dropout → projection of every hidden state, cross-entropy over the tokens whose
/// label is not the ignore index (the data pipeline labels each word's first subword only).
public final class TokenTaggingHead: TaskHead {
    public let spec: HeadSpec
    let proj: Linear
    private let maskBuf = ScratchBuffer(), droppedBuf = ScratchBuffer(), logitsBuf = ScratchBuffer(), rowLossBuf = ScratchBuffer()
    private var usedDropout = false

    public init(_ spec: HeadSpec, hiddenSize: Int, store: ParameterStore, initializerRange: Float = 0.02) throws {
        self.spec = spec
        proj = try Linear(TaskHeads.prefix(spec.name) + "proj", inFeatures: hiddenSize, outFeatures: spec.labels.count,
                          store: store, initializerRange: initializerRange)
    }

    private func logits(_ input: HeadInput, dropoutSeed: UInt64?) throws -> Tensor {
        let rows = input.sequences * input.length, h = input.width
        let x = try input.hidden.reshaped(.matrix(rows, h))
        var source = x
        usedDropout = dropoutSeed != nil && spec.dropout > 0
        if usedDropout, let seed = dropoutSeed {
            let mask = maskBuf.tensor(.matrix(rows, h)), dropped = droppedBuf.tensor(.matrix(rows, h))
            try DropoutOp.makeMask(mask, probability: spec.dropout, seed: seed, offset: input.rowOffset * input.length * h)
            try DropoutOp.apply(x, mask: mask, into: dropped)
            source = dropped
        }
        let out = logitsBuf.tensor(.matrix(rows, spec.labels.count))
        try proj.forward(source, into: out)
        return out
    }

    public func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float {
        try input.validate("head \(spec.name)")
        guard case .tokenClasses(let tags) = targets else { throw targetsMismatch(spec, "per-token class") }
        let rows = input.sequences * input.length, h = input.width
        try EngineError.require(tags.count == rows, "head \(spec.name)", "\(tags.count) tags for \(rows) token positions")
        let out = try logits(input, dropoutSeed: dropoutSeed)
        let rowLoss = rowLossBuf.tensor(.vector(rows))
        let (loss, _) = try tags.withUnsafeBufferPointer {
            try CrossEntropyOp.forward(logits: out, targets: $0, rowLoss: rowLoss, writeGradient: dHidden != nil)
        }
        if let dHidden {
            try EngineError.check("head \(spec.name)", "d hidden", dHidden.shape, equals: input.hidden.shape)
            let dx = try dHidden.reshaped(.matrix(rows, h))
            let x = usedDropout ? droppedBuf.tensor(.matrix(rows, h)) : try input.hidden.reshaped(.matrix(rows, h))
            try proj.backward(dy: out, x: x, dx: dx)
            if usedDropout { try DropoutOp.apply(dx, mask: maskBuf.tensor(.matrix(rows, h)), into: dx) }
        }
        return loss
    }

    public func predict(_ input: HeadInput) throws -> HeadPrediction {
        try input.validate("head \(spec.name)")
        let out = try logits(input, dropoutSeed: nil)
        guard case .classes(let best, _) = argmaxRows(out) else { return .tokenClasses([]) }
        let t = input.length
        return .tokenClasses((0..<input.sequences).map { Array(best[($0 * t)..<(($0 + 1) * t)]) })
    }
}
