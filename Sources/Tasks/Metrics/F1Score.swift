extension Metrics {
    /// Unweighted mean over labels of per-label F1 = 2·tp / (2·tp + fp + fn), over the labels present in gold
    /// or predictions (sklearn's `f1_score(average="macro", zero_division=0)`).
    public static func macroF1<Label: Hashable>(gold: [Label], pred: [Label]) throws -> Double {
        let m = try ConfusionMatrix(gold: gold, pred: pred, metric: "macro F1")
        var sum = 0.0
        for l in 0..<m.labelCount {
            let tp = m.count(gold: l, pred: l)
            let fp = m.predictedTotal(l) - tp
            let fn = m.goldTotal(l) - tp
            let denominator = 2 * tp + fp + fn
            sum += denominator == 0 ? 0 : Double(2 * tp) / Double(denominator)
        }
        return sum / Double(m.labelCount)
    }

    /// F1 from counts pooled over labels. In single-label multi-class classification every error is one false
    /// positive and one false negative, so it equals accuracy; it is computed from the pooled counts anyway.
    public static func microF1<Label: Hashable>(gold: [Label], pred: [Label]) throws -> Double {
        let m = try ConfusionMatrix(gold: gold, pred: pred, metric: "micro F1")
        var tp = 0, fp = 0, fn = 0
        for l in 0..<m.labelCount {
            let t = m.count(gold: l, pred: l)
            tp += t; fp += m.predictedTotal(l) - t; fn += m.goldTotal(l) - t
        }
        let denominator = 2 * tp + fp + fn
        return denominator == 0 ? 0 : Double(2 * tp) / Double(denominator)
    }
}

extension Metrics {
    /// F1 of the positive label only (sklearn's `f1_score(average="binary", pos_label=positive)`), as reported for
    /// paraphrase tasks; 0 when the positive label is neither gold nor predicted.
    public static func binaryF1<Label: Hashable>(gold: [Label], pred: [Label], positive: Label) throws -> Double {
        try MetricInputError.checkPaired("binary F1", gold: gold.count, pred: pred.count)
        var tp = 0, fp = 0, fn = 0
        for i in 0..<gold.count {
            let g = gold[i] == positive, p = pred[i] == positive
            if g && p { tp += 1 } else if p { fp += 1 } else if g { fn += 1 }
        }
        let denominator = 2 * tp + fp + fn
        return denominator == 0 ? 0 : Double(2 * tp) / Double(denominator)
    }

    /// Precision, recall, F1 and support of every label seen in gold or predictions (sklearn's
    /// `precision_recall_fscore_support(average=None, zero_division=0)`), for per-class report tables.
    public static func perLabel<Label: Hashable>(gold: [Label], pred: [Label]) throws -> [Label: PrecisionRecallF1] {
        let m = try ConfusionMatrix(gold: gold, pred: pred, metric: "per-label F1")
        var out: [Label: PrecisionRecallF1] = [:]
        for l in 0..<m.labelCount {
            out[m.labels[l]] = PrecisionRecallF1(correct: m.count(gold: l, pred: l), predicted: m.predictedTotal(l), gold: m.goldTotal(l))
        }
        return out
    }
}
