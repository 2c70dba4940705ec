import Platform

/// A tokenizer problem that is not tied to a position in a file (unsupported configuration, an
/// unknown piece, an ICU failure). File problems use `FileError` (path, line, column).
public struct TokenizerError: PolyglotError, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
