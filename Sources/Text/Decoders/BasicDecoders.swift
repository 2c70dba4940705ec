import Platform

/// HF's `WordPiece` decoder: pieces joined by spaces, the continuation prefix glued on, optional
/// clean-up of spaces before punctuation and contractions.
public struct WordPieceDecoder: DecoderStage {
    public static let typeNames = ["WordPiece"]
    public let prefix: String
    public let cleanup: Bool
    public init(prefix: String = "##", cleanup: Bool = true) { self.prefix = prefix; self.cleanup = cleanup }
    public init(json: StageJSON) throws {
        self.init(prefix: try json.string("prefix", default: "##"), cleanup: try json.bool("cleanup", default: true))
    }
    public var json: StrictJSON { .stage("WordPiece", [("prefix", .string(prefix)), ("cleanup", .bool(cleanup))]) }
    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, p in
            var t = p
            if i != 0 {
                // Bytes, not characters: "##" followed by a combining mark is one Character but still a prefix.
                if t.utf8.starts(with: prefix.utf8) { t = String(decoding: t.utf8.dropFirst(prefix.utf8.count), as: UTF8.self) } else { t = " " + t }
            }
            return cleanup ? PieceDecoder.cleanup(t) : t
        }
    }
}

/// HF's `Replace` decoder (string patterns).
public struct ReplaceDecoder: DecoderStage {
    public static let typeNames = ["Replace"]
    public let pattern: String
    public let content: String
    public init(json: StageJSON) throws {
        let p = try json.object("pattern")
        pattern = try p.string("String")
        content = try json.string("content")
    }
    public var json: StrictJSON { .stage("Replace", [("pattern", .object([("String", .string(pattern))])), ("content", .string(content))]) }
    public func decodeChain(_ tokens: [String]) -> [String] { tokens.map { $0.replacingOccurrences(pattern, with: content) } }
}

/// HF's `ByteFallback`: runs of "<0xNN>" pieces become the text of their bytes (U+FFFD per byte when
/// they are not valid UTF-8).
public struct ByteFallbackDecoder: DecoderStage {
    public static let typeNames = ["ByteFallback"]
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("ByteFallback") }
    public func decodeChain(_ tokens: [String]) -> [String] {
        var out: [String] = []
        var bytes: [UInt8] = []
        var run = 0
        func flush() {
            guard run > 0 else { return }
            if let s = String(validating: bytes, as: UTF8.self) { out.append(s) } else {
                out += Array(repeating: "\u{FFFD}", count: run)
            }
            bytes.removeAll(); run = 0
        }
        for t in tokens {
            if let b = byteOfFallbackPiece(t) { bytes.append(b); run += 1; continue }
            flush()
            out.append(t)
        }
        flush()
        return out
    }
}

/// HF's `Fuse`: every token joined into one.
public struct FuseDecoder: DecoderStage {
    public static let typeNames = ["Fuse"]
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("Fuse") }
    public func decodeChain(_ tokens: [String]) -> [String] { [tokens.joined()] }
}

/// HF's `Strip`: removes up to `start` leading and `stop` trailing `content` characters per token.
public struct StripDecoder: DecoderStage {
    public static let typeNames = ["Strip"]
    public let content: Unicode.Scalar
    public let start: Int, stop: Int
    public init(json: StageJSON) throws {
        let c = try json.string("content")
        guard c.unicodeScalars.count == 1, let s = c.unicodeScalars.first else { throw json.fail("content", "expected one character") }
        content = s
        start = try json.int("start", default: 0); stop = try json.int("stop", default: 0)
    }
    public var json: StrictJSON { .stage("Strip", [("content", .string(String(content))), ("start", .int(start)), ("stop", .int(stop))]) }
    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { t in
            var s = Array(t.unicodeScalars)
            var a = 0
            while a < start && a < s.count && s[a] == content { a += 1 }
            var b = 0
            while b < stop && b < s.count - a && s[s.count - 1 - b] == content { b += 1 }
            s = Array(s[a..<(s.count - b)])
            var out = String.UnicodeScalarView()
            out.append(contentsOf: s)
            return String(out)
        }
    }
}

/// HF's `Metaspace` decoder: "▁" back to spaces, the first token's leading space dropped unless the
/// pre-tokenizer never prepends one.
public struct MetaspaceDecoder: DecoderStage {
    public static let typeNames = ["Metaspace"]
    public let prependScheme: MetaspacePreTokenizer.PrependScheme
    public let split: Bool
    public init(json: StageJSON) throws {
        let pre = try MetaspacePreTokenizer(json: json)
        prependScheme = pre.prependScheme; split = pre.splitWords
    }
    public var json: StrictJSON {
        .stage("Metaspace", [("replacement", .string("\u{2581}")), ("prepend_scheme", .string(prependScheme.rawValue)), ("split", .bool(split))])
    }
    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, t in
            var s = t.replacingOccurrences("\u{2581}", with: " ")
            if i == 0 && prependScheme != .never && s.utf8.first == 0x20 { s = String(s.utf8.dropFirst()) ?? s }
            return s
        }
    }
}
