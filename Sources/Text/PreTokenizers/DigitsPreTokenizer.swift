import Platform

/// HF's `Digits` pre-tokenizer: numeric characters (general categories Nd, Nl, No, in any script)
/// are split from the rest, each on its own when `individual_digits`, else in runs.
public struct DigitsPreTokenizer: PreTokenizerStage {
    public static let typeNames = ["Digits"]
    public var individualDigits: Bool

    public init(individualDigits: Bool = false) { self.individualDigits = individualDigits }

    public init(json: StageJSON) throws { individualDigits = try json.bool("individual_digits") }

    public var json: StrictJSON { .stage("Digits", [("individual_digits", .bool(individualDigits))]) }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        var s = DelimiterSplitter(individualDigits ? .isolated : .contiguous)
        s.splitOnClass(text, mask: ScalarClasses.number, into: &words)
    }
}
