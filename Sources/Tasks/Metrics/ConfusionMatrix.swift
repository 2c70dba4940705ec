/// Counts of (gold, predicted) label pairs over the labels seen in either list, in order of first
/// appearance (gold first). F1 and MCC are computed from it, as scikit-learn does.
public struct ConfusionMatrix<Label: Hashable> {
    public let labels: [Label]
    /// Row-major `labels.count × labels.count`: `counts[g * k + p]` examples with gold `g` predicted as `p`.
    public let counts: [Int]

    public init(gold: [Label], pred: [Label], metric: String = "confusion matrix") throws {
        try MetricInputError.checkPaired(metric, gold: gold.count, pred: pred.count)
        var index: [Label: Int] = [:]
        var labels: [Label] = []
        for l in gold + pred where index[l] == nil {
            index[l] = labels.count
            labels.append(l)
        }
        let k = labels.count
        var counts = [Int](repeating: 0, count: k * k)
        for i in 0..<gold.count { counts[index[gold[i]]! * k + index[pred[i]]!] += 1 }
        self.labels = labels
        self.counts = counts
    }

    public var labelCount: Int { labels.count }
    public func count(gold g: Int, pred p: Int) -> Int { counts[g * labels.count + p] }
    /// Examples whose gold label is `l` (row sum).
    public func goldTotal(_ l: Int) -> Int { (0..<labels.count).reduce(0) { $0 + count(gold: l, pred: $1) } }
    /// Examples predicted as `l` (column sum).
    public func predictedTotal(_ l: Int) -> Int { (0..<labels.count).reduce(0) { $0 + count(gold: $1, pred: l) } }
}

extension ConfusionMatrix: Sendable where Label: Sendable {}
