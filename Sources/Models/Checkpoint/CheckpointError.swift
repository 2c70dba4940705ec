import Platform

/// Why weights could not be loaded: every unmatched, missing or mis-shaped tensor at once, so one run
/// shows everything that is wrong with a checkpoint. Nothing is loaded when this is thrown.
public struct CheckpointError: PolyglotError, Equatable {
    public struct ShapeMismatch: Equatable, Sendable {
        public var name: String
        public var expected: [Int]
        public var found: [Int]
    }

    public let path: String
    public var missing: [String] = []
    public var unexpected: [String] = []
    public var shapeMismatches: [ShapeMismatch] = []
    public var other: [String] = []

    public init(path: String, missing: [String] = [], unexpected: [String] = [], shapeMismatches: [ShapeMismatch] = [], other: [String] = []) {
        self.path = path; self.missing = missing; self.unexpected = unexpected; self.shapeMismatches = shapeMismatches; self.other = other
    }

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && shapeMismatches.isEmpty && other.isEmpty }

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing tensors: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { parts.append("unmatched tensors: " + unexpected.joined(separator: ", ")) }
        if !shapeMismatches.isEmpty {
            parts.append("shape mismatches: " + shapeMismatches.map { "\($0.name) expected \($0.expected) found \($0.found)" }.joined(separator: ", "))
        }
        parts.append(contentsOf: other)
        return "\(path): " + parts.joined(separator: "; ")
    }
}
