import Platform

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
    /// Prepended to every symbol but a word's first (HF's `continuing_subword_prefix`, "##" in BERT-style BPE).
    public let continuingSubwordPrefix: String?
    /// Appended to a word's last symbol (`end_of_word_suffix`, "</w>" in the original BPE).
    public let endOfWordSuffix: String?
    /// A word that is itself a piece is that piece, merges are not applied (`ignore_merges`).
    public let ignoreMerges: Bool
    private let prefixBytes: [UInt8]
    private let suffixBytes: [UInt8]
    let byteIDs: [Int32]?
    /// (left << 32 | right) → (rank << 32 | merged id).
    let mergeTable: [UInt64: UInt64]

    /// `merges` name pieces; each pair and its concatenation must be in the vocabulary. Errors name
    /// the offending merge by index.
    public init(vocabulary: Vocabulary, merges: [(String, String)], unkToken: String?, byteFallback: Bool, fuseUnknown: Bool,
                continuingSubwordPrefix: String? = nil, endOfWordSuffix: String? = nil, ignoreMerges: Bool = false) throws {
        var unk: Int32?
        if let unkToken {
            guard let u = vocabulary.id(for: unkToken) else {
                throw TokenizerError("BPE: unk_token \"\(excerpt(unkToken))\" is not in the vocabulary")
            }
            unk = Int32(u)
        }
        var ids: [(Int32, Int32)] = []
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, m) in merges.enumerated() {
            guard let a = vocabulary.id(for: m.0) else { throw TokenizerError("merges[\(rank)]: piece \"\(excerpt(m.0))\" is not in the vocabulary") }
            guard let b = vocabulary.id(for: m.1) else { throw TokenizerError("merges[\(rank)]: piece \"\(excerpt(m.1))\" is not in the vocabulary") }
            // With a continuation prefix the right piece loses it in the merge ("a" + "##b" = "ab").
            var right = m.1
            if let p = continuingSubwordPrefix, !p.isEmpty, right.hasPrefix(p) { right = String(right.utf8.dropFirst(p.utf8.count))! }
            guard let c = vocabulary.id(for: m.0 + right) else {
                throw TokenizerError("merges[\(rank)]: merged piece \"\(excerpt(m.0 + right))\" is not in the vocabulary")
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
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.endOfWordSuffix = endOfWordSuffix
        self.ignoreMerges = ignoreMerges
        prefixBytes = Array((continuingSubwordPrefix ?? "").utf8)
        suffixBytes = Array((endOfWordSuffix ?? "").utf8)
        // Per byte, -1 when its piece is missing: HF falls back to bytes only when every byte of the
        // character has a piece, otherwise the character is unknown.
        byteIDs = byteFallback ? (0..<256).map { Int32(vocabulary.id(for: byteFallbackPiece(UInt8($0))) ?? -1) } : nil
    }

    public func encode(_ word: UnsafeBufferPointer<UInt8>, into out: inout TokenBuffer, scratch: ModelScratch) {
        if ignoreMerges, let base = word.baseAddress {
            let id = vocabulary.id(base, word.count)
            if id >= 0 { out.append(Int32(id), 0, word.count); return }
        }
        let mark = out.count
        appendCharacters(word, into: &out)
        mergeSymbols(from: mark, in: &out, scratch: scratch)
    }

    /// The quadratic reference encoding (same pieces as `encode`), for tests.
    func encodeNaive(_ word: UnsafeBufferPointer<UInt8>, into out: inout TokenBuffer) {
        let mark = out.count
        appendCharacters(word, into: &out)
        mergeSymbolsNaive(from: mark, in: &out)
    }

    /// The word's initial symbols: one per character, byte pieces or the unknown piece.
    func appendCharacters(_ word: UnsafeBufferPointer<UInt8>, into out: inout TokenBuffer) {
        let n = word.count
        let base = word.baseAddress!
        let mark = out.count
        // Initial symbols.
        var pos = 0
        let affixed = !prefixBytes.isEmpty || !suffixBytes.isEmpty
        var symbol: [UInt8] = []
        while pos < n {
            let len = min(n - pos, UTF8Coding.sequenceLength(word[pos]))
            var id: Int
            if affixed {
                // The symbol as the vocabulary spells it: prefix unless first, suffix when last.
                symbol.removeAll(keepingCapacity: true)
                if pos > 0 { symbol += prefixBytes }
                symbol += UnsafeBufferPointer(rebasing: word[pos..<(pos + len)])
                if pos + len == n { symbol += suffixBytes }
                id = symbol.withUnsafeBufferPointer { vocabulary.id($0.baseAddress!, $0.count) }
            } else {
                id = vocabulary.id(base + pos, len)
            }
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
    }

    /// The merge of the adjacent pair (left, right): rank << 32 | merged id, or nil.
    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> UInt64? {
        mergeTable[UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))]
    }

    /// Merges the symbols `out[mark...]` in O(n log n) of their number: the symbols form a linked
    /// list, candidate pairs wait in a min-heap keyed by (rank, position of the left symbol), and a
    /// popped candidate is applied only if the pair now at that position still has that rank (lazy
    /// invalidation: a rank names one merge, so an equal rank means the same pair). Popping the
    /// lowest (rank, position) is what the quadratic rule "merge the lowest-rank pair, leftmost
    /// first" picks at each step, so the pieces are the same.
    func mergeSymbols(from mark: Int, in out: inout TokenBuffer, scratch: ModelScratch) {
        let count = out.count - mark
        guard count > 1 else { return }
        // The work arrays are taken out of the scratch (not copied) and put back at the end.
        var next: [Int32] = [], prev: [Int32] = [], heapStorage: [UInt64] = []
        swap(&next, &scratch.bpeNext); swap(&prev, &scratch.bpePrev); swap(&heapStorage, &scratch.bpeHeap)
        var heap = BinaryMinHeap(storage: heapStorage)
        next.removeAll(keepingCapacity: true); prev.removeAll(keepingCapacity: true)
        next.reserveCapacity(count); prev.reserveCapacity(count)
        for i in 0..<count {
            next.append(i + 1 < count ? Int32(i + 1) : -1)
            prev.append(Int32(i - 1))
        }
        for i in 0..<(count - 1) {
            if let v = merge(out.ids[mark + i], out.ids[mark + i + 1]) { heap.push((v & 0xFFFF_FFFF_0000_0000) | UInt64(i)) }
        }
        while let key = heap.pop() {
            let rank = key >> 32
            let left = Int(key & 0xFFFF_FFFF)
            let leftID = out.ids[mark + left]
            guard leftID >= 0 else { continue }              // absorbed by its left neighbour
            let right = Int(next[left])
            guard right >= 0, let v = merge(leftID, out.ids[mark + right]), v >> 32 == rank else { continue }
            out.ids[mark + left] = Int32(truncatingIfNeeded: v & 0xFFFF_FFFF)
            out.ends[mark + left] = out.ends[mark + right]
            out.ids[mark + right] = -1
            let after = next[right]
            next[left] = after
            if after >= 0 { prev[Int(after)] = Int32(left) }
            let before = prev[left]
            if before >= 0, let w = merge(out.ids[mark + Int(before)], out.ids[mark + left]) {
                heap.push((w & 0xFFFF_FFFF_0000_0000) | UInt64(before))
            }
            if after >= 0, let w = merge(out.ids[mark + left], out.ids[mark + Int(after)]) {
                heap.push((w & 0xFFFF_FFFF_0000_0000) | UInt64(left))
            }
        }
        // Compact the surviving symbols in order (the first symbol always survives).
        var write = mark
        var i = 0
        while i >= 0 {
            out.ids[write] = out.ids[mark + i]; out.starts[write] = out.starts[mark + i]; out.ends[write] = out.ends[mark + i]
            write += 1
            i = Int(next[i])
        }
        let drop = out.count - write
        out.ids.removeLast(drop); out.starts.removeLast(drop); out.ends.removeLast(drop)
        scratch.bpeNext = next; scratch.bpePrev = prev; scratch.bpeHeap = heap.storage
    }

    /// The quadratic merge loop: a scan over all adjacent pairs per merge. The reference the tests
    /// compare `mergeSymbols` with.
    func mergeSymbolsNaive(from mark: Int, in out: inout TokenBuffer) {
        while out.count - mark > 1 {
            var bestRank = UInt64.max, bestAt = -1, bestID: Int32 = 0
            var i = mark
            while i + 1 < out.count {
                if let v = merge(out.ids[i], out.ids[i + 1]), v >> 32 < bestRank {
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

/// A binary min-heap of UInt64 keys over a reusable array.
struct BinaryMinHeap {
    var storage: [UInt64]
    init(storage: [UInt64]) { self.storage = storage; self.storage.removeAll(keepingCapacity: true) }

    mutating func push(_ key: UInt64) {
        storage.append(key)
        var i = storage.count - 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if storage[parent] <= key { break }
            storage[i] = storage[parent]
            i = parent
        }
        storage[i] = key
    }

    mutating func pop() -> UInt64? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        let top = storage[0]
        let n = storage.count
        var i = 0
        while true {
            var child = 2 * i + 1
            if child >= n { break }
            if child + 1 < n && storage[child + 1] < storage[child] { child += 1 }
            if storage[child] >= last { break }
            storage[i] = storage[child]
            i = child
        }
        storage[i] = last
        return top
    }
}
