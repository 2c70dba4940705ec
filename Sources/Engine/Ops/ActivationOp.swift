import Platform
import Foundation

/// The non-linearities adapters use, by AdapterHub's names: `relu`, `swish` (x·σ(x), PyTorch's SiLU),
/// `gelu` (the exact erf form, `GELUOp`) and `tanh` (`TanhOp`). Forward y = f(x); backward from the saved
/// input x (and output y): dx = dy · f′(x).
public enum Activation: String, ConfigChoice {
    case relu, swish, gelu, tanh

    /// y = f(x) over `count` floats (x and y may be the same storage only for relu and tanh).
    func forwardUnchecked(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .gelu: GELUOp.forwardUnchecked(x, y, count: count)
        case .relu, .swish, .tanh:
            Parallel.ranges(count, grain: 4096, (x, y, self)) { raw, lo, hi in
                let (x, y, f) = raw.load(as: (FloatPointer, MutableFloatPointer, Activation).self)
                switch f {
                case .relu: for i in lo..<hi { y[i] = Swift.max(x[i], 0) }
                case .swish: for i in lo..<hi { let v = x[i]; y[i] = v / (1 + FastMath.exp(-v)) }
                case .tanh: for i in lo..<hi { y[i] = TanhOp.fastTanh(x[i]) }
                case .gelu: break
                }
            }
        }
    }

    /// dx = dy · f′(x), given the input x and the output y = f(x); dx may be dy's storage.
    func backwardUnchecked(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .gelu: GELUOp.backwardUnchecked(dy, x, dx, count: count)
        case .relu, .swish, .tanh:
            Parallel.ranges(count, grain: 4096, (dy, x, y, dx, self)) { raw, lo, hi in
                let (dy, x, y, dx, f) = raw.load(as: (FloatPointer, FloatPointer, FloatPointer, MutableFloatPointer, Activation).self)
                switch f {
                case .relu: for i in lo..<hi { dx[i] = x[i] > 0 ? dy[i] : 0 }
                case .swish:
                    for i in lo..<hi {
                        let s = 1 / (1 + FastMath.exp(-x[i]))
                        dx[i] = dy[i] * (s + y[i] * (1 - s))
                    }
                case .tanh: for i in lo..<hi { dx[i] = dy[i] * (1 - y[i] * y[i]) }
                case .gelu: break
                }
            }
        }
    }

    public func forward(x: Tensor, y: Tensor) throws {
        try EngineError.require(x.count == y.count, rawValue, "x \(x.shape) into y \(y.shape)")
        forwardUnchecked(x.data, y.data, count: x.count)
    }
    public func backward(dy: Tensor, x: Tensor, y: Tensor, dx: Tensor) throws {
        try EngineError.require(dy.count == x.count && y.count == x.count && dx.count == x.count, rawValue + ".backward",
                                "dy \(dy.shape), x \(x.shape), y \(y.shape), dx \(dx.shape)")
        backwardUnchecked(dy: dy.data, x: x.data, y: y.data, dx: dx.data, count: x.count)
    }

    /// The reference in Double, and its derivative.
    public func naive(_ x: Double) -> Double {
        switch self {
        case .relu: return Swift.max(x, 0)
        case .swish: return x / (1 + Foundation.exp(-x))
        case .gelu: return GELUOp.naive(x)
        case .tanh: return Foundation.tanh(x)
        }
    }
    public func naiveDerivative(_ x: Double) -> Double {
        switch self {
        case .relu: return x > 0 ? 1 : 0
        case .swish: let s = 1 / (1 + Foundation.exp(-x)); return s + x * s * (1 - s)
        case .gelu: return GELUOp.naiveDerivative(x)
        case .tanh: let t = Foundation.tanh(x); return 1 - t * t
        }
    }
}
