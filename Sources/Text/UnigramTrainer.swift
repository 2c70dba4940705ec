import Foundation
import Platform

/// SentencePiece's Unigram training (Kudo 2018) over weighted distinct words:
/// seed pieces are the frequent substrings (by frequency × length, at most `maxPieceLength`
/// characters, one script each, digits apart, only covered characters); then rounds of EM
/// (expected counts by forward–backward, scores = digamma(count) − digamma(total), pieces expected
/// less than 0.5 times dropped) and pruning (each piece scored by the likelihood lost when its
/// Viterbi frequency moves to its best alternative segmentation; the top `shrinkingFactor` kept)
/// until 1.1 × the wanted size; the final vocabulary is every covered character plus the best-scored
/// pieces. Each word's lattice edges are found once and reused by every round.
struct UnigramTrainer {
    let maxPieceLength: Int
    let characterCoverage: Double
    let seedSize: Int
    let shrinkingFactor: Double
    let emIterations: Int
    var progress: ((String) -> Void)? = nil
    /// Partitions of parallel loops: fixed, so sums (and the result) do not depend on the thread count.
    static let chunks = 16
    static let expectedFrequencyThreshold = 0.5

    struct Result { var pieces: [String]; var scores: [Double] }

    /// Flat storage of the words: bytes, start offsets, weights.
    struct Words {
        var bytes: [UInt8] = []
        var start: [Int] = [0]
        var weight: [Double] = []
        var count: Int { weight.count }
    }

    /// Lattice edges in CSR form: for item i, edges first[i]..<first[i+1], ordered by start then length.
    struct Edges {
        var first: [Int] = [0]
        var start: [Int32] = []
        var end: [Int32] = []
        /// Seed piece id, or -1 for an uncovered character (scored as unknown).
        var piece: [Int32] = []
    }

