import Platform

/// HF's `WordPiece` decoder: tokens joined by spaces except continuations, whose `prefix` ("##") is
/// removed; with `cleanup`, HF's clean-up of spaces before punctuation and in contractions.
public struct WordPieceDecoder: DecoderStage {
    public static let typeNames = ["WordPiece"]
    public var prefix: String
    public var cleanup: Bool

    public init(prefix: String = "##", cleanup: Bool = true) { self.prefix = prefix; self.cleanup = cleanup }

    public init(json: StageJSON) throws {
        self.init(prefix: try json.string("prefix"), cleanup: try json.bool("cleanup"))
    }

    public var json: StrictJSON { .stage("WordPiece", [("prefix", .string(prefix)), ("cleanup", .bool(cleanup))]) }

    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            var t = token
            if i != 0 {
                if t.utf8.starts(with: prefix.utf8) {
                    t = String(decoding: t.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                } else {
                    t = " " + t
                }
            }
            return cleanup ? DecoderText.cleanup(t) : t
        }
    }
}
