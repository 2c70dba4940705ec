/// An open-addressing hash map from byte strings to dense entry indices (0, 1, 2, … in insertion
/// order). Keys are copied into one arena, so lookups by pointer and length allocate nothing: the
/// vocabulary lookups of WordPiece, the substring counts of the Unigram trainer and the per-thread
/// word caches of the encoder all go through it.
struct ByteSpanTable {
    private(set) var arena: [UInt8] = []
    private(set) var keyOffset: [Int32] = []
    private(set) var keyLength: [Int32] = []
    private var hashes: [UInt64] = []
    /// Slot → (entry index + 1) in the low 32 bits (0 = empty) and the key hash's high 32 bits above,
    /// so a probe rejects other keys without touching their entries (one cache line per probe).
    private var slots: [UInt64]
    private var mask: Int

    init(capacity: Int = 16) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = Array(repeating: 0, count: n)
        mask = n - 1
    }

    @inline(__always) private static func tag(_ h: UInt64) -> UInt64 { h & 0xFFFF_FFFF_0000_0000 }

    var count: Int { keyOffset.count }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        // FNV-1a over 8-byte words, then a final avalanche (keys are short UTF-8 pieces).
        var h: UInt64 = 0xcbf29ce484222325 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0x100000001b3
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n { tail |= UInt64(p[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0x100000001b3
        h ^= h >> 32; h = h &* 0xd6e8feb86659fd93; h ^= h >> 32
        return h
    }

    /// Entry index of the key, or -1.
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        find(p, n, hash: ByteSpanTable.hash(p, n))
    }

    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64) -> Int {
        slots.withUnsafeBufferPointer { s in
            arena.withUnsafeBufferPointer { a in
                var i = Int(truncatingIfNeeded: h) & mask
                let t = ByteSpanTable.tag(h)
                while true {
                    let slot = s[i]
                    if slot == 0 { return -1 }
                    if slot & 0xFFFF_FFFF_0000_0000 == t {
                        let entry = Int(slot & 0xFFFF_FFFF) - 1
                        if Int(keyLength[entry]) == n && memcmpBytes(a.baseAddress! + Int(keyOffset[entry]), p, n) { return entry }
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    func find(_ key: [UInt8]) -> Int {
        key.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress, !b.isEmpty else { return findEmpty() }
            return find(base, b.count)
        }
    }

    private func findEmpty() -> Int {
        var dummy: UInt8 = 0
        return withUnsafePointer(to: &dummy) { find($0, 0) }
    }

    /// Entry index of the key, inserting it when absent; `inserted` says which.
    @inline(__always)
    mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int) -> (index: Int, inserted: Bool) {
        let h = ByteSpanTable.hash(p, n)
        let found = find(p, n, hash: h)
        if found >= 0 { return (found, false) }
        return (insertAbsent(p, n, hash: h), true)
    }

    /// Inserts a key the caller has just looked up (with `find(_:_:hash:)`) and not found, reusing its
    /// hash: the encoder's word cache inserts every word it misses.
    @inline(__always)
    mutating func insertAbsent(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64) -> Int {
        if (count + 1) * 2 > slots.count { grow() }
        let entry = count
        keyOffset.append(Int32(arena.count))
        keyLength.append(Int32(n))
        hashes.append(h)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        place(entry: entry, hash: h)
        return entry
    }

    mutating func insert(_ key: [UInt8]) -> (index: Int, inserted: Bool) {
        var k = key
        if k.isEmpty { k = [0]; return k.withUnsafeBufferPointer { insert($0.baseAddress!, 0) } }
        return k.withUnsafeBufferPointer { insert($0.baseAddress!, $0.count) }
    }

    func key(_ entry: Int) -> ArraySlice<UInt8> {
        let o = Int(keyOffset[entry])
        return arena[o..<(o + Int(keyLength[entry]))]
    }

    private mutating func place(entry: Int, hash h: UInt64) {
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = ByteSpanTable.tag(h) | UInt64(entry + 1)
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = Array(repeating: 0, count: n)
        mask = n - 1
        for e in 0..<count { place(entry: e, hash: hashes[e]) }
    }

    mutating func removeAll() {
        arena.removeAll(keepingCapacity: true)
        keyOffset.removeAll(keepingCapacity: true)
        keyLength.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = 0 }
    }
}

@inline(__always)
func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) { return false }
        i += 8
    }
    while i < n { if a[i] != b[i] { return false }; i += 1 }
    return true
}
