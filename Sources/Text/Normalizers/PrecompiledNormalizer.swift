import Platform

/// HF's `Precompiled` normalizer: SentencePiece's compiled normalization rules
/// (`precompiled_charsmap`, base64 of: a little-endian u32 trie size in bytes, the Darts-clone
/// double-array trie of the rules' sources, then the NUL-terminated replacement strings).
///
/// Applied as HF applies it: text is cut into extended grapheme clusters; a cluster shorter than
/// six bytes is looked up whole first (the first rule whose source is a prefix of it replaces the
/// whole cluster), then each of its characters alone (the first rule that is a prefix of the
/// character replaces it; none leaves it unchanged). Offsets follow HF's change stream: a
/// replacement's characters align one to one with the characters it replaces, extra ones align
/// with the character before, and a removal folds into the character emitted before it (at the
/// start of the text there is none, and HF's offsets then lag by the removed characters: kept).
///
/// The blob is checked completely when read (every trie position a lookup can reach, every
/// replacement), so normalizing needs no checks and cannot fail.
public struct PrecompiledNormalizer: NormalizerStage {
    public static let typeNames = ["Precompiled"]

    /// The blob as tokenizer.json holds it (decoded).
    public let charsmap: [UInt8]
    private let map: PrecompiledCharsMap

    public init(charsmap: [UInt8], path: String = "precompiled_charsmap") throws {
        self.charsmap = charsmap
        map = try PrecompiledCharsMap(charsmap, path: path)
    }

    public init(json: StageJSON) throws {
        let key = json.key("precompiled_charsmap")
        let text = try json.string("precompiled_charsmap")
        let blob: [UInt8]
        do { blob = try Base64.decode(text) } catch let e as Base64.DecodeError { throw TokenizerError("\(key): \(e.message)") }
        try self.init(charsmap: blob, path: key)
    }

    public var json: StrictJSON { .stage("Precompiled", [("precompiled_charsmap", .string(Base64.encode(charsmap)))]) }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        map.normalize(input, base: base, into: &out)
    }
}

/// The decoded, checked rules. Owns flat buffers (immutable after init) so the hot loop reads them
/// without array bounds or ownership overhead.
final class PrecompiledCharsMap: @unchecked Sendable {
    /// The double array, zero-padded to a multiple of 256 units: from any node position a lookup
    /// reaches, `position ^ byte` stays inside.
    private let units: UnsafeMutableBufferPointer<UInt32>
    /// Replacement index of the value unit at each position, or -1.
    private let valueAt: UnsafeMutableBufferPointer<Int32>
    /// Replacements: byte range in `strings` and character count.
    private let repStart: UnsafeMutableBufferPointer<Int32>
    private let repLength: UnsafeMutableBufferPointer<Int32>
    private let repChars: UnsafeMutableBufferPointer<Int32>
    private let strings: UnsafeMutableBufferPointer<UInt8>
    /// Replacement of each ASCII byte as a single-character cluster, or -1.
    private let asciiRule: UnsafeMutableBufferPointer<Int32>
    /// Root position (after the root's offset), or -1 when there are no rules.
    private let root: Int
    private let graphemes = GraphemeClusters.table

    /// The longest cluster looked up whole (HF: fewer than 6 bytes).
    static let maxWholeCluster = 5

