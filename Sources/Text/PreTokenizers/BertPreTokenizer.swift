import Platform

/// HF's BertPreTokenizer: splits on white space (removed) and isolates each punctuation character
/// (ASCII punctuation and Unicode P* categories).
public struct BertPreTokenizer: PreTokenizer {
    public init() {}

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        ScalarClasses.bmp.withUnsafeBufferPointer { t in
            text.bytes.withUnsafeBufferPointer { p in
                var i = 0
                var wordStart = -1
                let n = p.count
                while i < n {
                    let (c, len) = UTF8Coding.decode(p, at: i)
                    let k = ScalarClasses.of(c, t)
                    if k & (ScalarClasses.space | ScalarClasses.punctuation) == 0 {
                        if wordStart < 0 { wordStart = i }
                    } else {
                        if wordStart >= 0 { words.append(WordSpan(start: Int32(wordStart), end: Int32(i))); wordStart = -1 }
                        if k & ScalarClasses.space == 0 { words.append(WordSpan(start: Int32(i), end: Int32(i + len))) }
                    }
                    i += len
                }
                if wordStart >= 0 { words.append(WordSpan(start: Int32(wordStart), end: Int32(n))) }
            }
        }
    }
}

extension BertPreTokenizer: PreTokenizerStage {
    public static let typeNames = ["BertPreTokenizer"]
    public init(json: StageJSON) throws { self.init() }
    public var json: StrictJSON { .stage("BertPreTokenizer") }
}
