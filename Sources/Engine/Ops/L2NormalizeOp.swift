import Platform

/// Row-wise L2 normalization y = x / max(‖x‖, eps) (torch.nn.functional.normalize, eps 1e-12) and its backward
/// dx = (dy − y (y·dy)) / ‖x‖.
public enum L2NormalizeOp {
    public static func forward(x: Tensor, y: Tensor, norms: Tensor, eps: Float = 1e-12) throws {
        try EngineError.require(x.shape == y.shape && norms.count >= x.shape.rows, "l2_normalize", "x \(x.shape), y \(y.shape), norms \(norms.shape)")
        let d = x.shape.last, xp = x.data, yp = y.data, np = norms.data
        Threads.parallelRanges(x.shape.rows, grain: 16) { range in
            for r in range {
                var s: Float = 0
                for c in 0..<d { s += xp[r * d + c] * xp[r * d + c] }
                let n = Swift.max(s.squareRoot(), eps)
                np[r] = n
                let inv = 1 / n
                for c in 0..<d { yp[r * d + c] = xp[r * d + c] * inv }
            }
        }
    }
    public static func backward(dy: Tensor, y: Tensor, norms: Tensor, dx: Tensor, eps: Float = 1e-12) throws {
        try EngineError.require(dy.shape == y.shape && dx.shape == y.shape && norms.count >= y.shape.rows, "l2_normalize.backward",
                                "dy \(dy.shape), y \(y.shape), dx \(dx.shape), norms \(norms.shape)")
        let d = y.shape.last, gp = dy.data, yp = y.data, np = norms.data, dp = dx.data
        Threads.parallelRanges(y.shape.rows, grain: 16) { range in
            for r in range {
                let n = np[r]
                if n <= eps { for c in 0..<d { dp[r * d + c] = gp[r * d + c] / eps }; continue }
                var dot: Float = 0
                for c in 0..<d { dot += yp[r * d + c] * gp[r * d + c] }
                let inv = 1 / n
                for c in 0..<d { dp[r * d + c] = (gp[r * d + c] - yp[r * d + c] * dot) * inv }
            }
        }
    }
}
