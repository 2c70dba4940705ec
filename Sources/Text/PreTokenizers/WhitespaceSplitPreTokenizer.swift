import Platform

/// HF's `WhitespaceSplit` pre-tokenizer: splits on white space (Unicode White_Space), which is dropped.
public struct WhitespaceSplitPreTokenizer: PreTokenizerStage {
    public static let typeNames = ["WhitespaceSplit"]
    public init() {}
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("WhitespaceSplit") }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        var s = DelimiterSplitter(.removed)
        s.splitOnClass(text, mask: ScalarClasses.space, into: &words)
    }
}
