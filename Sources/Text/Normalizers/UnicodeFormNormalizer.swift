import CICU
import Platform

/// HF's `NFC`, `NFD`, `NFKC` and `NFKD` normalizers (one type, the form read from `type`), with
/// HF's offsets. HF produces a stream of (character, change) the way the Rust crate it uses
/// does: each character decomposes (its first character replaces it, the others are insertions),
/// runs of combining marks are stably sorted by combining class (the changes travel with their
/// characters), then for NFC/NFKC each composition folds the second character into the first
/// (change of the composite = sum of both − 1). The stream then takes offsets positionally: a
/// character that replaces takes the next original character's range, an insertion the range of
/// the original character before it. Decompositions, classes and compositions come from ICU,
/// limited to the characters HF's tables know: those assigned before Unicode 12.0 (HF leaves
/// U+32FF ㋿ or U+1F16C 🅬, both of Unicode 12, as they are under NFKD).
public struct UnicodeFormNormalizer: NormalizerStage {
    public static let typeNames = ["NFC", "NFD", "NFKC", "NFKD"]
    public let form: NormalizationForm
    private let decomposition: ScalarMap
    private let composes: Bool

    private static let canonical = ScalarMap { decompose($0, .nfd) }
    private static let compatible = ScalarMap { decompose($0, .nfkd) }

    /// Per BMP scalar: bits 0-7 combining class, bit 8 set when it may compose with a character
    /// before it (NFC quick check not YES).
    nonisolated(unsafe) private static let facts: UnsafeBufferPointer<UInt16> = {
        let t = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: 0x10000)
        for c in 0..<0x10000 { t[c] = computeFacts(UInt32(c)) }
        return UnsafeBufferPointer(t)
    }()

    private static func computeFacts(_ c: UInt32) -> UInt16 {
        if (0xD800..<0xE000).contains(c) { return 0 }
        let ccc = UInt16(truncatingIfNeeded: cicu_combining_class(Int32(c)))
        let yes = cicu_text_norm_info(0, Int32(c)) & 1 != 0
        return ccc & 0xFF | (yes ? 0 : 0x100)
    }

    @inline(__always)
    private static func facts(_ c: UInt32) -> UInt16 { c < 0x10000 ? facts[Int(c)] : computeFacts(c) }

    /// Characters of later Unicode versions are left alone, as HF's tables do not have them.
    static let unicodeVersionLimit: Int32 = 12 * 256

    private static func decompose(_ c: UInt32, _ form: NormalizationForm) -> [UInt32]? {
        guard c >= 0x80, cicu_text_char_age(Int32(bitPattern: c)) < unicodeVersionLimit, let s = Unicode.Scalar(c),
              let d = try? UnicodeNormalizer.normalize(scalar: s, form: form) else { return nil }
        let out = d.unicodeScalars.map(\.value)
        return out == [c] ? nil : out
    }

    public init(_ form: NormalizationForm) {
        self.form = form
        composes = form == .nfc || form == .nfkc
        decomposition = (form == .nfkc || form == .nfkd) ? UnicodeFormNormalizer.compatible : UnicodeFormNormalizer.canonical
    }

    public init(json: StageJSON) throws {
        let t = try json.type()
        guard let form = NormalizationForm(rawValue: t), form != .nfkcCasefold else { throw json.fail("type", "not a normalization form") }
        self.init(form)
    }

    public var json: StrictJSON { .stage(form.rawValue) }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        let n = input.count
        var firstNonASCII = 0
        while firstNonASCII < n && input[firstNonASCII] < 0x80 { firstNonASCII += 1 }
        if firstNonASCII == n {
            // Every form leaves ASCII alone, and HF's stream is then the identity.
            ScalarRewrite.copy(input, from: 0, to: n, base: base, into: &out)
            return
        }
        // 1. Decomposition, first character replacing, the others inserted.
        var chars: [UInt32] = []
        var changes: [Int] = []
        chars.reserveCapacity(n + 8); changes.reserveCapacity(n + 8)
        var i = 0
        while i < n {
            let (c, len) = UTF8Coding.decode(input, at: i)
            var first = true
            decomposition.apply(c) { d in
                chars.append(d); changes.append(first ? 0 : 1)
                first = false
            }
            i += len
        }
        // 2. Canonical order: each run of non-starters stably sorted by combining class.
        var k = 0
        while k < chars.count {
            if UnicodeFormNormalizer.facts(chars[k]) & 0xFF == 0 { k += 1; continue }
            var e = k + 1
            while e < chars.count && UnicodeFormNormalizer.facts(chars[e]) & 0xFF != 0 { e += 1 }
            if e - k > 1 {
                for a in (k + 1)..<e {
                    let c = chars[a], ch = changes[a], cls = UnicodeFormNormalizer.facts(c) & 0xFF
                    var b = a
                    while b > k && UnicodeFormNormalizer.facts(chars[b - 1]) & 0xFF > cls {
                        chars[b] = chars[b - 1]; changes[b] = changes[b - 1]
                        b -= 1
                    }
                    chars[b] = c; changes[b] = ch
                }
            }
            k = e
        }
        // 3. Composition.
        if composes { UnicodeFormNormalizer.recompose(&chars, &changes) }
        // 4. Offsets, positionally.
        var consumed = 0
        for (c, change) in zip(chars, changes) {
            let s: Int, e: Int
            if change > 0 {
                if consumed == 0 { s = 0; e = 0 } else {
                    var p = consumed - 1
                    while p > 0 && input[p] & 0xC0 == 0x80 { p -= 1 }
                    s = p; e = consumed
                }
            } else {
                if consumed >= n { s = n; e = n } else { s = consumed; e = consumed + UTF8Coding.sequenceLength(input[consumed]) }
                var left = 1 - change
                while left > 0 && consumed < n { consumed += UTF8Coding.sequenceLength(input[consumed]); left -= 1 }
            }
            out.append(scalar: c, from: Int32(base + s), to: Int32(base + e))
        }
    }

    /// The composition pass over the decomposed stream (changes summed into each composite).
    private static func recompose(_ chars: inout [UInt32], _ changes: inout [Int]) {
        var w = 0   // write position (composition only shrinks the stream)
        var composee: (UInt32, Int)?
        var lastClass: UInt16?
        var blocked: [(UInt32, Int)] = []
        func put(_ item: (UInt32, Int)) { chars[w] = item.0; changes[w] = item.1; w += 1 }
        let count = chars.count
        for r in 0..<count {
            let c = chars[r], change = changes[r]
            let f = facts(c)
            let cls = f & 0xFF
            guard let k = composee else {
                if cls != 0 { put((c, change)) } else { composee = (c, change) }
                continue
            }
            if let last = lastClass, last >= cls {
                if cls == 0 {
                    put(k)
                    for b in blocked { put(b) }
                    blocked.removeAll(keepingCapacity: true)
                    composee = (c, change); lastClass = nil
                } else {
                    blocked.append((c, change)); lastClass = cls
                }
                continue
            }
            if f & 0x100 != 0 {
                let r = cicu_text_compose_pair(Int32(bitPattern: k.0), Int32(bitPattern: c))
                if r >= 0 {
                    composee = (UInt32(r), k.1 + change - 1)
                    continue
                }
            }
            if lastClass == nil && cls == 0 {
                put(k)
                composee = (c, change)
            } else {
                blocked.append((c, change)); lastClass = cls
            }
        }
        if let k = composee { put(k) }
        for b in blocked { put(b) }
        chars.removeLast(count - w); changes.removeLast(count - w)
    }
}