    func train(words counts: TokenizerTrainer.WordCounts, pieceCount: Int) -> Result {
        let clock = Date()
        func note(_ s: String) { progress?(String(format: "%6.2f s  ", Date().timeIntervalSince(clock)) + s) }
        // Distinct words in byte order, so nothing depends on hashing or thread partitions.
        let order = (0..<counts.table.count).sorted { counts.table.key($0).lexicographicallyPrecedes(counts.table.key($1)) }
        var words = Words()
        for e in order {
            words.bytes += counts.table.key(e)
            words.start.append(words.bytes.count)
            words.weight.append(counts.weight[e])
        }

        // Characters covered: most frequent first until the coverage is reached.
        var charFreq: [UInt32: Double] = [:]
        words.bytes.withUnsafeBufferPointer { b in
            for w in 0..<words.count {
                var i = words.start[w]
                while i < words.start[w + 1] {
                    let (c, len) = UTF8Coding.decode(b, at: i)
                    charFreq[c, default: 0] += words.weight[w]
                    i += len
                }
            }
        }
        let charsByFreq = charFreq.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        let totalChars = charsByFreq.reduce(0.0) { $0 + $1.value }
        var required = Set<UInt32>()
        var requiredOrder: [UInt32] = []
        var cumulative = 0.0
        for (c, f) in charsByFreq {
            if cumulative >= characterCoverage * totalChars && c != 0x2581 { continue }
            required.insert(c); requiredOrder.append(c)
            cumulative += f
        }

        // Seed substrings.
        var subs = ByteSpanTable(capacity: 1 << 20)
        var subFreq: [Double] = [], subRaw: [Int32] = [], subChars: [Int32] = []
        let maxEntries = 16_000_000
        words.bytes.withUnsafeBufferPointer { b in
            var offs: [Int] = [], cls: [Int32] = [], ok: [Bool] = []
            for w in 0..<words.count {
                charInfo(b, words.start[w], words.start[w + 1], required, &offs, &cls, &ok)
                let n = cls.count
                for i in 0..<n where ok[i] {
                    var klass: Int32 = -1
                    for j in i..<min(n, i + maxPieceLength) {
                        if !ok[j] { break }
                        if !compatible(&klass, cls[j], first: j == i) { break }
                        let e = subs.insert(b.baseAddress! + offs[i], offs[j + 1] - offs[i])
                        if e.inserted { subFreq.append(0); subRaw.append(0); subChars.append(Int32(j - i + 1)) }
                        subFreq[e.index] += words.weight[w]; subRaw[e.index] += 1
                    }
                }
                if subs.count > maxEntries {
                    // Lossy counting: forget substrings seen once so far, bounding memory on huge corpora.
                    var kept = ByteSpanTable(capacity: subs.count / 2)
                    var f2: [Double] = [], r2: [Int32] = [], c2: [Int32] = []
                    for e in 0..<subs.count where subRaw[e] >= 2 || subChars[e] == 1 {
                        let key = Array(subs.key(e))
                        _ = key.withUnsafeBufferPointer { kept.insert($0.baseAddress!, $0.count) }
                        f2.append(subFreq[e]); r2.append(subRaw[e]); c2.append(subChars[e])
                    }
                    subs = kept; subFreq = f2; subRaw = r2; subChars = c2
                }
            }
        }
        note("\(words.count) words, \(required.count) characters, \(subs.count) substrings")
        var candidates: [Int] = []
        var singles: [Int] = []
        for e in 0..<subs.count {
            if subChars[e] == 1 { singles.append(e) } else if subRaw[e] >= 2 { candidates.append(e) }
        }
        candidates.sort {
            let a = subFreq[$0] * Double(subChars[$0]), b = subFreq[$1] * Double(subChars[$1])
            return a > b || (a == b && subs.key($0).lexicographicallyPrecedes(subs.key($1)))
        }
        singles.sort { subs.key($0).lexicographicallyPrecedes(subs.key($1)) }
        let seedEntries = singles + candidates.prefix(max(0, seedSize - singles.count))
        var seeds = ByteSpanTable(capacity: seedEntries.count)
        var surface: [String] = []
        var score: [Double] = []
        var isRequired: [Bool] = []
        let seedTotal = seedEntries.reduce(0.0) { $0 + subFreq[$1] * Double(subChars[$1]) }
        for e in seedEntries {
            let key = Array(subs.key(e))
            _ = key.withUnsafeBufferPointer { seeds.insert($0.baseAddress!, $0.count) }
            surface.append(String(decoding: key, as: UTF8.self))
            score.append(log(subFreq[e] * Double(subChars[e])) - log(seedTotal))
            isRequired.append(subChars[e] == 1)
        }
        subs = ByteSpanTable()
        subFreq = []; subRaw = []; subChars = []

        // Lattice edges of every word, and of every seed piece (for its alternatives when pruned).
        let wordEdges = buildEdges(words, seeds: seeds, required: required)
        note("\(seeds.count) seeds, \(wordEdges.start.count) lattice edges")
        // Lattices of the pieces themselves (for their alternatives), built at the first pruning for
        // the pieces still alive then; pieces only ever die afterwards.
        var pieceEdges: Edges?
        var pieceItem = [Int](repeating: -1, count: seeds.count)
        var alive = [Bool](repeating: true, count: seeds.count)
        let desired = Int(Double(pieceCount) * 1.1)
        // Pieces alive after the previous round's pruning: a round in which neither EM nor pruning removes a
        // piece would repeat forever (pruning keeps every required piece and every piece without an alternative,
        // which can be more than `desired` on a small corpus); the final selection below then trims by score.
        var afterLastPrune = Int.max
        while true {
            for _ in 0..<emIterations {
                let expected = expectation(words, wordEdges, score: score, alive: alive)
                var sum = 0.0
                for p in 0..<seeds.count where alive[p] {
                    if expected[p] < UnigramTrainer.expectedFrequencyThreshold && !isRequired[p] { alive[p] = false; continue }
                    sum += max(expected[p], UnigramTrainer.expectedFrequencyThreshold)
                }
                let logSum = digamma(sum)
                for p in 0..<seeds.count where alive[p] {
                    score[p] = digamma(max(expected[p], UnigramTrainer.expectedFrequencyThreshold)) - logSum
                }
            }
            let aliveCount = alive.reduce(0) { $0 + ($1 ? 1 : 0) }
            note("EM done, \(aliveCount) pieces")
            if aliveCount <= desired || aliveCount == afterLastPrune { break }
            if pieceEdges == nil {
                var pieceWords = Words()
                for p in 0..<seeds.count where alive[p] && !isRequired[p] {
                    pieceItem[p] = pieceWords.count
                    pieceWords.bytes += seeds.key(p)
                    pieceWords.start.append(pieceWords.bytes.count)
                    pieceWords.weight.append(0)
                }
                pieceEdges = buildEdges(pieceWords, seeds: seeds, required: required)
            }
            prune(&alive, words: words, wordEdges: wordEdges, pieceEdges: pieceEdges!, pieceItem: pieceItem, score: score, isRequired: isRequired,
                  target: max(desired, Int(Double(aliveCount) * shrinkingFactor)))
            let pruned = alive.reduce(0) { $0 + ($1 ? 1 : 0) }
            afterLastPrune = pruned == aliveCount ? pruned : Int.max
        }

        // Final pieces: covered characters first (they must stay), then the best scores.
        var chosen: [Int] = []
        var taken = [Bool](repeating: false, count: seeds.count)
        let minScore = (0..<seeds.count).filter { alive[$0] }.map { score[$0] }.min() ?? -20
        var penalty = 0.0
        var finalScore = score
        for c in requiredOrder {
            let key = UTF8Coding.bytes(of: c)
            let e = seeds.find(key)
            guard e >= 0 else { continue }
            if !alive[e] { finalScore[e] = minScore + penalty; penalty -= 0.0001 }
            chosen.append(e); taken[e] = true
        }
        let rest = (0..<seeds.count).filter { alive[$0] && !taken[$0] }.sorted {
            score[$0] > score[$1] || (score[$0] == score[$1] && surface[$0] < surface[$1])
        }
        for p in rest where chosen.count < pieceCount { chosen.append(p) }
        chosen = Array(chosen.prefix(pieceCount))
        chosen.sort { finalScore[$0] > finalScore[$1] || (finalScore[$0] == finalScore[$1] && surface[$0] < surface[$1]) }
        return Result(pieces: chosen.map { surface[$0] }, scores: chosen.map { finalScore[$0] })
    }