    init(_ blob: [UInt8], path: String) throws {
        func fail(_ message: String) -> TokenizerError { TokenizerError("\(path): \(message)") }
        var unitList: [UInt32] = []
        var stringBytes: [UInt8] = []
        if !blob.isEmpty {
            guard blob.count >= 4 else { throw fail("truncated (\(blob.count) bytes; expected a 4-byte trie size)") }
            let trieBytes = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
            let unitCount = trieBytes / 4
            guard unitCount <= (blob.count - 4) / 4 else {
                throw fail("truncated (the trie is \(trieBytes) bytes but only \(blob.count - 4) follow the size)")
            }
            unitList.reserveCapacity(unitCount)
            for k in 0..<unitCount {
                let o = 4 + 4 * k
                unitList.append(UInt32(blob[o]) | UInt32(blob[o + 1]) << 8 | UInt32(blob[o + 2]) << 16 | UInt32(blob[o + 3]) << 24)
            }
            stringBytes = Array(blob[(4 + 4 * unitCount)...])
            if let bad = stringBytes.withUnsafeBufferPointer({ TextInput.firstInvalid($0) }) {
                throw fail("the replacement strings are not valid UTF-8 (byte \(4 + 4 * unitCount + bad) of the blob)")
            }
        }
        let padded = max(256, (unitList.count + 255) / 256 * 256)
        units = .allocate(capacity: padded)
        units.initialize(repeating: 0)
        for (k, u) in unitList.enumerated() { units[k] = u }
        valueAt = .allocate(capacity: padded)
        valueAt.initialize(repeating: -1)
        strings = .allocate(capacity: max(1, stringBytes.count))
        strings.initialize(repeating: 0)
        for (k, b) in stringBytes.enumerated() { strings[k] = b }
        asciiRule = .allocate(capacity: 128)
        asciiRule.initialize(repeating: -1)

        // Every node a lookup of at most `maxWholeCluster` bytes reaches, breadth first; each position
        // is expanded once at the largest depth budget it is reached with (a malformed trie may
        // share or loop nodes).
        var starts: [Int32] = [], lengths: [Int32] = [], chars: [Int32] = []
        var repOf: [Int: Int32] = [:]
        var rootPosition = -1
        var failure: TokenizerError?
        if !unitList.isEmpty {
            let r = PrecompiledCharsMap.offset(unitList[0])
            if r >= padded {
                failure = fail("the trie's root points outside the trie (unit \(r) of \(unitList.count))")
            } else {
                rootPosition = r
                var budget = [Int8](repeating: -1, count: padded)
                var frontier = [(r, PrecompiledCharsMap.maxWholeCluster)]
                budget[r] = Int8(PrecompiledCharsMap.maxWholeCluster)
                search: while !frontier.isEmpty {
                    var next: [(Int, Int)] = []
                    for (node, left) in frontier where left > 0 && Int(budget[node]) == left {
                        for c in 1..<256 {
                            let q = node ^ c
                            let u = units[q]
                            guard u & 0x8000_00FF == UInt32(c) else { continue }
                            let child = q ^ PrecompiledCharsMap.offset(u)
                            guard child < padded else {
                                failure = fail("trie unit \(q) points outside the trie (unit \(child) of \(unitList.count))")
                                break search
                            }
                            if u & 0x100 != 0 && valueAt[child] < 0 {
                                let v = Int(units[child] & 0x7FFF_FFFF)
                                if let known = repOf[v] {
                                    valueAt[child] = known
                                } else {
                                    guard v <= stringBytes.count else {
                                        failure = fail("trie unit \(child) names replacement offset \(v), past the \(stringBytes.count) bytes of replacement strings")
                                        break search
                                    }
                                    guard v == stringBytes.count || stringBytes[v] & 0xC0 != 0x80 else {
                                        failure = fail("trie unit \(child) names replacement offset \(v), inside a UTF-8 character")
                                        break search
                                    }
                                    var e = v
                                    while e < stringBytes.count && stringBytes[e] != 0 { e += 1 }
                                    var count: Int32 = 0
                                    for k in v..<e where stringBytes[k] & 0xC0 != 0x80 { count += 1 }
                                    let id = Int32(starts.count)
                                    starts.append(Int32(v)); lengths.append(Int32(e - v)); chars.append(count)
                                    repOf[v] = id
                                    valueAt[child] = id
                                }
                            }
                            if left - 1 > Int(budget[child]) {
                                budget[child] = Int8(left - 1)
                                next.append((child, left - 1))
                            }
                        }
                    }
                    frontier = next
                }
            }
        }
        repStart = .allocate(capacity: max(1, starts.count))
        repLength = .allocate(capacity: max(1, starts.count))
        repChars = .allocate(capacity: max(1, starts.count))
        repStart.initialize(repeating: 0); repLength.initialize(repeating: 0); repChars.initialize(repeating: 0)
        for k in 0..<starts.count { repStart[k] = starts[k]; repLength[k] = lengths[k]; repChars[k] = chars[k] }
        root = rootPosition
        // Fully initialized: deinit frees the buffers.
        if let failure { throw failure }
        if root >= 0 {
            for b in 1..<128 {
                var byte = UInt8(b)
                asciiRule[b] = withUnsafeMutablePointer(to: &byte) { lookup(UnsafeBufferPointer(start: $0, count: 1), from: 0, to: 1) }
            }
        }
    }

