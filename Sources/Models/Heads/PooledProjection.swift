import Engine
import Platform

/// The sequence-level head body BERT uses for classification: pool ([CLS] row or masked mean) →
/// dense → tanh → dropout → projection to `outputs` scores. Weights: `<prefix>dense.*` (the pooler, which
/// is BERT's `pooler.dense` when exported) and `<prefix>proj.*` (BERT's `classifier`).
final class PooledProjection {
    let dense: Linear
    let proj: Linear
    let pooling: Pooling
    let dropout: Float
    let hiddenSize: Int
    let outputs: Int
    private let pooledBuf = ScratchBuffer(), activeBuf = ScratchBuffer(), maskBuf = ScratchBuffer()
    private let droppedBuf = ScratchBuffer(), scoresBuf = ScratchBuffer()
    private let dDroppedBuf = ScratchBuffer(), dPreBuf = ScratchBuffer(), dPooledBuf = ScratchBuffer()
    private var usedDropout = false

    init(prefix: String, hiddenSize: Int, outputs: Int, pooling: Pooling, dropout: Float, store: ParameterStore,
         initializerRange: Float) throws {
        dense = try Linear(prefix + "dense", inFeatures: hiddenSize, outFeatures: hiddenSize, store: store, initializerRange: initializerRange)
        proj = try Linear(prefix + "proj", inFeatures: hiddenSize, outFeatures: outputs, store: store, initializerRange: initializerRange)
        self.pooling = pooling; self.dropout = dropout; self.hiddenSize = hiddenSize; self.outputs = outputs
    }

    /// Scores [N, outputs]; valid until the next call.
    func forward(_ input: HeadInput, dropoutSeed: UInt64?) throws -> Tensor {
        let n = input.sequences, h = hiddenSize
        try EngineError.require(input.width == h, "pooled_projection", "hidden states \(input.hidden.shape), head width \(h)")
        let pooled = pooledBuf.tensor(.matrix(n, h))
        try pool(input, into: pooled)
        let active = activeBuf.tensor(.matrix(n, h))
        try dense.forward(pooled, into: active)
        try TanhOp.forward(x: active, y: active)
        var x = active
        usedDropout = dropoutSeed != nil && dropout > 0
        if usedDropout, let seed = dropoutSeed {
            let mask = maskBuf.tensor(.matrix(n, h))
            try DropoutOp.makeMask(mask, probability: dropout, seed: seed, offset: input.rowOffset * h)
            let dropped = droppedBuf.tensor(.matrix(n, h))
            try DropoutOp.apply(active, mask: mask, into: dropped)
            x = dropped
        }
        let scores = scoresBuf.tensor(.matrix(n, outputs))
        try proj.forward(x, into: scores)
        return scores
    }

    /// Backward from d scores (the tensor `forward` returned or one of its shape) to d hidden (written).
    func backward(_ input: HeadInput, dScores: Tensor, dHidden: Tensor) throws {
        let n = input.sequences, h = hiddenSize
        try EngineError.check("pooled_projection.backward", "d hidden", dHidden.shape, equals: input.hidden.shape)
        let active = activeBuf.tensor(.matrix(n, h))
        let x = usedDropout ? droppedBuf.tensor(.matrix(n, h)) : active
        let dX = dDroppedBuf.tensor(.matrix(n, h))
        try proj.backward(dy: dScores, x: x, dx: dX)
        if usedDropout { try DropoutOp.apply(dX, mask: maskBuf.tensor(.matrix(n, h)), into: dX) }
        let dPre = dPreBuf.tensor(.matrix(n, h))
        try TanhOp.backward(dy: dX, y: active, dx: dPre)
        let dPooled = dPooledBuf.tensor(.matrix(n, h))
        try dense.backward(dy: dPre, x: pooledBuf.tensor(.matrix(n, h)), dx: dPooled)
        try unpool(input, dPooled: dPooled, into: dHidden)
    }

    private func pool(_ input: HeadInput, into pooled: Tensor) throws {
        let n = input.sequences, t = input.length, h = hiddenSize
        switch pooling {
        case .cls:
            for i in 0..<n { (pooled.data + i * h).update(from: input.hidden.data + i * t * h, count: h) }
        case .mean:
            try input.attentionMask.withUnsafeBufferPointer { try MeanPoolOp.forward(x: input.hidden, mask: $0, out: pooled) }
        }
    }

    private func unpool(_ input: HeadInput, dPooled: Tensor, into dHidden: Tensor) throws {
        let n = input.sequences, t = input.length, h = hiddenSize
        switch pooling {
        case .cls:
            dHidden.zero()
            for i in 0..<n { (dHidden.data + i * t * h).update(from: dPooled.data + i * h, count: h) }
        case .mean:
            try input.attentionMask.withUnsafeBufferPointer { try MeanPoolOp.backward(dOut: dPooled, mask: $0, dx: dHidden) }
        }
    }
}
