import Foundation

/// Classic BPE training (Sennrich et al. 2016) over weighted distinct words. The initial alphabet
/// is the most frequent characters up to `characterCoverage` of all character occurrences (the rest
/// stay unmergeable and are left to byte fallback). Each step merges the adjacent pair with the
/// highest weighted count; ties go to the pair whose left piece's UTF-8 bytes, then right piece's,
/// are lexicographically smallest, so the result never depends on hashing or insertion order.
/// Word weights are fixed-point integers (1/256), so incremental count updates are exact.
/// Pair counts are kept incrementally: pair → count, pair → words containing it, and a max-heap with
/// lazy invalidation, so each merge touches only the words that contain the merged pair.
struct BPETrainer {
    let maxPieceLength: Int
    let characterCoverage: Double
    var progress: ((String) -> Void)?

    struct Result {
        /// Covered characters, most frequent first.
        var alphabet: [String]
        /// Pieces created by merges, in creation order (a piece two merges produce appears once).
        var pieces: [String]
        /// Merges in rank order.
        var merges: [(String, String)]
    }

    private struct Entry {
        var count: Int64
        var left: Int32
        var right: Int32
    }

    @inline(__always) private static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    /// `pieceCount`: alphabet plus merged pieces wanted. `reserved`: pieces (special tokens, byte
    /// pieces) that the alphabet and merges must not produce, so ids stay unambiguous.
    func train(words counts: TokenizerTrainer.WordCounts, pieceCount: Int, reserved: Set<String>) -> Result {
        let clock = Date()
        func note(_ s: String) { progress?(String(format: "%6.2f s  ", Date().timeIntervalSince(clock)) + s) }
        let order = (0..<counts.table.count).sorted { counts.table.key($0).lexicographicallyPrecedes(counts.table.key($1)) }
        let weight = order.map { max(1, Int64((counts.weight[$0] * 256).rounded())) }

        // Characters of every word, and their frequencies.
        var wordChars: [[UInt32]] = []
        wordChars.reserveCapacity(order.count)
        var charFreq: [UInt32: Int64] = [:]
        for (w, e) in order.enumerated() {
            let bytes = Array(counts.table.key(e))
            var chars: [UInt32] = []
            bytes.withUnsafeBufferPointer { b in
                var i = 0
                while i < b.count {
                    let (c, len) = UTF8Coding.decode(b, at: i)
                    chars.append(c)
                    charFreq[c, default: 0] += weight[w]
                    i += len
                }
            }
            wordChars.append(chars)
        }
        let charsByFreq = charFreq.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        let total = Double(charsByFreq.reduce(Int64(0)) { $0 + $1.value })
        var tokens: [[UInt8]] = []
        var tokenLength: [Int] = []
        var symbolOf: [UInt32: Int32] = [:]
        var cumulative = 0.0
        for (c, f) in charsByFreq {
            if tokens.count >= pieceCount { break }
            if cumulative >= characterCoverage * total && c != 0x2581 { continue }
            cumulative += Double(f)
            guard let scalar = Unicode.Scalar(c) else { continue }
            let s = String(Character(scalar))
            if reserved.contains(s) { continue }
            symbolOf[c] = Int32(tokens.count)
            tokens.append(Array(s.utf8)); tokenLength.append(1)
        }
        let alphabetCount = tokens.count
        note("\(alphabetCount) characters in the alphabet, \(order.count) distinct words")

        // Words as symbol ids; -1 for uncovered characters, which never pair.
        var symbols: [[Int32]] = wordChars.map { $0.map { symbolOf[$0] ?? -1 } }
        wordChars = []
        var pairCount: [UInt64: Int64] = [:]
        var pairWords: [UInt64: [Int32]] = [:]
        for w in 0..<symbols.count {
            let s = symbols[w]
            if s.count < 2 { continue }
            for i in 0..<(s.count - 1) where s[i] >= 0 && s[i + 1] >= 0 {
                let k = BPETrainer.key(s[i], s[i + 1])
                pairCount[k, default: 0] += weight[w]
                pairWords[k, default: []].append(Int32(w))
            }
        }

        var heap: [Entry] = []
        heap.reserveCapacity(pairCount.count)
        // Higher count first; then smaller left bytes, then smaller right bytes.
        func before(_ x: Entry, _ y: Entry) -> Bool {
            if x.count != y.count { return x.count > y.count }
            if x.left != y.left {
                let a = tokens[Int(x.left)], b = tokens[Int(y.left)]
                if a != b { return a.lexicographicallyPrecedes(b) }
            }
            return tokens[Int(x.right)].lexicographicallyPrecedes(tokens[Int(y.right)])
        }
        func push(_ e: Entry) {
            heap.append(e)
            var i = heap.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if !before(heap[i], heap[p]) { break }
                heap.swapAt(i, p); i = p
            }
        }
        func pop() -> Entry? {
            guard let top = heap.first else { return nil }
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < heap.count && before(heap[l], heap[m]) { m = l }
                    if r < heap.count && before(heap[r], heap[m]) { m = r }
                    if m == i { break }
                    heap.swapAt(i, m); i = m
                }
            }
            return top
        }
        for (k, c) in pairCount { push(Entry(count: c, left: Int32(truncatingIfNeeded: k >> 32), right: Int32(truncatingIfNeeded: k & 0xFFFF_FFFF))) }

        var index: [[UInt8]: Int32] = [:]
        for (i, t) in tokens.enumerated() { index[t] = Int32(i) }
        var merges: [(Int32, Int32)] = []
        var stamp = [Int32](repeating: -1, count: symbols.count)
        var touched: [UInt64: Int64] = [:]
        while tokens.count < pieceCount, let top = pop() {
            let k = BPETrainer.key(top.left, top.right)
            let current = pairCount[k] ?? 0
            if current != top.count {
                if current > 0 { push(Entry(count: current, left: top.left, right: top.right)) }
                continue
            }
            if current <= 0 { continue }
            let a = top.left, b = top.right
            let merged = tokens[Int(a)] + tokens[Int(b)]
            let length = tokenLength[Int(a)] + tokenLength[Int(b)]
            // Too long or colliding with a reserved piece: never merge this pair.
            if length > maxPieceLength || reserved.contains(String(decoding: merged, as: UTF8.self)) {
                pairCount[k] = 0; pairWords[k] = nil
                continue
            }
            let c: Int32
            if let existing = index[merged] {
                c = existing
            } else {
                c = Int32(tokens.count)
                tokens.append(merged); tokenLength.append(length); index[merged] = c
            }
            merges.append((a, b))
            let stampValue = Int32(merges.count)
            touched.removeAll(keepingCapacity: true)
            func change(_ x: Int32, _ y: Int32, _ delta: Int64, _ w: Int) {
                if x < 0 || y < 0 { return }
                let pk = BPETrainer.key(x, y)
                pairCount[pk, default: 0] += delta
                if delta > 0 {
                    touched[pk] = 0
                    pairWords[pk, default: []].append(Int32(w))
                }
            }
            for w32 in pairWords[k] ?? [] {
                let w = Int(w32)
                if stamp[w] == stampValue { continue }
                stamp[w] = stampValue
                let wt = weight[w]
                var i = 0
                while i + 1 < symbols[w].count {
                    if symbols[w][i] == a && symbols[w][i + 1] == b {
                        if i > 0 {
                            change(symbols[w][i - 1], a, -wt, w)
                            change(symbols[w][i - 1], c, wt, w)
                        }
                        if i + 2 < symbols[w].count {
                            change(b, symbols[w][i + 2], -wt, w)
                            change(c, symbols[w][i + 2], wt, w)
                        }
                        symbols[w][i] = c
                        symbols[w].remove(at: i + 1)
                    }
                    i += 1
                }
            }
            pairCount[k] = nil; pairWords[k] = nil
            for pk in touched.keys {
                if let n = pairCount[pk], n > 0 {
                    push(Entry(count: n, left: Int32(truncatingIfNeeded: pk >> 32), right: Int32(truncatingIfNeeded: pk & 0xFFFF_FFFF)))
                }
            }
            if merges.count % 2000 == 0 { note("\(merges.count) merges, \(tokens.count) pieces") }
        }
        note("\(merges.count) merges, \(tokens.count) pieces")
        let str = tokens.map { String(decoding: $0, as: UTF8.self) }
        return Result(alphabet: Array(str[0..<alphabetCount]), pieces: Array(str[alphabetCount...]),
                      merges: merges.map { (str[Int($0.0)], str[Int($0.1)]) })
    }
}
