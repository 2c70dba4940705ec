import Platform

/// HF's `UnicodeScripts` pre-tokenizer: splits where the script changes (SentencePiece's rule:
/// Hiragana, Katakana and U+30FC count as Han). A space belongs to any script (it never starts a
/// word, and a leading one is dropped, as HF does); so do unassigned characters.
public struct UnicodeScriptsPreTokenizer: PreTokenizerStage {
    public static let typeNames = ["UnicodeScripts"]
    public init() {}
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("UnicodeScripts") }

    private static let han = Script(iso15924: "Hani")?.code ?? 17
    private static let hiragana = Script(iso15924: "Hira")?.code ?? 20
    private static let katakana = Script(iso15924: "Kana")?.code ?? 22
    private static let unknown = Script(iso15924: "Zzzz")?.code ?? 103
    private static let latin = Script(iso15924: "Latn")?.code ?? 25
    /// "Any": fits every script.
    private static let any: Int32 = -1

    @inline(__always)
    static func script(_ c: UInt32) -> Int32 {
        if c == 0x20 { return any }
        if c == 0x30FC { return han }
        if c < 0x80 {
            // ASCII: Latin letters, everything else Common.
            return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A ? latin : Script.common.code
        }
        guard let s = Unicode.Scalar(c) else { return any }
        let code = Script(of: s).code
        if code == hiragana || code == katakana { return han }
        if code == unknown { return any }
        return code
    }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        text.bytes.withUnsafeBufferPointer { p in
            let n = p.count
            var last: Int32? = nil
            var start = -1, i = 0
            while i < n {
                let (c, len) = UTF8Coding.decode(p, at: i)
                let s = UnicodeScriptsPreTokenizer.script(c)
                if s != UnicodeScriptsPreTokenizer.any {
                    if last != s {
                        if start >= 0 { words.append(WordSpan(start: Int32(start), end: Int32(i))) }
                        start = i
                    }
                    last = s
                }
                i += len
            }
            if start >= 0 && n > start { words.append(WordSpan(start: Int32(start), end: Int32(n))) }
        }
    }
}
