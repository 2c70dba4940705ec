/// Correlation for regression tasks (STS-B style), as scipy's `pearsonr` and `spearmanr`.
public enum Correlation {
    /// Pearson's r; NaN when either side is constant (scipy returns NaN there too).
    public static func pearson(_ x: [Double], _ y: [Double]) throws -> Double {
        try MetricInputError.checkPaired("Pearson correlation", gold: x.count, pred: y.count)
        guard x.count >= 2 else { throw MetricInputError(metric: "Pearson correlation", "needs at least 2 pairs") }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<x.count {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return .nan }
        let r = sxy / (sxx.squareRoot() * syy.squareRoot())
        return min(1, max(-1, r))
    }

    /// Spearman's ρ: Pearson's r of the ranks, tied values sharing their average rank.
    public static func spearman(_ x: [Double], _ y: [Double]) throws -> Double {
        try MetricInputError.checkPaired("Spearman correlation", gold: x.count, pred: y.count)
        return try pearson(ranks(x), ranks(y))
    }

    /// 1-based ranks with ties averaged (scipy's `rankdata(method="average")`).
    public static func ranks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] || (x[$0] == x[$1] && $0 < $1) }
        var out = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j { out[order[k]] = rank }
            i = j + 1
        }
        return out
    }
}
