import Platform

/// HF's `ByteLevel` decoder: the characters of GPT-2's byte alphabet back to bytes (a token with any
/// other character is kept as its own UTF-8), all tokens as one text, bytes that are not valid UTF-8
/// replaced by U+FFFD as Rust's `String::from_utf8_lossy` does.
public struct ByteLevelDecoder: DecoderStage {
    public static let typeNames = ["ByteLevel"]
    public var options: ByteLevelOptions

    public init(_ options: ByteLevelOptions = ByteLevelOptions()) { self.options = options }
    public init(json: StageJSON) throws { options = try ByteLevelOptions(json: json) }
    public var json: StrictJSON { options.json }

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
