/// A coding key for any string, used to list the keys a mapping actually has.
public struct AnyCodingKey: CodingKey {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Configuration is written by hand: a misspelt key must fail loudly rather than fall back to a default.
    /// Throws a `SchemaViolation` on the first key (in sorted order) of this mapping that `Keys` does not declare.
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue })
        where Keys(stringValue: key.stringValue) == nil {
            let known = Keys.allCases.map(\.stringValue).joined(separator: ", ")
            throw SchemaViolation(path: codingPath + [key], message: "unknown key (expected one of: \(known))")
        }
    }

    /// The keyed container for a schema struct, after checking that the mapping has no unknown keys.
    public func strictContainer<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws -> KeyedDecodingContainer<Keys> {
        try rejectUnknownKeys(keys)
        return try container(keyedBy: keys)
    }
}