    /// Byte offsets, script classes and coverage of each character of bytes[a..<b].
    private func charInfo(_ b: UnsafeBufferPointer<UInt8>, _ a: Int, _ end: Int, _ required: Set<UInt32>,
                          _ offs: inout [Int], _ cls: inout [Int32], _ ok: inout [Bool]) {
        offs.removeAll(keepingCapacity: true); cls.removeAll(keepingCapacity: true); ok.removeAll(keepingCapacity: true)
        var i = a
        while i < end {
            let (c, len) = UTF8Coding.decode(b, at: i)
            offs.append(i)
            cls.append(UnigramTrainer.scriptClass(c))
            ok.append(required.contains(c))
            i += len
        }
        offs.append(end)
    }

    /// -2 marker, -3 digit, -4 inherited (joins what precedes), else the ICU script with Hiragana
    /// and Katakana counted as Han (as SentencePiece does).
    static func scriptClass(_ c: UInt32) -> Int32 {
        if c == 0x2581 { return -2 }
        if c >= 0x30 && c <= 0x39 { return -3 }
        if c < 0x80 {
            let isLetter = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            return isLetter ? 25 /* Latin */ : 0 /* Common */
        }
        guard let s = Unicode.Scalar(c) else { return 0 }
        if UnicodeProperties.isDecimalDigit(s) { return -3 }
        let code = Script(of: s).code
        if code == 1 { return -4 }
        if code == 20 || code == 22 { return 17 } // Hiragana, Katakana → Han
        return code
    }

    /// Whether a character of class `c` may extend a piece whose class so far is `klass`.
    private func compatible(_ klass: inout Int32, _ c: Int32, first: Bool) -> Bool {
        if c == -2 { return first }
        if c == -4 { return true }
        if klass == -1 { klass = c; return true }
        return klass == c
    }

