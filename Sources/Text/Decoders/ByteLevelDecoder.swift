import Platform

/// HF's `ByteLevel` decoder: the characters of GPT-2's byte alphabet back to bytes (a token with any
/// other character is kept as its own UTF-8), all tokens as one text, bytes that are not valid UTF-8
/// replaced by U+FFFD as Rust's `String::from_utf8_lossy` does.
public struct ByteLevelDecoder: DecoderStage {
    public static let typeNames = ["ByteLevel"]
    public var addPrefixSpace: Bool
    public var trimOffsets: Bool
    public var useRegex: Bool

    public init(addPrefixSpace: Bool = true, trimOffsets: Bool = true, useRegex: Bool = true) {
        self.addPrefixSpace = addPrefixSpace; self.trimOffsets = trimOffsets; self.useRegex = useRegex
    }

    public init(json: StageJSON) throws {
        self.init(addPrefixSpace: try json.bool("add_prefix_space"), trimOffsets: try json.bool("trim_offsets"),
                  useRegex: try json.bool("use_regex", default: true))
    }

    public var json: StrictJSON {
        .stage("ByteLevel", [("add_prefix_space", .bool(addPrefixSpace)), ("trim_offsets", .bool(trimOffsets)),
                             ("use_regex", .bool(useRegex))])
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        for t in tokens {
            let mark = bytes.count
            var all = true
            for c in t.unicodeScalars {
                guard let b = ByteLevelAlphabet.byte(of: c.value) else { all = false; break }
                bytes.append(b)
            }
            if !all {
                bytes.removeLast(bytes.count - mark)
                bytes += t.utf8
            }
        }
        return [UTF8Lossy.string(bytes)]
    }
}

/// Rust's `String::from_utf8_lossy`: each maximal invalid subsequence becomes one U+FFFD (Unicode's
/// recommended practice, which Swift's repairing decoder also follows).
enum UTF8Lossy {
    static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
