/// The result of encoding one text, a pair, or a list of words: one entry per token in each array.
public struct Encoding: Equatable, Sendable {
    public var ids: [Int] = []
    public var pieces: [String] = []
    /// 0 for the first sequence, 1 for the second (as the post-processor's template says).
    public var typeIDs: [Int] = []
    /// True for tokens the post-processor added ([CLS], [SEP], <s>, </s>) and special tokens in the text.
    public var specialTokensMask: [Bool] = []
    /// Index of the word (pre-token, or entry of `encode(words:)`) the token belongs to; nil for special tokens.
    public var wordIndex: [Int?] = []
    /// Which input sequence (0 or 1) the token comes from; nil for added special tokens.
    public var sequenceIndex: [Int?] = []
    /// Offsets into the original text of the token's sequence: UTF-8 bytes, UTF-16 code units and
    /// Unicode scalars. Added special tokens have empty ranges at 0.
    public var byteOffsets: [Range<Int>] = []
    public var utf16Offsets: [Range<Int>] = []
    public var scalarOffsets: [Range<Int>] = []

    public init() {}

    public var count: Int { ids.count }

    /// Token positions that start a word (where a tagging label goes).
    public var firstSubwordOfWord: [Bool] {
        var seen = Set<Int>()
        return wordIndex.map { w in
            guard let w else { return false }
            return seen.insert(w).inserted
        }
    }

    mutating func append(_ other: Encoding) {
        ids += other.ids; pieces += other.pieces; typeIDs += other.typeIDs
        specialTokensMask += other.specialTokensMask; wordIndex += other.wordIndex; sequenceIndex += other.sequenceIndex
        byteOffsets += other.byteOffsets; utf16Offsets += other.utf16Offsets; scalarOffsets += other.scalarOffsets
    }

    mutating func truncate(to n: Int) {
        guard count > n else { return }
        let k = max(0, n)
        ids.removeLast(count - k); pieces.removeLast(pieces.count - k); typeIDs.removeLast(typeIDs.count - k)
        specialTokensMask.removeLast(specialTokensMask.count - k); wordIndex.removeLast(wordIndex.count - k)
        sequenceIndex.removeLast(sequenceIndex.count - k); byteOffsets.removeLast(byteOffsets.count - k)
        utf16Offsets.removeLast(utf16Offsets.count - k); scalarOffsets.removeLast(scalarOffsets.count - k)
    }
}
