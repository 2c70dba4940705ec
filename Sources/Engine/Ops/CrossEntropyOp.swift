import Platform
import Foundation

/// Log-softmax and cross-entropy fused over rows of logits [N, C], with PyTorch's semantics: targets equal
/// to `ignoreIndex` do not count, the loss is the mean over counted rows, and label smoothing ε mixes the
/// one-hot target with the uniform distribution: loss = (1−ε)(lse − x_y) + ε(lse − mean x).
/// With `writeGradient` the logits are overwritten by d(scale·loss)/dlogits, so the vocabulary-sized
/// buffer is never duplicated.
public enum CrossEntropyOp {
    public static let ignoreIndex: Int32 = -100

    public static func validateTargets(_ targets: UnsafeBufferPointer<Int32>, rows: Int, classes: Int) throws {
        try EngineError.require(targets.count >= rows, "cross_entropy", "\(targets.count) targets for \(rows) rows of logits")
        for i in 0..<rows {
            let t = targets[i]
            if t != ignoreIndex && (t < 0 || Int(t) >= classes) {
                throw EngineError(op: "cross_entropy", "target \(t) at row \(i) is outside 0..<\(classes) (and not the ignore index \(ignoreIndex))")
            }
        }
    }

    /// Returns the mean loss and the number of counted rows. `rowLoss` (≥ N floats) is scratch that
    /// receives each row's loss so the sum is taken in one fixed order.
    public static func forward(logits: Tensor, targets: UnsafeBufferPointer<Int32>, labelSmoothing: Float = 0,
                               rowLoss: Tensor, writeGradient: Bool, gradientScale: Float = 1) throws -> (loss: Float, count: Int) {
        let n = logits.shape.rows, c = logits.shape.last
        try EngineError.require(rowLoss.count >= n, "cross_entropy", "row-loss scratch \(rowLoss.shape) for logits \(logits.shape)")
        try EngineError.require(labelSmoothing >= 0 && labelSmoothing < 1, "cross_entropy", "label smoothing \(labelSmoothing) outside [0, 1)")
        try validateTargets(targets, rows: n, classes: c)
        var counted = 0
        for i in 0..<n where targets[i] != ignoreIndex { counted += 1 }
        let x = logits.data, rl = rowLoss.data, tp = targets.baseAddress!
        let eps = labelSmoothing
        let g = counted > 0 ? gradientScale / Float(counted) : 0
        rows(x, rl, tp, n: n, classes: c, smoothing: eps, gradientScale: g, writeGradient: writeGradient)
        var total = 0.0
        for r in 0..<n { total += Double(rl[r]) }
        let loss = counted > 0 ? Float(total / Double(counted)) : 0
        if !loss.isFinite {
            throw EngineError(op: "cross_entropy", "loss is \(loss) over logits \(logits.shape) (\(counted) counted targets): non-finite logits")
        }
        return (loss, counted)
    }

    /// Per-row loss (and gradient) in parallel; kept apart from the throwing entry point.
    static func rows(_ x: MutableFloatPointer, _ rl: MutableFloatPointer, _ tp: UnsafePointer<Int32>, n: Int, classes c: Int,
                     smoothing eps: Float, gradientScale g: Float, writeGradient: Bool) {
        typealias Args = (MutableFloatPointer, MutableFloatPointer, UnsafePointer<Int32>, Int, Float, Float, Bool)
        Parallel.ranges(n, grain: 4, chunksPerThread: 4, (x, rl, tp, c, eps, g, writeGradient) as Args) { raw, lo, hi in
            let (x, rl, tp, c, eps, g, writeGradient) = raw.load(as: Args.self)
            for r in lo..<hi { CrossEntropyOp.row(x + r * c, c, tp[r], &rl[r], eps, g, writeGradient) }
        }
    }

    @inline(__always)
    static func row(_ row: MutableFloatPointer, _ c: Int, _ t: Int32, _ loss: inout Float, _ eps: Float, _ g: Float, _ writeGradient: Bool) {
        if t == ignoreIndex {
            loss = 0
            if writeGradient { row.update(repeating: 0, count: c) }
            return
        }
        var m = -Float.infinity
        var sx: Float = 0
        for j in 0..<c { m = Swift.max(m, row[j]); sx += row[j] }
        let xt = row[Int(t)]
        var s: Float = 0
        if writeGradient {
            for j in 0..<c { let e = FastMath.exp(row[j] - m); row[j] = e; s += e }
        } else {
            for j in 0..<c { s += FastMath.exp(row[j] - m) }
        }
        let lse = m + Foundation.log(s)
        loss = (1 - eps) * (lse - xt) + eps * (lse - sx / Float(c))
        if writeGradient {
            let a = g / s, b = g * eps / Float(c)
            for j in 0..<c { row[j] = row[j] * a - b }
            row[Int(t)] -= g * (1 - eps)
        }
    }

    /// The reference loss and gradient in Double.
    public static func naive(logits: [Float], rows: Int, classes: Int, targets: [Int32], labelSmoothing: Double = 0) -> (loss: Double, gradient: [Double]) {
        var grad = [Double](repeating: 0, count: logits.count)
        var total = 0.0
        let counted = targets.prefix(rows).filter { $0 != ignoreIndex }.count
        for r in 0..<rows where targets[r] != ignoreIndex {
            let row = (0..<classes).map { Double(logits[r * classes + $0]) }
            let m = row.max()!
            let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
            let t = Int(targets[r])
            total += (1 - labelSmoothing) * (lse - row[t]) + labelSmoothing * (lse - row.reduce(0, +) / Double(classes))
            for j in 0..<classes {
                let p = Foundation.exp(row[j] - lse)
                grad[r * classes + j] = (p - labelSmoothing / Double(classes) - (j == t ? 1 - labelSmoothing : 0)) / Double(counted)
            }
        }
        return (counted > 0 ? total / Double(counted) : 0, grad)
    }
}
