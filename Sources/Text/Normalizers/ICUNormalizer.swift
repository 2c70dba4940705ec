import CICU
import Platform

/// Polyglot's normalizer: an ICU normalization form, then removal of default-ignorable code points
/// (soft hyphens, zero-width spaces, bidi controls… but not ZWJ/ZWNJ, which change how Indic,
/// Arabic and emoji sequences render, nor variation selectors), optional lowercasing and accent
/// stripping, and optional trimming and collapsing of ASCII spaces (as SentencePiece's
/// remove_extra_whitespaces, which keeps decoding lossless with a whitespace marker).
///
/// Text is cut at code points that are inert under the form (boundaries on both sides) and each
/// piece between them is normalized separately, cut again at ICU's normalization boundaries, so
/// every output byte aligns to the smallest original span that produced it.
public struct ICUNormalizer: TextNormalizer {
    public enum Form: String, Codable, Sendable, CaseIterable {
        case none, nfc, nfkc, nfkcCasefold = "nfkc_casefold", nfd, nfkd
        var platformForm: NormalizationForm? {
            switch self {
            case .none: nil
            case .nfc: .nfc
            case .nfkc: .nfkc
            case .nfkcCasefold: .nfkcCasefold
            case .nfd: .nfd
            case .nfkd: .nfkd
            }
        }
        var code: Int32 {
            switch self { case .nfc: 0; case .nfd: 1; case .nfkc: 2; case .nfkd: 3; case .nfkcCasefold: 4; case .none: -1 }
        }
    }

    public struct Config: Codable, Hashable, Sendable {
        public var form: Form
        public var removeDefaultIgnorables: Bool
        public var lowercase: Bool
        public var stripAccents: Bool
        public var collapseSpaces: Bool
        public init(form: Form = .nfkc, removeDefaultIgnorables: Bool = true, lowercase: Bool = false,
                    stripAccents: Bool = false, collapseSpaces: Bool = true) {
            self.form = form; self.removeDefaultIgnorables = removeDefaultIgnorables; self.lowercase = lowercase
            self.stripAccents = stripAccents; self.collapseSpaces = collapseSpaces
        }
        enum CodingKeys: String, CodingKey {
            case form, removeDefaultIgnorables = "remove_default_ignorables", lowercase, stripAccents = "strip_accents",
                 collapseSpaces = "collapse_spaces"
        }
    }

    public let config: Config
    /// Per-scalar rewrite applied after the normalization form.
    private let post: ScalarMap
    /// BMP facts: bit 0 quick check YES, bit 1 boundary before, bit 2 unchanged by `post`, bits 8-15 ccc.
    private let info: [UInt16]

    private static let tables = NormalizerTables<Config, (post: ScalarMap, info: [UInt16])>()

    public init(_ config: Config) {
        self.config = config
        (post, info) = ICUNormalizer.tables.value(for: config) { ICUNormalizer.makeTables(config) }
    }

    private static func makeTables(_ c: Config) -> (post: ScalarMap, info: [UInt16]) {
        let post = ScalarMap { s in
            var seq: [UInt32] = [s]
            if c.removeDefaultIgnorables && ICUNormalizer.isRemovableIgnorable(s) { return [] }
            if c.lowercase { seq = seq.flatMap { ScalarMap.lowercase($0) ?? [$0] } }
            if c.stripAccents { seq = seq.flatMap { ScalarMap.stripAccents($0) ?? [$0] } }
            return seq == [s] ? nil : seq
        }
        var table = [UInt16](repeating: 0, count: 0x10000)
        for s in 0..<UInt32(0x10000) where !(0xD800..<0xE000).contains(s) {
            table[Int(s)] = ICUNormalizer.facts(c.form, s, post)
        }
        return (post, table)
    }

    private static func facts(_ form: Form, _ s: UInt32, _ post: ScalarMap) -> UInt16 {
        let norm = form == .none ? 3 : cicu_text_norm_info(form.code, Int32(s))
        return UInt16(truncatingIfNeeded: norm) | (post.isIdentity(s) ? 4 : 0)
    }

    /// Default-ignorable code points removed: all but ZWNJ, ZWJ and variation selectors.
    public static func isRemovableIgnorable(_ c: UInt32) -> Bool {
        if c == 0x200C || c == 0x200D { return false }
        if (0xFE00...0xFE0F).contains(c) || (0xE0100...0xE01EF).contains(c) { return false }
        guard let s = Unicode.Scalar(c) else { return false }
        return UnicodeProperties.isDefaultIgnorable(s)
    }

    @inline(__always)
    private func facts(_ c: UInt32) -> UInt16 {
        c < 0x10000 ? info[Int(c)] : ICUNormalizer.facts(config.form, c, post)
    }

