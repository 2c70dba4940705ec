/// Byte-pair encoding as HF `tokenizers` applies it (Sennrich et al. 2016): a word starts as its
/// characters (Unicode scalars), then the adjacent pair whose merge has the lowest rank is merged,
/// leftmost first on equal ranks, until no adjacent pair has a merge. A character missing from the
/// vocabulary becomes its UTF-8 bytes "<0xNN>" with byte fallback (each byte piece spans the whole
/// character, as Unigram's do), else the unknown piece; `fuseUnknown` joins runs of unknowns.
public struct BPEModel: SubwordModel {
    public let vocabulary: Vocabulary
    /// Merges in rank order, as piece ids (left, right).
    public let merges: [(Int32, Int32)]
    public let unkID: Int32?
    public let byteFallback: Bool
    public let fuseUnknown: Bool
    let byteIDs: [Int32]?
    /// (left << 32 | right) → (rank << 32 | merged id).
    let mergeTable: [UInt64: UInt64]

    /// `merges` name pieces; each pair and its concatenation must be in the vocabulary. Errors name
    /// the offending merge by index.
    public init(vocabulary: Vocabulary, merges: [(String, String)], unkToken: String?, byteFallback: Bool, fuseUnknown: Bool) throws {
        var unk: Int32?
        if let unkToken {
            guard let u = vocabulary.id(for: unkToken) else {
                throw TokenizerError("BPE: unk_token \"\(unkToken)\" is not in the vocabulary")
            }
            unk = Int32(u)
        }
        var ids: [(Int32, Int32)] = []
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, m) in merges.enumerated() {
            guard let a = vocabulary.id(for: m.0) else { throw TokenizerError("merges[\(rank)]: piece \"\(m.0)\" is not in the vocabulary") }
            guard let b = vocabulary.id(for: m.1) else { throw TokenizerError("merges[\(rank)]: piece \"\(m.1)\" is not in the vocabulary") }
            guard let c = vocabulary.id(for: m.0 + m.1) else {
                throw TokenizerError("merges[\(rank)]: merged piece \"\(m.0 + m.1)\" is not in the vocabulary")
            }
            ids.append((Int32(a), Int32(b)))
            let key = UInt64(a) << 32 | UInt64(b)
            // A pair listed twice takes the rank of its last occurrence, as in HF.
            table[key] = UInt64(rank) << 32 | UInt64(c)
        }
        self.vocabulary = vocabulary
        self.merges = ids
        self.mergeTable = table
        self.unkID = unk
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
        // Per byte, -1 when its piece is missing: HF falls back to bytes only when every byte of the
        // character has a piece, otherwise the character is unknown.
        byteIDs = byteFallback ? (0..<256).map { Int32(vocabulary.id(for: byteFallbackPiece(UInt8($0))) ?? -1) } : nil
    }

    public func encode(_ word: UnsafeBufferPointer<UInt8>, into out: inout TokenBuffer, scratch: ModelScratch) {
        let n = word.count
        let base = word.baseAddress!
        let mark = out.count
        // Initial symbols.
        var pos = 0
        while pos < n {
            let len = min(n - pos, UTF8Coding.sequenceLength(word[pos]))
            let id = vocabulary.id(base + pos, len)
            if id >= 0 {
                out.append(Int32(id), pos, pos + len)
            } else if let byteIDs, (0..<len).allSatisfy({ byteIDs[Int(word[pos + $0])] >= 0 }) {
                for k in 0..<len { out.append(byteIDs[Int(word[pos + k])], pos, pos + len) }
            } else if let unkID {
                if fuseUnknown, out.count > mark, out.ids[out.count - 1] == unkID {
                    out.ends[out.count - 1] = Int32(pos + len)
                } else {
                    out.append(unkID, pos, pos + len)
                }
            }
            pos += len
        }
        // Merge the lowest-rank adjacent pair until none has a merge. Words are short: a scan per
        // merge over the few symbols beats a heap, and the tokenizer caches whole words.
        while out.count - mark > 1 {
            var bestRank = UInt64.max, bestAt = -1, bestID: Int32 = 0
            var i = mark
            while i + 1 < out.count {
                let key = UInt64(UInt32(bitPattern: out.ids[i])) << 32 | UInt64(UInt32(bitPattern: out.ids[i + 1]))
                if let v = mergeTable[key], v >> 32 < bestRank {
                    bestRank = v >> 32; bestAt = i; bestID = Int32(truncatingIfNeeded: v & 0xFFFF_FFFF)
                }
                i += 1
            }
            if bestAt < 0 { break }
            out.ids[bestAt] = bestID
            out.ends[bestAt] = out.ends[bestAt + 1]
            out.ids.remove(at: bestAt + 1); out.starts.remove(at: bestAt + 1); out.ends.remove(at: bestAt + 1)
        }
    }

    /// The merges as piece strings, in rank order.
    public var mergePieces: [(String, String)] {
        merges.map { (vocabulary.pieces[Int($0.0)], vocabulary.pieces[Int($0.1)]) }
    }
}
