import Platform

/// Residual add out = a + b; its backward passes dout to both inputs (callers add it where they keep
/// the running gradient).
public enum ResidualOp {
    public static func forward(_ a: Tensor, _ b: Tensor, into out: Tensor) throws {
        try EngineError.require(a.shape == b.shape && out.count == a.count, "residual_add", "\(a.shape) + \(b.shape) into \(out.shape)")
        forwardUnchecked(a.data, b.data, out.data, count: a.count)
    }
    static func forwardUnchecked(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count, grain: 8192, (a, b, out)) { raw, lo, hi in
            let (a, b, out) = raw.load(as: (FloatPointer, FloatPointer, MutableFloatPointer).self)
            for i in lo..<hi { out[i] = a[i] + b[i] }
        }
    }
    /// dst += src, elementwise.
    public static func accumulate(_ src: Tensor, into dst: Tensor) throws {
        try EngineError.require(src.count == dst.count, "residual_add.backward", "\(src.shape) into \(dst.shape)")
        accumulateUnchecked(src.data, into: dst.data, count: src.count)
    }
    static func accumulateUnchecked(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count, grain: 8192, (src, dst)) { raw, lo, hi in
            let (src, dst) = raw.load(as: (FloatPointer, MutableFloatPointer).self)
            for i in lo..<hi { dst[i] += src[i] }
        }
    }
}
