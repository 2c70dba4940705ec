import Foundation
import Platform

/// A task's labels in order: the index is the class id heads use.
public struct LabelSet: Sendable, Equatable {
    public let names: [String]
    public let descriptions: [String]
    private let index: [String: Int]

    public init(_ labels: [LabelSpec]) {
        names = labels.map(\.name)
        descriptions = labels.map(\.description)
        index = Dictionary(labels.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
    }

    public var count: Int { names.count }
    public func id(of name: String) -> Int? { index[name] }
    public func contains(_ name: String) -> Bool { index[name] != nil }

    /// The label set of a task: its `labels`, or its `labels_file` (one `name<TAB>description` per
    /// line, relative to the data root). Nil for types without labels.
    public static func of(_ task: TaskSpec, dataRoot: String) throws -> LabelSet? {
        if let labels = task.labels { return LabelSet(labels) }
        guard let file = task.labelsFile else { return nil }
        let path = try task.resolve(file, key: "labels_file", dataRoot: dataRoot)
        try task.requireRegularFile(path, key: "labels_file")
        var labels: [LabelSpec] = []
        var seen = Set<String>()
        try PlainTextReader(path: path).forEach { line, number in
            var parts = line.fields(separatedBy: 9)
            if parts.count > 2 { parts = [parts[0], parts[1...].joined(separator: "\t")] }
            parts = parts.map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty else {
                throw FileError(path: path, line: number, "expected 'label<TAB>description'")
            }
            guard seen.insert(parts[0]).inserted else { throw FileError(path: path, line: number, "duplicate label '\(excerpt(parts[0]))'") }
            labels.append(LabelSpec(name: parts[0], description: parts[1]))
        }
        guard !labels.isEmpty else { throw FileError(path: path, "expected at least one 'label<TAB>description' line, found none") }
        return LabelSet(labels)
    }
}
