/// Namespace for the classification and token-level metrics. Each is checked against
/// scikit-learn (or seqeval for token accuracy) by fixtures made in `tools/reference/metrics_reference.py`.
public enum Metrics {}

extension Metrics {
    /// Fraction of examples whose prediction equals the gold label (sklearn's `accuracy_score`).
    public static func accuracy<Label: Equatable>(gold: [Label], pred: [Label]) throws -> Double {
        try MetricInputError.checkPaired("accuracy", gold: gold.count, pred: pred.count)
        var correct = 0
        for i in 0..<gold.count where gold[i] == pred[i] { correct += 1 }
        return Double(correct) / Double(gold.count)
    }

    /// Accuracy over every token of every sentence (seqeval's `accuracy_score`, which flattens the sentences).
    public static func tokenAccuracy<Label: Equatable>(gold: [[Label]], pred: [[Label]]) throws -> Double {
        try MetricInputError.checkPaired("token accuracy", gold: gold.count, pred: pred.count)
        var correct = 0, total = 0
        for s in 0..<gold.count {
            guard gold[s].count == pred[s].count else {
                throw MetricInputError(metric: "token accuracy",
                                       "sentence \(s): gold has \(gold[s].count) tokens, predictions have \(pred[s].count)")
            }
            for i in 0..<gold[s].count where gold[s][i] == pred[s][i] { correct += 1 }
            total += gold[s].count
        }
        guard total > 0 else { throw MetricInputError(metric: "token accuracy", "no tokens to score") }
        return Double(correct) / Double(total)
    }
}
