import Platform

/// Bias add over rows (y[r, :] += b) and its backward (db += Σ_r dy[r, :]).
public enum BiasOp {
    public static func forward(_ y: Tensor, bias: Tensor) throws {
        try EngineError.require(bias.count == y.shape.last, "bias_add", "bias \(bias.shape) onto \(y.shape)")
        Parallel.ranges(y.shape.rows, grain: 16, (FloatPointer(bias.data), y.data, y.shape.last)) { raw, lo, hi in
            let (b, yp, cols) = raw.load(as: (FloatPointer, MutableFloatPointer, Int).self)
            for r in lo..<hi {
                let row = yp + r * cols
                for c in 0..<cols { row[c] += b[c] }
            }
        }
    }
    public static func backward(dy: Tensor, dBias: Tensor) throws {
        try EngineError.require(dBias.count == dy.shape.last, "bias_add.backward", "dBias \(dBias.shape) from dy \(dy.shape)")
        accumulateColumnSums(dy.data, rows: dy.shape.rows, cols: dy.shape.last, into: dBias.data)
    }

    static func broadcastRows(bias: UnsafePointer<Float>, rows: Int, cols: Int, into y: UnsafeMutablePointer<Float>) {
        Parallel.ranges(rows, grain: 32, (bias, y, cols)) { raw, lo, hi in
            let (bias, y, cols) = raw.load(as: (FloatPointer, MutableFloatPointer, Int).self)
            for r in lo..<hi { (y + r * cols).update(from: bias, count: cols) }
        }
    }

    /// Column sums split by column ranges, so each output is summed in one fixed order (deterministic
    /// for any thread count) and threads never share an output.
    static func accumulateColumnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        // Split by column ranges: each output is summed in one fixed order (deterministic for any
        // thread count) and threads never share an output.
        Parallel.ranges(cols, grain: 256, (x, rows, cols, out)) { raw, lo, hi in
            let (x, rows, cols, out) = raw.load(as: (FloatPointer, Int, Int, MutableFloatPointer).self)
            let w = hi - lo, o = out + lo
            for r in 0..<rows {
                let row = x + r * cols + lo
                for c in 0..<w { o[c] += row[c] }
            }
        }
    }

    public static func naiveColumnSums(_ x: Tensor) -> [Float] {
        var out = [Float](repeating: 0, count: x.shape.last)
        for c in 0..<x.shape.last {
            var s = 0.0
            for r in 0..<x.shape.rows { s += Double(x.data[r * x.shape.last + c]) }
            out[c] = Float(s)
        }
        return out
    }
}

