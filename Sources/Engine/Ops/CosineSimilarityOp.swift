import Platform

/// Row-wise cosine similarity c = a·b / (max(‖a‖, eps) · max(‖b‖, eps)) of a, b [N, D] into [N], and its
/// backward (accumulated into da and db).
public enum CosineSimilarityOp {
    public static func forward(a: Tensor, b: Tensor, out: Tensor, eps: Float = 1e-8) throws {
        try EngineError.require(a.shape == b.shape && out.count == a.shape.rows, "cosine_similarity", "a \(a.shape), b \(b.shape), out \(out.shape)")
        let d = a.shape.last, ap = a.data, bp = b.data, op = out.data
        Threads.parallelRanges(a.shape.rows, grain: 16) { range in
            for r in range {
                var ab: Float = 0, aa: Float = 0, bb: Float = 0
                for c in 0..<d {
                    let x = ap[r * d + c], y = bp[r * d + c]
                    ab += x * y; aa += x * x; bb += y * y
                }
                op[r] = ab / (Swift.max(aa.squareRoot(), eps) * Swift.max(bb.squareRoot(), eps))
            }
        }
    }
    public static func backward(dOut: Tensor, a: Tensor, b: Tensor, dA: Tensor, dB: Tensor, eps: Float = 1e-8) throws {
        try EngineError.require(a.shape == b.shape && dA.shape == a.shape && dB.shape == b.shape && dOut.count == a.shape.rows,
                                "cosine_similarity.backward", "dOut \(dOut.shape), a \(a.shape), b \(b.shape), dA \(dA.shape), dB \(dB.shape)")
        let d = a.shape.last, ap = a.data, bp = b.data, gp = dOut.data, dap = dA.data, dbp = dB.data
        Threads.parallelRanges(a.shape.rows, grain: 16) { range in
            for r in range {
                var ab: Float = 0, aa: Float = 0, bb: Float = 0
                for c in 0..<d {
                    let x = ap[r * d + c], y = bp[r * d + c]
                    ab += x * y; aa += x * x; bb += y * y
                }
                let na = Swift.max(aa.squareRoot(), eps), nb = Swift.max(bb.squareRoot(), eps)
                let cos = ab / (na * nb), g = gp[r]
                // Where a norm is floored at eps it is a constant, so its term drops out.
                let ka = aa.squareRoot() > eps ? cos / (na * na) : 0
                let kb = bb.squareRoot() > eps ? cos / (nb * nb) : 0
                for c in 0..<d {
                    let x = ap[r * d + c], y = bp[r * d + c]
                    dap[r * d + c] += g * (y / (na * nb) - ka * x)
                    dbp[r * d + c] += g * (x / (na * nb) - kb * y)
                }
            }
        }
    }
}
