import Platform

/// HF's `Split` pre-tokenizer: the matches of `pattern` (a literal or a regular expression) are
/// delimiters, handled as `behavior` says; with `invert` the matches are the words and the text
/// between them the delimiters.
public struct SplitPreTokenizer: PreTokenizerStage {
    public static let typeNames = ["Split"]
    public let pattern: StagePattern
    public var behavior: SplitDelimiterBehavior
    public var invert: Bool

    public init(pattern: StagePattern, behavior: SplitDelimiterBehavior, invert: Bool = false) {
        self.pattern = pattern; self.behavior = behavior; self.invert = invert
    }

    public init(json: StageJSON) throws {
        pattern = try StagePattern(json)
        behavior = try SplitDelimiterBehavior.read(json)
        invert = try json.bool("invert")
    }

    public var json: StrictJSON {
        .stage("Split", [("pattern", pattern.json), ("behavior", .string(behavior.rawValue)), ("invert", .bool(invert))])
    }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        var s = DelimiterSplitter(behavior)
        try text.bytes.withUnsafeBufferPointer { p in
            try s.split(count: p.count, invert: invert, into: &words) { emit in try pattern.forEachMatch(in: p, emit) }
        }
    }
}
