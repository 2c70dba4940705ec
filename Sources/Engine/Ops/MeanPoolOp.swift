import Platform

/// Mean over the tokens of each sequence where the mask is nonzero (sentence-transformers' mean pooling,
/// with its 1e-9 floor on the count): x [B, T, D] → out [B, D].
public enum MeanPoolOp {
    static func validate(_ op: String, _ x: Tensor, _ mask: UnsafeBufferPointer<Int32>?, _ out: Tensor) throws {
        try EngineError.require(x.shape.rank == 3 && out.shape.rows == x.shape[0] && out.shape.last == x.shape[2]
                                && (mask == nil || mask!.count >= x.shape[0] * x.shape[1]), op,
                                "x \(x.shape) (expected [B, T, D]), mask \(mask.map { "\($0.count)" } ?? "none"), out \(out.shape)")
    }
    @inline(__always) static func count(_ mask: UnsafeBufferPointer<Int32>?, _ b: Int, _ t: Int) -> Float {
        guard let mask else { return Float(t) }
        var n = 0
        for i in 0..<t where mask[b * t + i] != 0 { n += 1 }
        return Swift.max(Float(n), 1e-9)
    }

    public static func forward(x: Tensor, mask: UnsafeBufferPointer<Int32>?, out: Tensor) throws {
        try validate("mean_pool", x, mask, out)
        let bN = x.shape[0], t = x.shape[1], d = x.shape[2], xp = x.data, op = out.data
        Threads.parallelRanges(bN, grain: 1) { range in
            for b in range {
                let o = op + b * d
                o.update(repeating: 0, count: d)
                for i in 0..<t where mask == nil || mask![b * t + i] != 0 {
                    let r = xp + (b * t + i) * d
                    for c in 0..<d { o[c] += r[c] }
                }
                let inv = 1 / count(mask, b, t)
                for c in 0..<d { o[c] *= inv }
            }
        }
    }

    /// dx[b, t, :] = mask · dOut[b, :] / count (written, not accumulated).
    public static func backward(dOut: Tensor, mask: UnsafeBufferPointer<Int32>?, dx: Tensor) throws {
        try validate("mean_pool.backward", dx, mask, dOut)
        let bN = dx.shape[0], t = dx.shape[1], d = dx.shape[2], gp = dOut.data, dp = dx.data
        Threads.parallelRanges(bN, grain: 1) { range in
            for b in range {
                let inv = 1 / count(mask, b, t)
                for i in 0..<t {
                    let r = dp + (b * t + i) * d
                    if mask != nil && mask![b * t + i] == 0 { r.update(repeating: 0, count: d); continue }
                    for c in 0..<d { r[c] = gp[b * d + c] * inv }
                }
            }
        }
    }
}
