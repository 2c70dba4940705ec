import Tasks
import Platform

/// A figure with its percentile-bootstrap confidence interval.
public struct ConfidenceInterval: Codable, Equatable, Sendable {
    /// The metric on the examples as given.
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    /// Coverage, e.g. 0.95.
    public var level: Double
    public var resamples: Int
    public init(estimate: Double, lower: Double, upper: Double, level: Double, resamples: Int) {
        self.estimate = estimate; self.lower = lower; self.upper = upper; self.level = level; self.resamples = resamples
    }
    /// Half the interval's width, for `71.3 ± 1.2` style reports.
    public var halfWidth: Double { (upper - lower) / 2 }
}

/// Outcome of a paired bootstrap comparison of systems A and B on the same examples.
public struct PairedBootstrapResult: Codable, Equatable, Sendable {
    /// metric(A) − metric(B) on the examples as given.
    public var delta: Double
    /// Two-sided p-value for H0: no difference.
    public var pValue: Double
    /// Percentile interval of the resampled differences.
    public var deltaInterval: ConfidenceInterval
}

/// Resampling statistics over examples. The metric is any function of a list of example indices (with repeats),
/// so corpus-level metrics (entity F1, MCC, correlations) resample correctly, not only per-example means.
/// Resamples draw from `RandomStream(seed:name: "bootstrap")`: same seed, same interval. A metric may throw
/// (e.g. `Metrics.macroF1` on mismatched input); the error is passed on.
public enum Bootstrap {
    /// Percentile bootstrap: resample `count` examples with replacement `resamples` times, and take the
    /// (1 − level)/2 and (1 + level)/2 percentiles of the metric. Resamples where the metric is NaN are dropped.
    public static func confidenceInterval(count: Int, seed: UInt64, resamples: Int = 1000, level: Double = 0.95,
                                          metric: ([Int]) throws -> Double) throws -> ConfidenceInterval {
        try check(count: count, resamples: resamples, level: level)
        let estimate = try metric(Array(0..<count))
        var random = RandomStream(seed: seed, name: "bootstrap")
        var indices = [Int](repeating: 0, count: count)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            for i in 0..<count { indices[i] = random.nextInt(below: count) }
            let v = try metric(indices)
            if !v.isNaN { values.append(v) }
        }
        return interval(estimate: estimate, values: values, level: level, resamples: resamples)
    }

    /// Interval of the mean of per-example scores (accuracy from 0/1 hits, mean F1 over questions).
    public static func confidenceInterval(perExample scores: [Double], seed: UInt64, resamples: Int = 1000,
                                          level: Double = 0.95) throws -> ConfidenceInterval {
        try confidenceInterval(count: scores.count, seed: seed, resamples: resamples, level: level) { idx in
            var s = 0.0
            for i in idx { s += scores[i] }
            return s / Double(idx.count)
        }
    }

    /// Paired bootstrap test (Koehn 2004; Berg-Kirkpatrick et al. 2012): both systems are scored on the same
    /// resampled examples. The p-value is the share of resampled differences at least as far from the observed
    /// difference as the observed difference is from 0 — the resampled differences centred on the null —
    /// with the usual +1 correction, (k + 1) / (B + 1).
    public static func pairedTest(count: Int, seed: UInt64, resamples: Int = 1000, level: Double = 0.95,
                                  metricA: ([Int]) throws -> Double, metricB: ([Int]) throws -> Double) throws -> PairedBootstrapResult {
        try check(count: count, resamples: resamples, level: level)
        let all = Array(0..<count)
        let delta = try metricA(all) - metricB(all)
        var random = RandomStream(seed: seed, name: "bootstrap")
        var indices = [Int](repeating: 0, count: count)
        var deltas: [Double] = []
        deltas.reserveCapacity(resamples)
        var extreme = 0
        for _ in 0..<resamples {
            for i in 0..<count { indices[i] = random.nextInt(below: count) }
            let d = try metricA(indices) - metricB(indices)
            if d.isNaN { continue }
            deltas.append(d)
            if abs(d - delta) >= abs(delta) { extreme += 1 }
        }
        guard !deltas.isEmpty else {
            throw MetricInputError(metric: "paired bootstrap", "the metric was NaN on every resample")
        }
        let p = Double(extreme + 1) / Double(deltas.count + 1)
        return PairedBootstrapResult(delta: delta, pValue: min(1, p),
                                     deltaInterval: interval(estimate: delta, values: deltas, level: level, resamples: resamples))
    }

    static func interval(estimate: Double, values: [Double], level: Double, resamples: Int) -> ConfidenceInterval {
        guard !values.isEmpty else {
            return ConfidenceInterval(estimate: estimate, lower: .nan, upper: .nan, level: level, resamples: resamples)
        }
        let sorted = values.sorted()
        let tail = (1 - level) / 2 * 100
        return ConfidenceInterval(estimate: estimate, lower: Percentile.of(sorted: sorted, tail),
                                  upper: Percentile.of(sorted: sorted, 100 - tail), level: level, resamples: resamples)
    }

    static func check(count: Int, resamples: Int, level: Double) throws {
        guard count > 0 else { throw MetricInputError(metric: "bootstrap", "no examples") }
        guard resamples > 0 else { throw MetricInputError(metric: "bootstrap", "resamples must be positive, got \(resamples)") }
        guard level > 0 && level < 1 else { throw MetricInputError(metric: "bootstrap", "level must be in (0, 1), got \(level)") }
    }
}
