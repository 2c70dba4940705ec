import Platform

/// HF's BertPreTokenizer: splits on white space (removed) and isolates each punctuation character
/// (ASCII punctuation and Unicode P* categories).
public struct BertPreTokenizer: PreTokenizer {
    /// 0 = word character, 1 = white space, 2 = punctuation (BMP; others computed).
    private let classes: [UInt8]

    public init() {
        var t = [UInt8](repeating: 0, count: 0x10000)
        for c in 0..<UInt32(0x10000) where !(0xD800..<0xE000).contains(c) { t[Int(c)] = BertPreTokenizer.classify(c) }
        classes = t
    }

    static func classify(_ c: UInt32) -> UInt8 {
        guard let s = Unicode.Scalar(c) else { return 0 }
        if UnicodeProperties.isWhitespace(s) { return 1 }
        if c < 0x80 {
            let ascii = (0x21...0x2F).contains(c) || (0x3A...0x40).contains(c) || (0x5B...0x60).contains(c) || (0x7B...0x7E).contains(c)
            return ascii ? 2 : 0
        }
        switch UnicodeProperties.generalCategory(s) {
        case 19, 20, 21, 22, 23, 28, 29: return 2
        default: return 0
        }
    }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        text.bytes.withUnsafeBufferPointer { p in
            var i = 0
            var wordStart = -1
            let n = p.count
            while i < n {
                let (c, len) = UTF8Coding.decode(p, at: i)
                let k = c < 0x10000 ? classes[Int(c)] : BertPreTokenizer.classify(c)
                if k == 0 {
                    if wordStart < 0 { wordStart = i }
                } else {
                    if wordStart >= 0 { words.append(WordSpan(start: Int32(wordStart), end: Int32(i))); wordStart = -1 }
                    if k == 2 { words.append(WordSpan(start: Int32(i), end: Int32(i + len))) }
                }
                i += len
            }
            if wordStart >= 0 { words.append(WordSpan(start: Int32(wordStart), end: Int32(n))) }
        }
    }
}

extension BertPreTokenizer: PreTokenizerStage {
    public static let typeNames = ["BertPreTokenizer"]
    public init(json: StageJSON) throws { self.init() }
    public var json: StrictJSON { .stage("BertPreTokenizer") }
}
