/// Bitext retrieval accuracy (Tatoeba in XTREME): sentence `i` of the source side is a translation of sentence `i`
/// of the target side; a query is right when its nearest neighbour by cosine similarity is its translation.
/// Ties go to the lowest index (numpy's `argmax`).
public enum RetrievalAccuracy {
    public struct Result: Codable, Equatable, Sendable {
        /// Fraction of source sentences whose nearest target is their translation.
        public var sourceToTarget: Double
        /// Fraction of target sentences whose nearest source is their translation.
        public var targetToSource: Double
        /// Per-query correctness (1 or 0), for bootstrapping.
        public var sourceHits: [Double]
        public var targetHits: [Double]
    }

    /// From a row-major `n × n` similarity matrix, `similarity[i * n + j]` = sim(source i, target j).
    public static func accuracyAt1(similarity: [Double], count n: Int) throws -> Result {
        guard n > 0 else { throw MetricInputError(metric: "retrieval accuracy", "no sentence pairs") }
        guard similarity.count == n * n else {
            throw MetricInputError(metric: "retrieval accuracy", "similarity has \(similarity.count) entries, expected \(n)×\(n)")
        }
        var sourceHits = [Double](repeating: 0, count: n), targetHits = [Double](repeating: 0, count: n)
        similarity.withUnsafeBufferPointer { s in
            for i in 0..<n where RetrievalRanking.best(s[(i * n)..<((i + 1) * n)]) == i { sourceHits[i] = 1 }
            for j in 0..<n where RetrievalRanking.best(stride(from: j, to: n * n, by: n).map { s[$0] }) == j { targetHits[j] = 1 }
        }
        return Result(sourceToTarget: sourceHits.reduce(0, +) / Double(n), targetToSource: targetHits.reduce(0, +) / Double(n),
                      sourceHits: sourceHits, targetHits: targetHits)
    }

    /// From embeddings (one row per sentence, `dimension` columns, row-major), by cosine similarity.
    public static func accuracyAt1(source: [Float], target: [Float], dimension: Int) throws -> Result {
        let s = source.map(Double.init), t = target.map(Double.init)
        return try accuracyAt1(source: s, target: t, dimension: dimension)
    }

    public static func accuracyAt1(source: [Double], target: [Double], dimension d: Int) throws -> Result {
        guard d > 0, source.count % d == 0, target.count % d == 0 else {
            throw MetricInputError(metric: "retrieval accuracy",
                                   "embeddings of \(source.count) and \(target.count) values are not rows of \(d)")
        }
        guard source.count == target.count else {
            throw MetricInputError(metric: "retrieval accuracy",
                                   "\(source.count / d) source sentences but \(target.count / d) target sentences")
        }
        let n = source.count / d
        let a = try unitRows(source, d), b = try unitRows(target, d)
        var similarity = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var dot = 0.0
                for k in 0..<d { dot += a[i * d + k] * b[j * d + k] }
                similarity[i * n + j] = dot
            }
        }
        return try accuracyAt1(similarity: similarity, count: n)
    }

    static func unitRows(_ x: [Double], _ d: Int) throws -> [Double] {
        var out = x
        for r in 0..<(x.count / d) {
            var norm = 0.0
            for k in 0..<d { norm += x[r * d + k] * x[r * d + k] }
            norm = norm.squareRoot()
            guard norm > 0, norm.isFinite else {
                throw MetricInputError(metric: "retrieval accuracy", "embedding row \(r) has norm \(norm)")
            }
            for k in 0..<d { out[r * d + k] = x[r * d + k] / norm }
        }
        return out
    }
}

/// Ranks with ties broken towards the lower index, so the best candidate has rank 1.
public enum RetrievalRanking {
    /// The index of the highest score (the lowest such index).
    public static func best<T: Comparable>(_ scores: some RandomAccessCollection<T>) -> Int {
        var best = 0, k = 0
        var top: T?
        for s in scores {
            if top == nil || s > top! { best = k; top = s }
            k += 1
        }
        return best
    }

    /// 1 + the candidates scoring above `gold`, or equal to it at a lower index.
    public static func rank<T: Comparable>(_ scores: [T], gold: Int) -> Int {
        let own = scores[gold]
        var rank = 1
        for j in scores.indices where j != gold && (scores[j] > own || (scores[j] == own && j < gold)) { rank += 1 }
        return rank
    }
}
