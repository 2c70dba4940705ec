import Platform

/// HF's `UnicodeScripts` pre-tokenizer: splits where the script changes (SentencePiece's rule:
/// Hiragana, Katakana and U+30FC count as Han). A space belongs to any script (it never starts a
/// word, and a leading one is dropped, as HF does); so do characters HF's Unicode 9.0 table lacks.
public struct UnicodeScriptsPreTokenizer: PreTokenizerStage {
    public static let typeNames = ["UnicodeScripts"]
    public init() {}
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("UnicodeScripts") }

    private static let han = Script(iso15924: "Hani")?.code ?? 17
    private static let hiragana = Script(iso15924: "Hira")?.code ?? 20
    private static let katakana = Script(iso15924: "Kana")?.code ?? 22
    private static let unknown = Script(iso15924: "Zzzz")?.code ?? 103
    private static let devanagari = Script(iso15924: "Deva")?.code ?? 10
    /// "Any": fits every script.
    private static let any: Int32 = -1

    /// The script of `c` with HF's adjustments (ICU's script codes; `any` for a space and for what
    /// HF's script table lacks: it is Unicode 9.0's, so later characters fit any script).
    static func compute(_ c: UInt32) -> Int32 {
        if c == 0x20 { return any }
        if c == 0x30FC { return han }
        guard let s = Unicode.Scalar(c) else { return any }
        let age = UnicodeProperties.age(s)
        if age == 0 || age > 900 { return any }
        // Scripts Unicode changed since 9.0 (found by the classes test against HF).
        if c == 0x589 || c == 0x61C { return Script.common.code }
        if c == 0x953 || c == 0x954 { return devanagari }
        let code = Script(of: s).code
        if code == hiragana || code == katakana { return han }
        if code == unknown { return any }
        return code
    }

    /// `compute` for the BMP, once per process (ICU's script codes fit a byte; 255 stands for `any`).
    private static let bmp: [UInt8] = {
        var t = [UInt8](repeating: 255, count: 0x10000)
        for c in 0..<UInt32(0x10000) where !(0xD800..<0xE000).contains(c) {
            let s = compute(c)
            t[Int(c)] = s < 0 || s > 254 ? 255 : UInt8(s)
        }
        return t
    }()

    @inline(__always)
    static func script(_ c: UInt32, _ t: UnsafeBufferPointer<UInt8>) -> Int32 {
        if c < 0x10000 {
            let v = t[Int(c)]
            // `any`, or a code beyond a byte (none today): looked up again.
            return v == 255 ? compute(c) : Int32(v)
        }
        return compute(c)
    }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        UnicodeScriptsPreTokenizer.bmp.withUnsafeBufferPointer { t in
            text.bytes.withUnsafeBufferPointer { p in
                let n = p.count
                var last: Int32? = nil
                var start = -1, i = 0
                while i < n {
                    let (c, len) = UTF8Coding.decode(p, at: i)
                    let s = UnicodeScriptsPreTokenizer.script(c, t)
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
}
