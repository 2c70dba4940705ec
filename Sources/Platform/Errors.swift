/// An error a user can act on: it says where (file and line, spec file and key, op and shapes)
/// and what was expected. The CLI prints `description` on one line and exits non-zero.
public protocol PolyglotError: Error, CustomStringConvertible {}

/// A problem in an input file at a known position.
public struct FileError: PolyglotError, Equatable {
    public let path: String
    public let line: Int?
    public let column: Int?
    public let message: String
    public init(path: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.path = path; self.line = line; self.column = column; self.message = message
    }
    public var description: String {
        var s = path
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        return s + ": " + message
    }
}

/// A problem in a configuration value: the file (if any) and the key.
public struct ConfigError: PolyglotError, Equatable {
    public let file: String?
    public let key: String
    public let message: String
    public init(file: String? = nil, key: String, _ message: String) {
        self.file = file; self.key = key; self.message = message
    }
    public var description: String { (file.map { "\($0): " } ?? "") + "\(key): " + message }
}

extension ConfigError {
    /// A layer option outside a loaded model's 0 (embeddings)...layers, checked once the model is known.
    public static func layerOutOfRange(_ layer: Int, layers: Int, flag: String = "--layer") -> ConfigError {
        ConfigError(key: flag, "\(layer) is outside 0...\(layers): the model has \(layers) layer\(layers == 1 ? "" : "s") (0 = embeddings)")
    }
}
