import Platform

/// BERT's WordPiece: greedy longest match first from the start of the word, pieces after the first
/// carry the continuation prefix ("##"); a word longer than `maxInputCharsPerWord` characters, or
/// one with a position no piece matches, becomes the unknown token as a whole (as HF does).
public struct WordPieceModel: SubwordModel {
    public let vocabulary: Vocabulary
    public let unkID: Int32
    public let unkToken: String
    public let continuingSubwordPrefix: String
    public let maxInputCharsPerWord: Int
    /// Pieces that start with the prefix, indexed without it, to look up continuations in place.
    private let continuations: ByteSpanTable
    private let continuationIDs: [Int32]

    public init(vocabulary: Vocabulary, unkToken: String = "[UNK]", continuingSubwordPrefix: String = "##", maxInputCharsPerWord: Int = 100) throws {
        guard let unk = vocabulary.id(for: unkToken) else {
            throw TokenizerError("WordPiece unknown token \"\(excerpt(unkToken))\" is not in the vocabulary")
        }
        self.vocabulary = vocabulary
        self.unkID = Int32(unk)
        self.unkToken = unkToken
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        var t = ByteSpanTable(capacity: vocabulary.count / 4)
        var ids: [Int32] = []
        let prefix = Array(continuingSubwordPrefix.utf8)
        for (i, p) in vocabulary.pieces.enumerated() {
            let u = Array(p.utf8)
            if u.count > prefix.count && Array(u[0..<prefix.count]) == prefix {
                let r = t.insert(Array(u[prefix.count...]))
                if r.inserted { ids.append(Int32(i)) }
            }
        }
        continuations = t
        continuationIDs = ids
    }

    public func encode(_ word: UnsafeBufferPointer<UInt8>, into out: inout TokenBuffer, scratch: ModelScratch) {
        let n = word.count
        if UTF8Coding.scalarCount(word) > maxInputCharsPerWord {
            out.append(unkID, 0, n)
            return
        }
        let base = word.baseAddress!
        let mark = out.count
        var start = 0
        while start < n {
            var end = n
            var found: Int32 = -1
            while end > start {
                if start == 0 {
                    let id = vocabulary.id(base, end)
                    if id >= 0 { found = Int32(id); break }
                } else {
                    let e = continuations.find(base + start, end - start)
                    if e >= 0 { found = continuationIDs[e]; break }
                }
                // Back off one character.
                end -= 1
                while end > start && word[end] & 0xC0 == 0x80 { end -= 1 }
            }
            if found < 0 {
                out.ids.removeLast(out.count - mark); out.starts.removeLast(out.starts.count - mark); out.ends.removeLast(out.ends.count - mark)
                out.append(unkID, 0, n)
                return
            }
            out.append(found, start, end)
            start = end
        }
    }
}