    deinit { deallocate() }

    private func deallocate() {
        units.deallocate(); valueAt.deallocate(); strings.deallocate(); asciiRule.deallocate()
        repStart.deallocate(); repLength.deallocate(); repChars.deallocate()
    }

    @inline(__always)
    static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & 0x200) >> 6)) }

    /// The replacement of the first rule whose source is a prefix of p[from..<to] (at most
    /// `maxWholeCluster` bytes), or -1. A NUL byte ends the key, as in HF.
    @inline(__always)
    func lookup(_ p: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int32 {
        if root < 0 { return -1 }
        var pos = root
        var k = from
        while k < to {
            let c = p[k]
            if c == 0 { return -1 }
            pos ^= Int(c)
            let u = units[pos]
            if u & 0x8000_00FF != UInt32(c) { return -1 }
            pos ^= PrecompiledCharsMap.offset(u)
            if u & 0x100 != 0 { return valueAt[pos] }
            k += 1
        }
        return -1
    }

    func normalize(_ p: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        let n = p.count
        if n == 0 { return }
        if root < 0 {
            IdentityNormalizer().normalize(p, base: base, into: &out)
            return
        }
        if !out.tracksSource {
            normalizeBytes(p, into: &out.bytes)
            return
        }
        var w = Alignment(p: p, base: base)
        var i = 0
        while i < n {
            let b = p[i]
            if b < 0x80 {
                let next = i + 1
                if next == n || (p[next] < 0x80 ? !(b == 0x0D && p[next] == 0x0A) : !joinsASCII(b, p, next)) {
                    let r = asciiRule[Int(b)]
                    if r < 0 {
                        if w.consumed == i {
                            let s = Int32(base + i)
                            out.append(b, from: s, to: s + 1)
                            w.consumed = next
                            w.last = .consuming
                        } else {
                            w.keep(p, i, 1, into: &out)
                        }
                    } else {
                        w.replace(rep: Int(r), chars: 1, map: self, into: &out)
                    }
                    i = next
                    continue
                }
            }
            let g = GraphemeClusters.end(p, from: i, table: graphemes)
            let first = UTF8Coding.sequenceLength(p[i])
            if g - i <= PrecompiledCharsMap.maxWholeCluster && g - i > first {
                let r = lookup(p, from: i, to: g)
                if r >= 0 {
                    w.replace(rep: Int(r), chars: UTF8Coding.scalarCount(UnsafeBufferPointer(rebasing: p[i..<g])), map: self, into: &out)
                    i = g
                    continue
                }
            }
            var j = i
            while j < g {
                let l = min(UTF8Coding.sequenceLength(p[j]), g - j)
                let r = lookup(p, from: j, to: j + l)
                if r >= 0 { w.replace(rep: Int(r), chars: 1, map: self, into: &out) } else { w.keep(p, j, l, into: &out) }
                j += l
            }
            i = g
        }
    }

    /// Whether the ASCII byte at i-1 starts a cluster that goes on with the scalar at `next` (non-ASCII).
    @inline(__always)
    private func joinsASCII(_ b: UInt8, _ p: UnsafeBufferPointer<UInt8>, _ next: Int) -> Bool {
        if b < 0x20 || b == 0x7F || next + UTF8Coding.sequenceLength(p[next]) > p.count { return false }
        let (c, _) = UTF8Coding.decode(p, at: next)
        return GraphemeClusters.extendsAny(GraphemeClusters.property(c, graphemes))
    }

    /// The same rewrite without offsets.
    private func normalizeBytes(_ p: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let n = p.count
        var i = 0
        while i < n {
            let b = p[i]
            if b < 0x80 {
                let next = i + 1
                if next == n || (p[next] < 0x80 ? !(b == 0x0D && p[next] == 0x0A) : !joinsASCII(b, p, next)) {
                    let r = asciiRule[Int(b)]
                    if r < 0 { out.append(b) } else { appendReplacement(Int(r), to: &out) }
                    i = next
                    continue
                }
            }
            let g = GraphemeClusters.end(p, from: i, table: graphemes)
            let first = UTF8Coding.sequenceLength(p[i])
            if g - i <= PrecompiledCharsMap.maxWholeCluster && g - i > first {
                let r = lookup(p, from: i, to: g)
                if r >= 0 {
                    appendReplacement(Int(r), to: &out)
                    i = g
                    continue
                }
            }
            var j = i
            while j < g {
                let l = min(UTF8Coding.sequenceLength(p[j]), g - j)
                let r = lookup(p, from: j, to: j + l)
                if r >= 0 {
                    appendReplacement(Int(r), to: &out)
                } else {
                    for k in j..<(j + l) { out.append(p[k]) }
                }
                j += l
            }
            i = g
        }
    }

    @inline(__always)
    private func appendReplacement(_ r: Int, to out: inout [UInt8]) {
        let s = Int(repStart[r])
        for k in s..<(s + Int(repLength[r])) { out.append(strings[k]) }
    }

    @inline(__always) fileprivate func replacement(_ r: Int) -> (start: Int, length: Int, chars: Int) {
        (Int(repStart[r]), Int(repLength[r]), Int(repChars[r]))
    }
    @inline(__always) fileprivate func stringByte(_ k: Int) -> UInt8 { strings[k] }
}

