import Platform

/// HF's `Whitespace` pre-tokenizer: the matches of `\w+|[^\w\s]+` (runs of word characters, runs
/// of other non-space characters); white space is dropped.
public struct WhitespacePreTokenizer: PreTokenizerStage {
    public static let typeNames = ["Whitespace"]
    public init() {}
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("Whitespace") }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        ScalarClasses.bmp.withUnsafeBufferPointer { t in
            text.bytes.withUnsafeBufferPointer { p in
                let n = p.count
                // Run kind: 0 = white space (dropped), 1 = word characters, 2 = other characters.
                var kind = 0, start = 0, i = 0
                while i < n {
                    let (c, len) = UTF8Coding.decode(p, at: i)
                    let k = ScalarClasses.of(c, t)
                    let next = k & ScalarClasses.word != 0 ? 1 : (k & ScalarClasses.space != 0 ? 0 : 2)
                    if next != kind {
                        if kind != 0 { words.append(WordSpan(start: Int32(start), end: Int32(i))) }
                        kind = next; start = i
                    }
                    i += len
                }
                if kind != 0 && n > start { words.append(WordSpan(start: Int32(start), end: Int32(n))) }
            }
        }
    }
}
