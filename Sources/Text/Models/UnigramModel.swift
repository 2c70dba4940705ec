/// The Unigram language model (Kudo 2018): a word is split into the sequence of pieces with the
/// highest total log probability, by Viterbi over a lattice whose edges come from common-prefix
/// searches in a double-array trie. Same search order and tie-breaking as SentencePiece and HF
/// (left to right, shorter pieces first, strictly better scores replace). A character no piece
/// covers becomes the unknown piece (score: lowest score − 10); runs of them are fused and, with
/// byte fallback, emitted as their UTF-8 bytes "<0xNN>" instead.
public struct UnigramModel: SubwordModel {
    public let vocabulary: Vocabulary
    public let scores: [Double]
    public let unkID: Int32
    public let byteFallback: Bool
    let byteIDs: [Int32]?
    let trie: DoubleArrayTrie
    let unkScore: Double

    static let unknownPenalty = 10.0

    public init(vocabulary: Vocabulary, scores: [Double], unkID: Int, byteFallback: Bool) throws {
        guard scores.count == vocabulary.count else {
            throw TokenizerError("Unigram: \(vocabulary.count) pieces but \(scores.count) scores")
        }
        guard unkID >= 0 && unkID < vocabulary.count else {
            throw TokenizerError("Unigram: unk_id \(unkID) is outside the vocabulary (size \(vocabulary.count))")
        }
        self.vocabulary = vocabulary
        self.scores = scores
        self.unkID = Int32(unkID)
        self.byteFallback = byteFallback
        byteIDs = byteFallback ? byteFallbackIDs(vocabulary) : nil
        if byteFallback && byteIDs == nil {
            throw TokenizerError("Unigram: byte_fallback is on but the vocabulary lacks some of the pieces <0x00>…<0xFF>")
        }
        // Byte pieces and the unknown piece are outputs only: the text "<0x41>" is not the byte 0x41.
        var keys: [([UInt8], Int32)] = []
        for (i, p) in vocabulary.pieces.enumerated() where i != unkID && !p.isEmpty && byteOfFallbackPiece(p) == nil {
            keys.append((Array(p.utf8), Int32(i)))
        }
        trie = DoubleArrayTrie(keys: keys)
        unkScore = (scores.min() ?? 0) - UnigramModel.unknownPenalty
    }

    public func encode(_ word: UnsafeBufferPointer<UInt8>, into out: inout TokenBuffer, scratch: ModelScratch) {
        let n = word.count
        if scratch.score.count < n + 1 {
            scratch.score = Array(repeating: 0, count: 2 * n + 2)
            scratch.from = Array(repeating: 0, count: 2 * n + 2)
            scratch.pieceID = Array(repeating: 0, count: 2 * n + 2)
        }
        scratch.score.withUnsafeMutableBufferPointer { best in
        scratch.from.withUnsafeMutableBufferPointer { from in
        scratch.pieceID.withUnsafeMutableBufferPointer { piece in
        scores.withUnsafeBufferPointer { scores in
            for i in 0...n { from[i] = -1 }
            best[0] = 0
            var start = 0
            while start < n {
                let here = best[start]
                let charLen = UTF8Coding.sequenceLength(word[start])
                var hasSingle = false
                trie.commonPrefixes(word, from: start, to: n) { end, id in
                    let s = here + scores[Int(id)]
                    if from[end] < 0 || s > best[end] {
                        best[end] = s; from[end] = Int32(start); piece[end] = id
                    }
                    if end - start == charLen { hasSingle = true }
                }
                if !hasSingle {
                    let end = min(n, start + charLen)
                    let s = here + unkScore
                    if from[end] < 0 || s > best[end] {
                        best[end] = s; from[end] = Int32(start); piece[end] = unkID
                    }
                }
                start += charLen
            }
            // Walk back, then emit in order; consecutive unknowns fuse into one span.
            let mark = out.count
            var end = n
            while end > 0 {
                let s = Int(from[end])
                let id = piece[end]
                if id == unkID, out.count > mark, out.ids[out.count - 1] == unkID {
                    out.starts[out.count - 1] = Int32(s)
                } else {
                    out.append(id, s, end)
                }
                end = s
            }
            reverseTail(&out, from: mark)
            if let byteIDs {
                expandUnknowns(&out, from: mark, word: word, byteIDs: byteIDs)
            }
        }
        }
        }
        }
    }

    private func reverseTail(_ out: inout TokenBuffer, from mark: Int) {
        var i = mark, j = out.count - 1
        while i < j {
            out.ids.swapAt(i, j); out.starts.swapAt(i, j); out.ends.swapAt(i, j)
            i += 1; j -= 1
        }
    }

    /// Replaces each unknown span by its bytes' pieces, all keeping the span's range (as HF does).
    private func expandUnknowns(_ out: inout TokenBuffer, from mark: Int, word: UnsafeBufferPointer<UInt8>, byteIDs: [Int32]) {
        var hasUnknown = false
        for k in mark..<out.count where out.ids[k] == unkID { hasUnknown = true; break }
        if !hasUnknown { return }
        var ids: [Int32] = [], starts: [Int32] = [], ends: [Int32] = []
        for k in mark..<out.count {
            if out.ids[k] == unkID {
                for b in Int(out.starts[k])..<Int(out.ends[k]) {
                    ids.append(byteIDs[Int(word[b])]); starts.append(out.starts[k]); ends.append(out.ends[k])
                }
            } else {
                ids.append(out.ids[k]); starts.append(out.starts[k]); ends.append(out.ends[k])
            }
        }
        out.ids.removeLast(out.count - mark); out.starts.removeLast(out.starts.count - mark); out.ends.removeLast(out.ends.count - mark)
        out.ids += ids; out.starts += starts; out.ends += ends
    }
}
