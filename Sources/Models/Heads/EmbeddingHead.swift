import Engine
import Platform

/// Sentence embeddings: pooled hidden states ([CLS] or masked mean), L2-normalized. Trained on parallel
/// sentences with the symmetric in-batch InfoNCE loss: for sources A and translations B (the batch's
/// two halves), S = A Bᵀ / τ and loss = ½ (CE(S, diag) + CE(Sᵀ, diag)). No weights of its own.
public final class EmbeddingHead: TaskHead {
    public let spec: HeadSpec
    private let pooledBuf = ScratchBuffer(), normedBuf = ScratchBuffer(), normsBuf = ScratchBuffer()
    private let simBuf = ScratchBuffer(), simTBuf = ScratchBuffer(), rowLossBuf = ScratchBuffer()
    private let dNormedBuf = ScratchBuffer(), dPooledBuf = ScratchBuffer()
    private var diagonal: [Int32] = []

    public init(_ spec: HeadSpec) { self.spec = spec }

    /// Normalized embeddings [N, H] of the batch; valid until the next call.
    public func embed(_ input: HeadInput) throws -> Tensor {
        try input.validate("head \(spec.name)")
        let n = input.sequences, t = input.length, h = input.width
        let pooled = pooledBuf.tensor(.matrix(n, h))
        switch spec.pooling {
        case .cls:
            for i in 0..<n { (pooled.data + i * h).update(from: input.hidden.data + i * t * h, count: h) }
        case .mean:
            try input.attentionMask.withUnsafeBufferPointer { try MeanPoolOp.forward(x: input.hidden, mask: $0, out: pooled) }
        }
        let normed = normedBuf.tensor(.matrix(n, h))
        try L2NormalizeOp.forward(x: pooled, y: normed, norms: normsBuf.tensor(.vector(n)))
        return normed
    }

    public func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float {
        guard case .parallelPairs = targets else { throw targetsMismatch(spec, "parallel-pair") }
        let total = input.sequences, h = input.width
        try EngineError.require(total >= 2 && total % 2 == 0, "head \(spec.name)",
                                "contrastive batch needs an even number (sources then translations) of sequences, got \(total)")
        let n = total / 2
        let e = try embed(input)
        let a = e.rows(0..<n), b = e.rows(n..<total)
        let invTau = 1 / spec.temperature
        let s = simBuf.tensor(.matrix(n, n)), st = simTBuf.tensor(.matrix(n, n))
        try Matmul.multiply(a, .none, b, .transposed, into: s, alpha: invTau)
        for i in 0..<n { for j in 0..<n { st[j * n + i] = s[i * n + j] } }
        if diagonal.count != n { diagonal = (0..<Int32(n)).map { $0 } }
        let rowLoss = rowLossBuf.tensor(.vector(n))
        let write = dHidden != nil
        let (l1, l2) = try diagonal.withUnsafeBufferPointer { d in
            (try CrossEntropyOp.forward(logits: s, targets: d, rowLoss: rowLoss, writeGradient: write, gradientScale: 0.5),
             try CrossEntropyOp.forward(logits: st, targets: d, rowLoss: rowLoss, writeGradient: write, gradientScale: 0.5))
        }
        if let dHidden {
            try EngineError.check("head \(spec.name)", "d hidden", dHidden.shape, equals: input.hidden.shape)
            // d S = d S₁ + (d S₂)ᵀ, folded into s.
            for i in 0..<n { for j in 0..<n { s[i * n + j] += st[j * n + i] } }
            let dNormed = dNormedBuf.tensor(.matrix(total, h))
            try Matmul.multiply(s, .none, b, .none, into: dNormed.rows(0..<n), alpha: invTau)
            try Matmul.multiply(s, .transposed, a, .none, into: dNormed.rows(n..<total), alpha: invTau)
            let dPooled = dPooledBuf.tensor(.matrix(total, h))
            try L2NormalizeOp.backward(dy: dNormed, y: e, norms: normsBuf.tensor(.vector(total)), dx: dPooled)
            switch spec.pooling {
            case .cls:
                dHidden.zero()
                let t = input.length
                for i in 0..<total { (dHidden.data + i * t * h).update(from: dPooled.data + i * h, count: h) }
            case .mean:
                try input.attentionMask.withUnsafeBufferPointer { try MeanPoolOp.backward(dOut: dPooled, mask: $0, dx: dHidden) }
            }
        }
        return (l1.loss + l2.loss) / 2
    }

    public func predict(_ input: HeadInput) throws -> HeadPrediction {
        let e = try embed(input)
        let h = input.width
        return .embeddings((0..<input.sequences).map { Array(UnsafeBufferPointer(start: e.data + $0 * h, count: h)) })
    }
}
