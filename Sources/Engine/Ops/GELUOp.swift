import Platform
import Foundation

/// GELU in its exact erf form (PyTorch's default, HF's "gelu"): y = x · Φ(x) = ½x(1 + erf(x/√2)).
public enum GELUOp {
    public static func forward(x: Tensor, y: Tensor) throws {
        try EngineError.require(x.count == y.count, "gelu", "x \(x.shape) into y \(y.shape)")
        forwardUnchecked(x.data, y.data, count: x.count)
    }
    static func forwardUnchecked(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count, grain: 4096, (x, y)) { raw, lo, hi in
            let (x, y) = raw.load(as: (FloatPointer, MutableFloatPointer).self)
            if FloatPointer(y) == x {
                // In place (the inference pass): one pointer, so the vectorizer's overlap check does not send
                // it down the scalar path.
                for i in lo..<hi {
                    let v = y[i]
                    y[i] = 0.5 * v * (1 + FastMath.erf(v * 0.707_106_781_186_547_5))
                }
                return
            }
            for i in lo..<hi {
                let v = x[i]
                y[i] = 0.5 * v * (1 + FastMath.erf(v * 0.707_106_781_186_547_5))
            }
        }
    }

    /// dx = dy · (Φ(x) + x · φ(x)); written in place over `dy` when `dx` is the same storage.
    public static func backward(dy: Tensor, x: Tensor, dx: Tensor) throws {
        try EngineError.require(x.count == dy.count && dx.count == x.count, "gelu.backward", "dy \(dy.shape), x \(x.shape), dx \(dx.shape)")
        backwardUnchecked(dy.data, x.data, dx.data, count: x.count)
    }
    static func backwardUnchecked(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count, grain: 4096, (dy, x, dx)) { raw, lo, hi in
            let (dy, x, dx) = raw.load(as: (FloatPointer, FloatPointer, MutableFloatPointer).self)
            if FloatPointer(dx) == dy {
                // In place: one pointer, so the vectorizer's overlap check does not send it down the scalar path.
                for i in lo..<hi {
                    let v = x[i]
                    let cdf = 0.5 * (1 + FastMath.erf(v * 0.707_106_781_186_547_5))
                    let pdf = 0.398_942_280_401_432_7 * FastMath.exp(-0.5 * v * v)
                    dx[i] *= cdf + v * pdf
                }
                return
            }
            for i in lo..<hi {
                let v = x[i]
                let cdf = 0.5 * (1 + FastMath.erf(v * 0.707_106_781_186_547_5))
                let pdf = 0.398_942_280_401_432_7 * FastMath.exp(-0.5 * v * v)
                dx[i] = dy[i] * (cdf + v * pdf)
            }
        }
    }

    public static func naive(_ x: Double) -> Double { 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())) }
    public static func naiveDerivative(_ x: Double) -> Double {
        0.5 * (1 + Foundation.erf(x / 2.0.squareRoot())) + x * Foundation.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }
}
