import Foundation

/// Row-major features, one row per example.
public struct FeatureMatrix: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "feature matrix \(rows)×\(columns) needs \(rows * columns) values, has \(values.count)")
        self.rows = rows; self.columns = columns; self.values = values
    }

    public init(_ vectors: [[Float]]) {
        let d = vectors.first?.count ?? 0
        self.init(rows: vectors.count, columns: d, values: vectors.flatMap { $0 })
    }

    public func row(_ i: Int) -> ArraySlice<Float> { values[(i * columns)..<((i + 1) * columns)] }

    /// The rows at `indices`, in that order.
    public func selecting(_ indices: [Int]) -> FeatureMatrix {
        var out: [Float] = []
        out.reserveCapacity(indices.count * columns)
        for i in indices { out += row(i) }
        return FeatureMatrix(rows: indices.count, columns: columns, values: out)
    }
}

/// The error of a probe given inconsistent input.
public struct ProbeInputError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "probe: \(message)" }
}
