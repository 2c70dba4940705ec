/// A schema violation found while decoding a configuration file, at a coding path; loaders turn it
/// into a `ConfigError` naming the file (and line where known) and the dotted key.
public struct SchemaViolation: Error, CustomStringConvertible {
    public let path: [CodingKey]
    public let message: String
    public init(path: [CodingKey], message: String) { self.path = path; self.message = message }
    public var description: String {
        let key = path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return (key.isEmpty ? "" : key + ": ") + message
    }
}

/// A closed set of words in a spec or experiment file (`format: conllu`, `source: scratch`): an
/// unknown word is an error that lists every valid one.
public protocol ConfigChoice: RawRepresentable, CaseIterable, Codable, Sendable where RawValue == String {}

extension ConfigChoice {
    /// The valid words, comma-separated, in declaration order.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let word = try container.decode(String.self)
        guard let value = Self(rawValue: word) else {
            throw SchemaViolation(path: decoder.codingPath, message: "'\(excerpt(word))' is not one of: \(Self.choices)")
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
