/// The result of encoding one text, a pair, or a list of words: one entry per token in each array.
public struct Encoding: Equatable, Sendable {
    public var ids: [Int] = []
    public var pieces: [String] = []
    /// 0 for the first sequence, 1 for the second (as the post-processor's template says).
    public var typeIDs: [Int] = []
    /// True for tokens the post-processor added ([CLS], [SEP], <s>, </s>) and padding (as in HF, an
    /// added token matched in the text is not marked).
    public var specialTokensMask: [Bool] = []
    /// 1 for tokens, 0 for padding.
    public var attentionMask: [Int] = []
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
        specialTokensMask += other.specialTokensMask; attentionMask += other.attentionMask; wordIndex += other.wordIndex; sequenceIndex += other.sequenceIndex
        byteOffsets += other.byteOffsets; utf16Offsets += other.utf16Offsets; scalarOffsets += other.scalarOffsets
    }

    /// Keeps the first `n` tokens, or the last `n` with `fromLeft`.
    mutating func truncate(to n: Int, fromLeft: Bool = false) {
        guard count > n else { return }
        let drop = count - max(0, n)
        func cut<T>(_ a: inout [T]) { if fromLeft { a.removeFirst(min(drop, a.count)) } else { a.removeLast(min(drop, a.count)) } }
        cut(&ids); cut(&pieces); cut(&typeIDs); cut(&specialTokensMask); cut(&attentionMask); cut(&wordIndex); cut(&sequenceIndex)
        cut(&byteOffsets); cut(&utf16Offsets); cut(&scalarOffsets)
    }
}
