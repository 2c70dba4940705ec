/// A double-array trie over UTF-8 bytes (Aoe's layout, as Darts and SentencePiece use) for the
/// common-prefix searches of Unigram's Viterbi: from a start byte, every vocabulary piece that
/// begins there is found in one walk of two array loads per byte.
struct DoubleArrayTrie: Sendable {
    /// Child of state s on byte c is t = base[s] + c + 1 when check[t] == s.
    private(set) var base: [Int32]
    private(set) var check: [Int32]
    /// Piece id that ends at each state, or -1.
    private(set) var value: [Int32]

    /// Builds from (key, id) pairs; keys must be distinct and non-empty.
    init(keys: [([UInt8], Int32)]) {
        let sorted = keys.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        var base = [Int32](repeating: 0, count: 1024)
        var check = [Int32](repeating: -1, count: 1024)
        var value = [Int32](repeating: -1, count: 1024)
        check[0] = 0
        var nextFree = 1
        // Work list: (state, range of sorted keys sharing the prefix, depth).
        var stack: [(Int, Int, Int, Int)] = [(0, 0, sorted.count, 0)]
        func ensure(_ n: Int) {
            if n < check.count { return }
            var size = check.count
            while size <= n { size *= 2 }
            base += [Int32](repeating: 0, count: size - base.count)
            check += [Int32](repeating: -1, count: size - check.count)
            value += [Int32](repeating: -1, count: size - value.count)
        }
        while let (state, lo, hi, depth) = stack.popLast() {
            var labels: [Int] = []
            var groups: [(Int, Int)] = []
            var i = lo
            while i < hi {
                let key = sorted[i].0
                if key.count == depth { value[state] = sorted[i].1; i += 1; continue }
                let c = Int(key[depth])
                var j = i + 1
                while j < hi && sorted[j].0.count > depth && Int(sorted[j].0[depth]) == c { j += 1 }
                labels.append(c); groups.append((i, j))
                i = j
            }
            if labels.isEmpty { continue }
            // The first base (from the scan start) that puts every child in a free cell. As in Darts,
            // the scan start moves past regions that are almost full, so placement stays linear.
            var pos = max(labels[0] + 1, nextFree) - 1
            var occupied = 0
            var firstFree = -1
            var b = 0
            while true {
                pos += 1
                ensure(pos + 257)
                if check[pos] != -1 { occupied += 1; continue }
                if firstFree < 0 { firstFree = pos }
                b = pos - labels[0] - 1
                if b < 1 { continue }
                var fits = true
                for c in labels.dropFirst() where check[b + c + 1] != -1 { fits = false; break }
                if fits { break }
            }
            if firstFree >= 0 {
                nextFree = firstFree
                if Double(occupied) / Double(pos - nextFree + 1) >= 0.95 { nextFree = pos }
            }
            base[state] = Int32(b)
            for c in labels { check[b + c + 1] = Int32(state) }
            for (k, c) in labels.enumerated() {
                stack.append((b + c + 1, groups[k].0, groups[k].1, depth + 1))
            }
        }
        self.base = base; self.check = check; self.value = value
    }

    /// Calls `body(endOffset, id)` for every key that is a prefix of bytes[start..<end], shortest first.
    @inline(__always)
    func commonPrefixes(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, _ body: (Int, Int32) -> Void) {
        base.withUnsafeBufferPointer { base in
            check.withUnsafeBufferPointer { check in
                value.withUnsafeBufferPointer { value in
                    var s = 0
                    var i = start
                    let size = check.count
                    while i < end {
                        let t = Int(base[s]) + Int(bytes[i]) + 1
                        if t >= size || Int(check[t]) != s { return }
                        s = t
                        i += 1
                        let v = value[s]
                        if v >= 0 { body(i, v) }
                    }
                }
            }
        }
    }
}
