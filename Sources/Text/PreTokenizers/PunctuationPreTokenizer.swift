import Platform

/// HF's `Punctuation` pre-tokenizer: every punctuation character (ASCII punctuation or a Unicode P*
/// category) is a delimiter, handled as `behavior` says.
public struct PunctuationPreTokenizer: PreTokenizerStage {
    public static let typeNames = ["Punctuation"]
    public var behavior: SplitDelimiterBehavior

    public init(behavior: SplitDelimiterBehavior = .isolated) { self.behavior = behavior }

    public init(json: StageJSON) throws {
        behavior = json.has("behavior") ? try SplitDelimiterBehavior.read(json) : .isolated
    }

    public var json: StrictJSON { .stage("Punctuation", [("behavior", .string(behavior.rawValue))]) }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        var s = DelimiterSplitter(behavior)
        s.splitOnClass(text, mask: ScalarClasses.punctuation, into: &words)
    }
}
