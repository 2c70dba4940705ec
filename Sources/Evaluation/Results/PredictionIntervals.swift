import Foundation
import Tasks

extension PredictionScoring {
    /// Every named metric with its percentile-bootstrap interval.
    public func scores(_ metrics: [String], seed: UInt64, resamples: Int, level: Double = 0.95) throws -> [String: ConfidenceInterval] {
        guard !records.isEmpty else { throw MetricInputError(metric: metrics.first ?? "metric", "\(source): no predictions to score") }
        var out: [String: ConfidenceInterval] = [:]
        for m in metrics {
            out[m] = try Bootstrap.confidenceInterval(count: records.count, seed: seed, resamples: resamples, level: level, metric: try metric(m))
        }
        return out
    }
}
