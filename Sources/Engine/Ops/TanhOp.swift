import Platform
import Foundation

/// tanh (BERT's pooler activation) and its backward dx = dy · (1 − y²), from the saved output.
public enum TanhOp {
    public static func forward(x: Tensor, y: Tensor) throws {
        try EngineError.require(x.count == y.count, "tanh", "x \(x.shape) into y \(y.shape)")
        // Parallel.ranges (a C kernel, nothing captured): a training step's pooler allocates nothing.
        Parallel.ranges(x.count, grain: 4096, (FloatPointer(x.data), y.data)) { raw, lo, hi in
            let (xp, yp) = raw.load(as: (FloatPointer, MutableFloatPointer).self)
            for i in lo..<hi { yp[i] = TanhOp.fastTanh(xp[i]) }
        }
    }
    public static func backward(dy: Tensor, y: Tensor, dx: Tensor) throws {
        try EngineError.require(y.count == dy.count && dx.count == y.count, "tanh.backward", "dy \(dy.shape), y \(y.shape), dx \(dx.shape)")
        Parallel.ranges(y.count, grain: 4096, (FloatPointer(dy.data), FloatPointer(y.data), dx.data)) { raw, lo, hi in
            let (dyp, yp, dxp) = raw.load(as: (FloatPointer, FloatPointer, MutableFloatPointer).self)
            for i in lo..<hi { dxp[i] = dyp[i] * (1 - yp[i] * yp[i]) }
        }
    }
    /// tanh(x) = sign(x)(1 − 2/(e^{2|x|} + 1)); below |x| < 0.004 the odd series x − x³/3 keeps relative accuracy.
    @inline(__always) static func fastTanh(_ x: Float) -> Float {
        let a = Swift.abs(x)
        if a < 0.004 { return x - x * x * x / 3 }
        let t = 1 - 2 / (FastMath.exp(2 * a) + 1)
        return x < 0 ? -t : t
    }
    public static func naive(_ x: Double) -> Double { Foundation.tanh(x) }
}
