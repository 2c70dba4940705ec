import Platform

/// Inputs a metric cannot score: gold and predictions of different lengths, nothing to score,
/// a malformed tag. Names the metric so a report says which figure could not be computed.
public struct MetricInputError: PolyglotError, Equatable {
    public let metric: String
    public let message: String
    public init(metric: String, _ message: String) {
        self.metric = metric; self.message = message
    }
    public var description: String { "\(metric): \(message)" }

    static func checkPaired(_ metric: String, gold: Int, pred: Int) throws {
        guard gold == pred else {
            throw MetricInputError(metric: metric, "gold has \(gold) items, predictions have \(pred)")
        }
        guard gold > 0 else { throw MetricInputError(metric: metric, "no examples to score") }
    }
}