/// HF's change stream for `Precompiled`, applied as the text is rewritten: `consumed` is the next
/// original character an output character can take its offsets from (HF's `offset`).
private struct Alignment {
    let p: UnsafeBufferPointer<UInt8>
    let base: Int
    var consumed = 0
    enum Last { case none, consuming, insertion }
    var last = Last.none
    /// Output index of the last emitted character's first byte.
    var lastStart = 0

    init(p: UnsafeBufferPointer<UInt8>, base: Int) { self.p = p; self.base = base }

    /// Original range of the character at `consumed` (empty at the end, which HF never reaches).
    @inline(__always)
    private func current() -> (Int32, Int32) {
        if consumed >= p.count { return (Int32(base + p.count), Int32(base + p.count)) }
        return (Int32(base + consumed), Int32(base + consumed + UTF8Coding.sequenceLength(p[consumed])))
    }

    /// Original range of the character before `consumed` (an insertion's offsets; empty at the start).
    @inline(__always)
    private func previous() -> (Int32, Int32) {
        if consumed == 0 { return (Int32(base), Int32(base)) }
        var k = consumed - 1
        while k > 0 && p[k] & 0xC0 == 0x80 { k -= 1 }
        return (Int32(base + k), Int32(base + consumed))
    }

    @inline(__always)
    private mutating func advance(_ chars: Int) {
        var left = chars
        while left > 0 && consumed < p.count {
            consumed += UTF8Coding.sequenceLength(p[consumed])
            left -= 1
        }
    }

    /// An unchanged character (bytes i..<i+length of the input).
    @inline(__always)
    mutating func keep(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ length: Int, into out: inout AlignedText) {
        let (s, e) = current()
        lastStart = out.count
        for k in i..<(i + length) { out.append(p[k], from: s, to: e) }
        advance(1)
        last = .consuming
    }

    /// A replacement of `chars` original characters.
    mutating func replace(rep: Int, chars old: Int, map: PrecompiledCharsMap, into out: inout AlignedText) {
        let (start, length, new) = map.replacement(rep)
        if new == 0 {
            switch last {
            case .none: return
            case .insertion:
                let (s, e) = current()
                for k in lastStart..<out.count { out.sourceStart[k] = s; out.sourceEnd[k] = e }
                advance(old)
                last = .consuming
            case .consuming:
                advance(old)
            }
            return
        }
        var k = start
        var index = 0
        let end = start + length
        while k < end {
            let l = UTF8Coding.sequenceLength(map.stringByte(k))
            let (s, e): (Int32, Int32)
            if index >= old {
                (s, e) = previous()
                last = .insertion
            } else {
                (s, e) = current()
                advance(index == new - 1 ? 1 + old - new : 1)
                last = .consuming
            }
            lastStart = out.count
            for m in k..<min(k + l, end) { out.append(map.stringByte(m), from: s, to: e) }
            k += l
            index += 1
        }
    }
}
