import Platform

/// HF `tokenizers`' BertNormalizer: clean_text (drop NUL, U+FFFD and control/format/unassigned
/// characters except tab/newline/carriage return, map white space to ' '), handle_chinese_chars
/// (spaces around CJK ideographs), strip_accents (NFD without nonspacing marks; defaults to
/// `lowercase` when nil), lowercase (per-character full lowercase mapping).
public struct BertNormalizer: TextNormalizer {
    public struct Config: Codable, Hashable, Sendable {
        public var cleanText: Bool
        public var handleChineseChars: Bool
        public var stripAccents: Bool?
        public var lowercase: Bool
        public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
            self.cleanText = cleanText; self.handleChineseChars = handleChineseChars
            self.stripAccents = stripAccents; self.lowercase = lowercase
        }
        enum CodingKeys: String, CodingKey {
            case cleanText = "clean_text", handleChineseChars = "handle_chinese_chars", stripAccents = "strip_accents", lowercase
        }
    }

    public let config: Config
    private let map: ScalarMap
    private static let maps = NormalizerTables<Config, ScalarMap>()

    public init(_ config: Config) {
        self.config = config
        map = BertNormalizer.maps.value(for: config) { BertNormalizer.makeMap(config) }
    }

    private static func makeMap(_ c: Config) -> ScalarMap {
        let strip = c.stripAccents ?? c.lowercase
        return ScalarMap { s in
            var seq: [UInt32] = [s]
            if c.cleanText {
                if s == 0 || s == 0xFFFD || BertNormalizer.isControl(s) { return [] }
                if BertNormalizer.isWhitespace(s) { seq = [0x20] }
            }
            if c.handleChineseChars && BertNormalizer.isChineseChar(s) { seq = [0x20, s, 0x20] }
            if strip { seq = seq.flatMap { ScalarMap.stripAccents($0) ?? [$0] } }
            if c.lowercase { seq = seq.flatMap { ScalarMap.lowercase($0) ?? [$0] } }
            return seq == [s] ? nil : seq
        }
    }

    static func isWhitespace(_ c: UInt32) -> Bool {
        if c == 0x09 || c == 0x0A || c == 0x0D || c == 0x20 { return true }
        guard let s = Unicode.Scalar(c) else { return false }
        return UnicodeProperties.isWhitespace(s)
    }

    /// "Other" categories (Cc, Cf, Cs, Co, Cn), except tab, newline and carriage return.
    static func isControl(_ c: UInt32) -> Bool {
        if c == 0x09 || c == 0x0A || c == 0x0D { return false }
        guard let s = Unicode.Scalar(c) else { return true }
        let cat = UnicodeProperties.generalCategory(s)
        return cat == 0 || (cat >= 15 && cat <= 18)
    }

    static func isChineseChar(_ c: UInt32) -> Bool {
        switch c {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        ScalarRewrite.apply(map, input, base: base, into: &out)
    }
}

extension BertNormalizer: NormalizerStage {
    public static let typeNames = ["BertNormalizer"]

    public init(json: StageJSON) throws {
        self.init(Config(cleanText: try json.bool("clean_text", default: true),
                         handleChineseChars: try json.bool("handle_chinese_chars", default: true),
                         stripAccents: try json.optionalBool("strip_accents"),
                         lowercase: try json.bool("lowercase", default: true)))
    }

    public var json: StrictJSON {
        .stage("BertNormalizer", [("clean_text", .bool(config.cleanText)), ("handle_chinese_chars", .bool(config.handleChineseChars)),
                                  ("strip_accents", .optional(config.stripAccents)), ("lowercase", .bool(config.lowercase))])
    }
}
