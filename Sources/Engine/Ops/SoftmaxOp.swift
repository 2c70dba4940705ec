import Platform
import Foundation

/// Softmax and log-softmax over the last dimension, with backward from the saved output.
public enum SoftmaxOp {
    public static func forward(x: Tensor, y: Tensor) throws {
        try EngineError.require(x.shape == y.shape, "softmax", "x \(x.shape) into y \(y.shape)")
        let n = x.shape.last, xp = x.data, yp = y.data
        Threads.parallelRanges(x.shape.rows, grain: 8) { range in
            for r in range { softmaxRow(xp + r * n, yp + r * n, n) }
        }
    }
    @inline(__always) static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var m = -Float.infinity
        for j in 0..<n { m = Swift.max(m, x[j]) }
        var s: Float = 0
        for j in 0..<n { let e = FastMath.exp(x[j] - m); y[j] = e; s += e }
        let inv = 1 / s
        for j in 0..<n { y[j] *= inv }
    }
    /// dx = y ⊙ (dy − Σ dy ⊙ y).
    public static func backward(dy: Tensor, y: Tensor, dx: Tensor) throws {
        try EngineError.require(dy.shape == y.shape && dx.shape == y.shape, "softmax.backward", "dy \(dy.shape), y \(y.shape), dx \(dx.shape)")
        let n = y.shape.last, dyp = dy.data, yp = y.data, dxp = dx.data
        Threads.parallelRanges(y.shape.rows, grain: 8) { range in
            for r in range {
                let o = r * n
                var dot: Float = 0
                for j in 0..<n { dot += dyp[o + j] * yp[o + j] }
                for j in 0..<n { dxp[o + j] = yp[o + j] * (dyp[o + j] - dot) }
            }
        }
    }

    public static func logSoftmaxForward(x: Tensor, y: Tensor) throws {
        try EngineError.require(x.shape == y.shape, "log_softmax", "x \(x.shape) into y \(y.shape)")
        let n = x.shape.last, xp = x.data, yp = y.data
        Threads.parallelRanges(x.shape.rows, grain: 8) { range in
            for r in range {
                let xr = xp + r * n, yr = yp + r * n
                var m = -Float.infinity
                for j in 0..<n { m = Swift.max(m, xr[j]) }
                var s: Float = 0
                for j in 0..<n { s += FastMath.exp(xr[j] - m) }
                let lse = m + Foundation.log(s)
                for j in 0..<n { yr[j] = xr[j] - lse }
            }
        }
    }
    /// dx = dy − softmax · Σ dy, from the saved log-probabilities.
    public static func logSoftmaxBackward(dy: Tensor, y: Tensor, dx: Tensor) throws {
        try EngineError.require(dy.shape == y.shape && dx.shape == y.shape, "log_softmax.backward", "dy \(dy.shape), y \(y.shape), dx \(dx.shape)")
        let n = y.shape.last, dyp = dy.data, yp = y.data, dxp = dx.data
        Threads.parallelRanges(y.shape.rows, grain: 8) { range in
            for r in range {
                let o = r * n
                var s: Float = 0
                for j in 0..<n { s += dyp[o + j] }
                for j in 0..<n { dxp[o + j] = dyp[o + j] - FastMath.exp(yp[o + j]) * s }
            }
        }
    }

    public static func naive(_ x: [Double]) -> [Double] {
        let m = x.max() ?? 0
        let e = x.map { Foundation.exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
}
