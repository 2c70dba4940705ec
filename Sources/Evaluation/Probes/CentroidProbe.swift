import Foundation

/// Nearest class centroid by cosine: each shot vector is L2-normalized, a class's centroid is the mean of
/// its shots, and an example goes to the class whose centroid has the highest cosine similarity
/// (ties to the lowest class id). Classes without shots are never predicted.
public struct CentroidProbe: Sendable {
    public let classCount: Int
    /// classCount × d, each centroid normalized to unit length (zero rows for classes without shots).
    public private(set) var centroids: [Double]
    public let dimension: Int
    public private(set) var hasShots: [Bool]

    public init(features: FeatureMatrix, labels: [Int], classCount: Int) throws {
        guard features.rows == labels.count else { throw ProbeInputError("\(features.rows) feature rows for \(labels.count) labels") }
        guard features.rows > 0 else { throw ProbeInputError("no training examples") }
        let d = features.columns
        self.classCount = classCount
        dimension = d
        var sums = [Double](repeating: 0, count: classCount * d)
        var seen = [Bool](repeating: false, count: classCount)
        for (i, y) in labels.enumerated() {
            guard y >= 0 && y < classCount else { throw ProbeInputError("label \(y) outside 0..<\(classCount)") }
            let v = CentroidProbe.unit(features.row(i))
            for c in 0..<d { sums[y * d + c] += v[c] }
            seen[y] = true
        }
        for y in 0..<classCount where seen[y] {
            var norm = 0.0
            for c in 0..<d { norm += sums[y * d + c] * sums[y * d + c] }
            let inv = 1 / max(norm.squareRoot(), 1e-12)
            for c in 0..<d { sums[y * d + c] *= inv }
        }
        centroids = sums
        hasShots = seen
    }

    static func unit(_ row: ArraySlice<Float>) -> [Double] {
        let v = row.map(Double.init)
        let n = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return v.map { $0 / n }
    }

    /// Cosine similarity of every row to every centroid (rows × classes; −inf for classes without shots).
    public func similarities(_ features: FeatureMatrix) throws -> [[Double]] {
        guard features.columns == dimension else { throw ProbeInputError("features have \(features.columns) columns, centroids \(dimension)") }
        return (0..<features.rows).map { i in
            let v = CentroidProbe.unit(features.row(i))
            return (0..<classCount).map { y in
                guard hasShots[y] else { return -Double.infinity }
                var s = 0.0
                for c in 0..<dimension { s += v[c] * centroids[y * dimension + c] }
                return s
            }
        }
    }

    public func predict(_ features: FeatureMatrix) throws -> [Int] {
        try similarities(features).map { row in
            var best = 0
            for (y, s) in row.enumerated() where s > row[best] { best = y }
            return best
        }
    }
}