    private func buildEdges(_ words: Words, seeds: ByteSpanTable, required: Set<UInt32>) -> Edges {
        var edges = Edges()
        words.bytes.withUnsafeBufferPointer { b in
            var offs: [Int] = [], cls: [Int32] = [], ok: [Bool] = []
            for w in 0..<words.count {
                let base = words.start[w]
                charInfo(b, base, words.start[w + 1], required, &offs, &cls, &ok)
                let n = cls.count
                for i in 0..<n {
                    if !ok[i] {
                        edges.start.append(Int32(offs[i] - base)); edges.end.append(Int32(offs[i + 1] - base)); edges.piece.append(-1)
                        continue
                    }
                    var klass: Int32 = -1
                    for j in i..<min(n, i + maxPieceLength) {
                        if !ok[j] || !compatible(&klass, cls[j], first: j == i) { break }
                        let e = seeds.find(b.baseAddress! + offs[i], offs[j + 1] - offs[i])
                        if e >= 0 {
                            edges.start.append(Int32(offs[i] - base)); edges.end.append(Int32(offs[j + 1] - base)); edges.piece.append(Int32(e))
                        }
                    }
                }
                edges.first.append(edges.start.count)
            }
        }
        return edges
    }

    /// Expected count of every piece over the corpus (forward–backward on each word's lattice).
    private func expectation(_ words: Words, _ edges: Edges, score: [Double], alive: [Bool]) -> [Double] {
        let pieces = score.count
        let unk = (zip(score, alive).filter { $0.1 }.map(\.0).min() ?? 0) - UnigramModel.unknownPenalty
        var partial = [[Double]](repeating: [], count: UnigramTrainer.chunks)
        partial.withUnsafeMutableBufferPointer { out in
            ParallelWork.run(chunks: UnigramTrainer.chunks) { part in
                var expected = [Double](repeating: 0, count: pieces)
                var alpha: [Double] = [], beta: [Double] = []
                let lo = words.count * part / UnigramTrainer.chunks, hi = words.count * (part + 1) / UnigramTrainer.chunks
                for w in lo..<hi {
                    let n = words.start[w + 1] - words.start[w]
                    if alpha.count < n + 1 { alpha = Array(repeating: 0, count: 2 * n + 2); beta = alpha }
                    for i in 0...n { alpha[i] = -.infinity; beta[i] = -.infinity }
                    alpha[0] = 0; beta[n] = 0
                    let ea = edges.first[w], eb = edges.first[w + 1]
                    for e in ea..<eb {
                        let p = Int(edges.piece[e])
                        if p >= 0 && !alive[p] { continue }
                        let a = alpha[Int(edges.start[e])]
                        if a == -.infinity { continue }
                        let sc = p < 0 ? unk : score[p]
                        let t = Int(edges.end[e])
                        alpha[t] = logAdd(alpha[t], a + sc)
                    }
                    let z = alpha[n]
                    if z == -.infinity { continue }
                    var e = eb - 1
                    while e >= ea {
                        let p = Int(edges.piece[e])
                        if p < 0 || alive[p] {
                            let sc = p < 0 ? unk : score[p]
                            let s = Int(edges.start[e])
                            beta[s] = logAdd(beta[s], sc + beta[Int(edges.end[e])])
                        }
                        e -= 1
                    }
                    let f = words.weight[w]
                    for e in ea..<eb {
                        let p = Int(edges.piece[e])
                        if p < 0 || !alive[p] { continue }
                        let a = alpha[Int(edges.start[e])]
                        if a == -.infinity { continue }
                        expected[p] += f * exp(a + score[p] + beta[Int(edges.end[e])] - z)
                    }
                }
                out[part] = expected
            }
        }
        var total = [Double](repeating: 0, count: pieces)
        for p in partial { for i in 0..<pieces { total[i] += p[i] } }
        return total
    }

    /// Best segmentation of item `w` (pieces only; -1 for unknown characters), optionally without one piece.
    private func viterbi(_ edges: Edges, item w: Int, length n: Int, score: [Double], alive: [Bool], excluding: Int,
                         best: inout [Double], back: inout [Int], out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        if best.count < n + 1 { best = Array(repeating: 0, count: 2 * n + 2); back = Array(repeating: 0, count: 2 * n + 2) }
        for i in 0...n { best[i] = -.infinity; back[i] = -1 }
        best[0] = 0
        let unk = -1000.0
        for e in edges.first[w]..<edges.first[w + 1] {
            let p = Int(edges.piece[e])
            if p == excluding || (p >= 0 && !alive[p]) { continue }
            let a = best[Int(edges.start[e])]
            if a == -.infinity { continue }
            let s = a + (p < 0 ? unk : score[p])
            let t = Int(edges.end[e])
            if back[t] < 0 || s > best[t] { best[t] = s; back[t] = e }
        }
        if back[n] < 0 { return }
        var pos = n
        while pos > 0 {
            let e = back[pos]
            out.append(edges.piece[e])
            pos = Int(edges.start[e])
        }
        out.reverse()
    }

