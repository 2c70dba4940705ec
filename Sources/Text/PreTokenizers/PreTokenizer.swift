/// A word (pre-token) as a byte range of the pre-tokenized text.
public struct WordSpan: Equatable, Sendable {
    public var start: Int32
    public var end: Int32
    public init(start: Int32, end: Int32) { self.start = start; self.end = end }
}

/// Second stage: splits normalized text into words that the subword model encodes one by one.
/// A stage may rewrite the text (a whitespace marker replaces spaces); it replaces `text` with the
/// rewritten text, still aligned to the original.
public protocol PreTokenizer: Sendable {
    /// `isFirstSegment`: the text starts where the input does (false for text that follows a special
    /// token, and inside a `Sequence` for every word but one that starts at the input's start).
    func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws
}

/// A pre-tokenizer of tokenizer.json: a `PreTokenizer` read and written as its JSON object.
public protocol PreTokenizerStage: PreTokenizer, TokenizerStage {
    /// True when the words depend on where the text came from in the original, so the text must
    /// carry its alignment even when no offsets are wanted (Metaspace's `first` scheme asks whether
    /// the text's first character is the input's first).
    var needsSourceAlignment: Bool { get }
}

extension PreTokenizerStage {
    public var needsSourceAlignment: Bool { false }
}

/// Per-thread buffers and ICU iterators the pre-tokenizers reuse between calls.
public final class PreTokenizerScratch {
    var spare = AlignedText()
    /// A `Sequence`'s buffers: the text being rebuilt, one word's text, its words.
    var sequenceText = AlignedText()
    var sequenceWord = AlignedText()
    var sequenceWords: [WordSpan] = []
    /// ByteLevel's copy of the text with its prefix space.
    var byteLevelInput: [UInt8] = []
    var breakers: [String: UTF8WordBreaker] = [:]
    var boundaries: [Int32] = Array(repeating: 0, count: 1024)
    var statuses: [Int32] = Array(repeating: 0, count: 1024)
    public init() {}

    /// The spare buffer, emptied, leaving none behind (so writing it never copies).
    func takeSpare(tracking: Bool) -> AlignedText {
        var t = AlignedText()
        swap(&t, &spare)
        t.removeAll()
        t.tracksSource = tracking
        return t
    }

    func breaker(locale: String) throws -> UTF8WordBreaker {
        if let b = breakers[locale] { return b }
        let b = try UTF8WordBreaker(locale: locale)
        breakers[locale] = b
        return b
    }
}

/// SentencePiece's whitespace marker "▁" (U+2581) in UTF-8.
public let metaspaceMarker: [UInt8] = [0xE2, 0x96, 0x81]

@inline(__always)
func startsWithMarker(_ b: [UInt8], at i: Int) -> Bool {
    i + 2 < b.count && b[i] == 0xE2 && b[i + 1] == 0x96 && b[i + 2] == 0x81
}
