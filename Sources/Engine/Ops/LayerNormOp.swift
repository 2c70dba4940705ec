import Platform

/// Layer normalization over the last dimension: y = (x − mean) · rstd · γ + β, with rstd = 1/√(var + eps)
/// and the biased variance (as PyTorch). Forward saves mean and rstd per row for the backward.
public enum LayerNormOp {
    static func validate(_ op: String, _ x: Tensor, _ gamma: Tensor, _ beta: Tensor, _ y: Tensor, _ mean: Tensor, _ rstd: Tensor) throws {
        let d = x.shape.last
        try EngineError.require(gamma.count == d && beta.count == d && y.shape == x.shape
                                && mean.count >= x.shape.rows && rstd.count >= x.shape.rows, op,
                                "x \(x.shape), γ \(gamma.shape), β \(beta.shape), y \(y.shape), mean \(mean.shape), rstd \(rstd.shape)")
    }

    public static func forward(x: Tensor, gamma: Tensor, beta: Tensor, eps: Float, y: Tensor, mean: Tensor, rstd: Tensor) throws {
        try validate("layer_norm", x, gamma, beta, y, mean, rstd)
        forwardUnchecked(x: x.data, gamma: gamma.data, beta: beta.data, eps: eps, y: y.data, mean: mean.data,
                         rstd: rstd.data, rows: x.shape.rows, dim: x.shape.last)
    }

    static func forwardUnchecked(x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                                 y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                                 rows: Int, dim: Int) {
        typealias Args = (FloatPointer, FloatPointer, FloatPointer, Float, MutableFloatPointer, MutableFloatPointer, MutableFloatPointer, Int)
        Parallel.ranges(rows, grain: 16, (x, gamma, beta, eps, y, mean, rstd, dim) as Args) { raw, lo, hi in
            let (x, gamma, beta, eps, y, mean, rstd, dim) = raw.load(as: Args.self)
            for r in lo..<hi {
                let xr = x + r * dim, yr = y + r * dim
                var s: Float = 0
                for i in 0..<dim { s += xr[i] }
                let m = s / Float(dim)
                var v: Float = 0
                for i in 0..<dim { let d = xr[i] - m; v += d * d }
                let rs = 1 / (v / Float(dim) + eps).squareRoot()
                for i in 0..<dim { yr[i] = (xr[i] - m) * rs * gamma[i] + beta[i] }
                mean[r] = m; rstd[r] = rs
            }
        }
    }

    /// dx = rstd · (dŷ − mean(dŷ) − x̂ · mean(dŷ · x̂)) with dŷ = dy · γ; dγ += Σ dy · x̂, dβ += Σ dy.
    /// `dx` is written, or added to when `accumulate` (pre-LN residual paths).
    public static func backward(dy: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor,
                                dx: Tensor, dGamma: Tensor?, dBeta: Tensor?, accumulate: Bool = false) throws {
        try validate("layer_norm.backward", x, gamma, gamma, dy, mean, rstd)
        try EngineError.check("layer_norm.backward", "dx", dx.shape, equals: x.shape)
        backwardUnchecked(dy: dy.data, x: x.data, gamma: gamma.data, mean: mean.data, rstd: rstd.data, dx: dx.data,
                          dGamma: dGamma?.data, dBeta: dBeta?.data, rows: x.shape.rows, dim: x.shape.last, accumulate: accumulate)
    }

    static func backwardUnchecked(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                  dGamma: UnsafeMutablePointer<Float>?, dBeta: UnsafeMutablePointer<Float>?,
                                  rows: Int, dim: Int, accumulate: Bool) {
        typealias Args = (FloatPointer, FloatPointer, FloatPointer, FloatPointer, FloatPointer, MutableFloatPointer, Int, Bool)
        Parallel.ranges(rows, grain: 16, (dy, x, gamma, mean, rstd, dx, dim, accumulate) as Args) { raw, lo, hi in
            let (dy, x, gamma, mean, rstd, dx, dim, accumulate) = raw.load(as: Args.self)
            for r in lo..<hi {
                let xr = x + r * dim, dyr = dy + r * dim, dxr = dx + r * dim
                let m = mean[r], rs = rstd[r]
                var sumG: Float = 0, sumGX: Float = 0
                for i in 0..<dim {
                    let g = dyr[i] * gamma[i]
                    sumG += g
                    sumGX += g * (xr[i] - m) * rs
                }
                let mg = sumG / Float(dim), mgx = sumGX / Float(dim)
                if accumulate {
                    for i in 0..<dim { dxr[i] += rs * (dyr[i] * gamma[i] - mg - (xr[i] - m) * rs * mgx) }
                } else {
                    for i in 0..<dim { dxr[i] = rs * (dyr[i] * gamma[i] - mg - (xr[i] - m) * rs * mgx) }
                }
            }
        }
        guard dGamma != nil || dBeta != nil else { return }
        // Parameter gradients are column sums: split by columns so each is summed in one fixed order.
        typealias Sums = (FloatPointer, FloatPointer, FloatPointer, FloatPointer, MutableFloatPointer?, MutableFloatPointer?, Int, Int)
        Parallel.ranges(dim, grain: 32, (dy, x, mean, rstd, dGamma, dBeta, rows, dim) as Sums) { raw, lo, hi in
            let (dy, x, mean, rstd, dGamma, dBeta, rows, dim) = raw.load(as: Sums.self)
            for r in 0..<rows {
                let xr = x + r * dim, dyr = dy + r * dim
                let m = mean[r], rs = rstd[r]
                if let dGamma { for i in lo..<hi { dGamma[i] += dyr[i] * (xr[i] - m) * rs } }
                if let dBeta { for i in lo..<hi { dBeta[i] += dyr[i] } }
            }
        }
    }

    /// The reference: two-pass statistics in Double.
    public static func naiveForward(x: Tensor, gamma: Tensor, beta: Tensor, eps: Float, y: Tensor) {
        let d = x.shape.last
        for r in 0..<x.shape.rows {
            var m = 0.0
            for i in 0..<d { m += Double(x.data[r * d + i]) }
            m /= Double(d)
            var v = 0.0
            for i in 0..<d { let t = Double(x.data[r * d + i]) - m; v += t * t }
            let rs = 1 / (v / Double(d) + Double(eps)).squareRoot()
            for i in 0..<d { y.data[r * d + i] = Float((Double(x.data[r * d + i]) - m) * rs * Double(gamma.data[i]) + Double(beta.data[i])) }
        }
    }
}