    private func prune(_ alive: inout [Bool], words: Words, wordEdges: Edges, pieceEdges: Edges, pieceItem: [Int], score: [Double],
                       isRequired: [Bool], target: Int) {
        let pieces = score.count
        // Viterbi frequency of each piece over the corpus.
        var partial = [[Double]](repeating: [], count: UnigramTrainer.chunks)
        let aliveNow = alive
        partial.withUnsafeMutableBufferPointer { out in
            ParallelWork.run(chunks: UnigramTrainer.chunks) { part in
                var freq = [Double](repeating: 0, count: pieces)
                var best: [Double] = [], back: [Int] = [], path: [Int32] = []
                let lo = words.count * part / UnigramTrainer.chunks, hi = words.count * (part + 1) / UnigramTrainer.chunks
                for w in lo..<hi {
                    viterbi(wordEdges, item: w, length: words.start[w + 1] - words.start[w], score: score, alive: aliveNow,
                            excluding: -1, best: &best, back: &back, out: &path)
                    for p in path where p >= 0 { freq[Int(p)] += words.weight[w] }
                }
                out[part] = freq
            }
        }
        var freq = [Double](repeating: 0, count: pieces)
        for p in partial { for i in 0..<pieces { freq[i] += p[i] } }
        let sum = freq.reduce(0, +)
        let logSum = log(sum)

        // Alternatives of each piece: its best segmentation without itself.
        var alternatives = [[Int32]](repeating: [], count: pieces)
        alternatives.withUnsafeMutableBufferPointer { out in
            ParallelWork.run(chunks: UnigramTrainer.chunks) { part in
                var best: [Double] = [], back: [Int] = []
                var path: [Int32] = []
                let lo = pieces * part / UnigramTrainer.chunks, hi = pieces * (part + 1) / UnigramTrainer.chunks
                for p in lo..<hi where aliveNow[p] && !isRequired[p] && pieceItem[p] >= 0 {
                    let item = pieceItem[p]
                    let n = Int(pieceEdges.end[pieceEdges.first[item + 1] - 1])
                    viterbi(pieceEdges, item: item, length: n, score: score, alive: aliveNow, excluding: p, best: &best, back: &back, out: &path)
                    out[p] = path
                }
            }
        }
        var kept: [Int] = []
        var candidates: [(Int, Double)] = []
        for p in 0..<pieces where alive[p] {
            if isRequired[p] { kept.append(p); continue }
            if freq[p] == 0 { continue }
            let alt = alternatives[p]
            if alt.isEmpty || alt.contains(-1) { kept.append(p); continue }
            let logProb = log(freq[p]) - logSum
            let logSumAlt = log(sum + freq[p] * Double(alt.count - 1))
            var logProbAlt = 0.0
            for a in alt { logProbAlt += log(freq[Int(a)] + freq[p]) - logSumAlt }
            candidates.append((p, freq[p] * (logProb - logProbAlt)))
        }
        candidates.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        var newAlive = [Bool](repeating: false, count: pieces)
        for p in kept { newAlive[p] = true }
        var count = kept.count
        for (p, _) in candidates where count < target { newAlive[p] = true; count += 1 }
        alive = newAlive
    }
}

@inline(__always)
func logAdd(_ x: Double, _ y: Double) -> Double {
    if x == -.infinity { return y }
    if y == -.infinity { return x }
    return x > y ? x + log1p(exp(y - x)) : y + log1p(exp(x - y))
}

/// ψ(x) by recurrence up to 7 and the asymptotic series (as SentencePiece).
func digamma(_ x: Double) -> Double {
    var x = x
    var r = 0.0
    while x < 7 { r -= 1 / x; x += 1 }
    x -= 0.5
    let xx = 1 / x, xx2 = xx * xx, xx4 = xx2 * xx2
    r += log(x) + (1.0 / 24) * xx2 - (7.0 / 960) * xx4 + (31.0 / 8064) * xx4 * xx2 - (127.0 / 30720) * xx4 * xx4
    return r
}
