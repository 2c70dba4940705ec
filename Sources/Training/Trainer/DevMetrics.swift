import Foundation

/// The dev metrics the trainer computes for model selection and the training log (the Evaluation
/// module, which depends on this one, has the full set with confidence intervals).
public enum DevMetrics {
    public static let supported: Set<String> = ["accuracy", "macro_f1", "micro_f1", "mse", "pearson", "spearman", "mlm_accuracy", "perplexity", "mrr"]

    public static func higherIsBetter(_ metric: String) -> Bool { !(metric == "mse" || metric == "perplexity") }

    public static func accuracy(predicted: [Int], gold: [Int]) -> Double {
        precondition(predicted.count == gold.count)
        guard !gold.isEmpty else { return .nan }
        var right = 0
        for (p, g) in zip(predicted, gold) where p == g { right += 1 }
        return Double(right) / Double(gold.count)
    }

    /// Mean over the classes that occur in gold or predictions of F1 (sklearn's macro average with
    /// labels = the union; a class with no true positives scores 0).
    public static func macroF1(predicted: [Int], gold: [Int]) -> Double {
        precondition(predicted.count == gold.count)
        guard !gold.isEmpty else { return .nan }
        var tp: [Int: Int] = [:], fp: [Int: Int] = [:], fn: [Int: Int] = [:]
        for (p, g) in zip(predicted, gold) {
            if p == g { tp[g, default: 0] += 1 } else { fp[p, default: 0] += 1; fn[g, default: 0] += 1 }
        }
        let classes = Set(predicted).union(gold).sorted()
        var sum = 0.0
        for c in classes {
            let t = Double(tp[c] ?? 0), denominator = 2 * t + Double(fp[c] ?? 0) + Double(fn[c] ?? 0)
            sum += denominator > 0 ? 2 * t / denominator : 0
        }
        return sum / Double(classes.count)
    }

    /// The rank (1 = best) of each query's own candidate `gold[i]` by its row of `scores` [query][candidate];
    /// a tie counts against it.
    public static func retrievalRanks(scores: [[Float]], gold: [Int]) -> [Int] {
        precondition(scores.count == gold.count)
        return scores.indices.map { i in
            let row = scores[i], own = row[gold[i]]
            return 1 + row.indices.filter { $0 != gold[i] && row[$0] >= own }.count
        }
    }

    public static func mse(predicted: [Double], gold: [Double]) -> Double {
        guard !gold.isEmpty else { return .nan }
        var s = 0.0
        for (p, g) in zip(predicted, gold) { s += (p - g) * (p - g) }
        return s / Double(gold.count)
    }

    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard x.count > 1 else { return .nan }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }

    /// Pearson correlation of average ranks (ties share their mean rank).
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double { pearson(ranks(x), ranks(y)) }

    static func ranks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] || (v[$0] == v[$1] && $0 < $1) }
        var r = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            let mean = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = mean }
            i = j + 1
        }
        return r
    }
}
