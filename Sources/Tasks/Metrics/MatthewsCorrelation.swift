extension Metrics {
    /// Multi-class Matthews correlation coefficient (Gorodkin's R_K), as sklearn's `matthews_corrcoef`:
    /// (c·s − t·p) / √((s² − p·p)(s² − t·t)) with t, p the gold and predicted label totals, c the correct count,
    /// s the sample count; 0 when either variance term is 0 (a single label predicted or present).
    public static func matthewsCorrelation<Label: Hashable>(gold: [Label], pred: [Label]) throws -> Double {
        let m = try ConfusionMatrix(gold: gold, pred: pred, metric: "MCC")
        var correct = 0.0, tp = 0.0, pp = 0.0, tt = 0.0
        for l in 0..<m.labelCount {
            let t = Double(m.goldTotal(l)), p = Double(m.predictedTotal(l))
            correct += Double(m.count(gold: l, pred: l))
            tp += t * p; pp += p * p; tt += t * t
        }
        let s = Double(gold.count)
        let covTP = correct * s - tp
        let covPP = s * s - pp
        let covTT = s * s - tt
        let product = covPP * covTT
        return product == 0 ? 0 : covTP / product.squareRoot()
    }
}
