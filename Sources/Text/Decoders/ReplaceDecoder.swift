import Platform

/// HF's `Replace` decoder: in each token, every match of `pattern` becomes `content`
/// (SentencePiece-style decoders use it to turn "▁" back into spaces).
public struct ReplaceDecoder: DecoderStage {
    public static let typeNames = ["Replace"]
    public let pattern: StagePattern
    public let content: String

    public init(pattern: StagePattern, content: String) { self.pattern = pattern; self.content = content }

    public init(json: StageJSON) throws {
        self.init(pattern: try StagePattern(json), content: try json.string("content"))
    }

    public var json: StrictJSON { .stage("Replace", [("pattern", pattern.json), ("content", .string(content))]) }

    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            var t = token
            return t.withUTF8 { p -> String in
                var out: [UInt8] = []
                out.reserveCapacity(p.count)
                var previous = 0
                do {
                    try pattern.forEachMatch(in: p) { s, e in
                        out += p[previous..<s]
                        out += content.utf8
                        previous = e
                    }
                } catch {
                    // ICU fails mid-search only when out of memory (matchers have no stack cap): the rest as is.
                }
                out += p[previous...]
                return String(decoding: out, as: UTF8.self)
            }
        }
    }
}