    /// Text passes through as long as ICU's quick check says it is already in the form (every
    /// scalar YES, combining classes in order); from a scalar that fails, the text is normalized
    /// again from the last normalization boundary up to the next safe scalar, in chunks.
    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        let startCount = out.count
        var i = 0
        let n = input.count
        var lastCC: UInt16 = 0
        var boundaryIn = 0, boundaryOut = out.count
        var run: [UInt32] = []
        var runStarts: [Int] = []
        while i < n {
            let b0 = input[i]
            if b0 < 0x80 && info[Int(b0)] & 7 == 7 {
                boundaryIn = i; boundaryOut = out.count; lastCC = 0
                out.append(b0, from: Int32(base + i), to: Int32(base + i + 1))
                i += 1
                continue
            }
            let (c, len) = UTF8Coding.decode(input, at: i)
            let f = facts(c)
            let ccc = f >> 8
            if f & 1 != 0 && (ccc == 0 || ccc >= lastCC) {
                if f & 2 != 0 { boundaryIn = i; boundaryOut = out.count }
                lastCC = ccc
                let s = Int32(base + i), e = Int32(base + i + len)
                if f & 4 != 0 {
                    for k in 0..<len { out.append(input[i + k], from: s, to: e) }
                } else {
                    post.apply(c) { out.append(scalar: $0, from: s, to: e) }
                }
                i += len
                continue
            }
            // Back to the last boundary; the run ends before the next scalar that is safe to start from.
            let keep = out.count - boundaryOut
            if keep > 0 {
                out.bytes.removeLast(keep)
                if out.tracksSource { out.sourceStart.removeLast(keep); out.sourceEnd.removeLast(keep) }
            }
            run.removeAll(keepingCapacity: true)
            runStarts.removeAll(keepingCapacity: true)
            var j = boundaryIn
            while j < n {
                let (c2, l2) = UTF8Coding.decode(input, at: j)
                if j > i {
                    let f2 = facts(c2)
                    if f2 & 3 == 3 && f2 >> 8 == 0 { break }
                }
                run.append(c2); runStarts.append(base + j)
                j += l2
            }
            runStarts.append(base + j)
            normalizeRun(run, starts: runStarts, into: &out)
            i = j
            lastCC = 0
            boundaryIn = j
            boundaryOut = out.count
        }
        if config.collapseSpaces { collapseSpaces(&out, from: startCount) }
    }

    private func normalizeRun(_ run: [UInt32], starts: [Int], into out: inout AlignedText) {
        // UTF-16 of the run, with the scalar index of each unit.
        var units: [UInt16] = []
        units.reserveCapacity(run.count * 2)
        for c in run {
            if c >= 0x10000 {
                let v = c - 0x10000
                units.append(UInt16(0xD800 + (v >> 10))); units.append(UInt16(0xDC00 + (v & 0x3FF)))
            } else {
                units.append(UInt16(c))
            }
        }
        var status: Int32 = 0
        if config.form == .none || cicu_text_norm_span_yes(config.form.code, units, Int32(units.count), &status) == Int32(units.count) {
            // Already in the form (the common case): each scalar stays aligned to itself.
            for (k, c) in run.enumerated() {
                let s = Int32(starts[k]), e = Int32(starts[k + 1])
                post.apply(c) { out.append(scalar: $0, from: s, to: e) }
            }
            return
        }
        var a = 0
        var buffer = [UInt16](repeating: 0, count: 64)
        while a < run.count {
            var b = a + 1
            while b < run.count && cicu_text_norm_has_boundary_before(config.form.code, Int32(run[b])) == 0 { b += 1 }
            let s = Int32(starts[a]), e = Int32(starts[b])
            var chunk: [UInt16] = []
            for k in a..<b {
                let c = run[k]
                if c >= 0x10000 {
                    let v = c - 0x10000
                    chunk.append(UInt16(0xD800 + (v >> 10))); chunk.append(UInt16(0xDC00 + (v & 0x3FF)))
                } else {
                    chunk.append(UInt16(c))
                }
            }
            var n: Int32 = 0
            while true {
                status = 0
                n = cicu_text_normalize(config.form.code, chunk, Int32(chunk.count), &buffer, Int32(buffer.count), &status)
                if status == 15 || n > Int32(buffer.count) { buffer = [UInt16](repeating: 0, count: Int(n) + 16); continue }
                break
            }
            // ICU fails here only when out of memory; the chunk then stays as it was.
            let normalized: ArraySlice<UInt16> = status > 0 ? chunk[...] : buffer[0..<Int(n)]
            for scalar in String(decoding: normalized, as: UTF16.self).unicodeScalars {
                post.apply(scalar.value) { out.append(scalar: $0, from: s, to: e) }
            }
            a = b
        }
    }

    /// Drops leading and trailing ASCII spaces and keeps one of each run.
    private func collapseSpaces(_ out: inout AlignedText, from start: Int) {
        var w = start
        var previousSpace = true
        for r in start..<out.count {
            let b = out.bytes[r]
            if b == 0x20 {
                if previousSpace { continue }
                previousSpace = true
            } else {
                previousSpace = false
            }
            out.bytes[w] = b
            if out.tracksSource { out.sourceStart[w] = out.sourceStart[r]; out.sourceEnd[w] = out.sourceEnd[r] }
            w += 1
        }
        if w > start && out.bytes[w - 1] == 0x20 { w -= 1 }
        let extra = out.count - w
        if extra > 0 {
            out.bytes.removeLast(extra)
            if out.tracksSource { out.sourceStart.removeLast(extra); out.sourceEnd.removeLast(extra) }
        }
    }
}
