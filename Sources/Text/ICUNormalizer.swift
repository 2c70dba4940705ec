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

    public struct Config: Codable, Equatable, Sendable {
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
    /// BMP scalars that pass through unchanged and need no normalization context.
    private let passthrough: [Bool]

    public init(_ config: Config) {
        self.config = config
        let c = config
        post = ScalarMap { s in
            var seq: [UInt32] = [s]
            if c.removeDefaultIgnorables && ICUNormalizer.isRemovableIgnorable(s) { return [] }
            if c.lowercase { seq = seq.flatMap { ScalarMap.lowercase($0) ?? [$0] } }
            if c.stripAccents { seq = seq.flatMap { ScalarMap.stripAccents($0) ?? [$0] } }
            return seq == [s] ? nil : seq
        }
        var pass = [Bool](repeating: false, count: 0x10000)
        for s in 0..<UInt32(0x10000) where !(0xD800..<0xE000).contains(s) {
            let inert = c.form == .none || cicu_text_norm_is_inert(c.form.code, Int32(s)) == 1
            pass[Int(s)] = inert && post.isIdentity(s)
        }
        passthrough = pass
    }

    /// Default-ignorable code points removed: all but ZWNJ, ZWJ and variation selectors.
    public static func isRemovableIgnorable(_ c: UInt32) -> Bool {
        if c == 0x200C || c == 0x200D { return false }
        if (0xFE00...0xFE0F).contains(c) || (0xE0100...0xE01EF).contains(c) { return false }
        guard let s = Unicode.Scalar(c) else { return false }
        return UnicodeProperties.isDefaultIgnorable(s)
    }

    @inline(__always)
    private func isPassthrough(_ c: UInt32) -> Bool {
        c < 0x10000 ? passthrough[Int(c)] : (config.form == .none || cicu_text_norm_is_inert(config.form.code, Int32(c)) == 1) && post.isIdentity(c)
    }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        let startCount = out.count
        var i = 0
        let n = input.count
        var run: [UInt32] = []
        var runStarts: [Int] = []
        while i < n {
            let (c, len) = UTF8Coding.decode(input, at: i)
            if isPassthrough(c) {
                let s = Int32(base + i), e = Int32(base + i + len)
                for k in 0..<len { out.append(input[i + k], from: s, to: e) }
                i += len
                continue
            }
            // A run of scalars that need context, up to the next inert one.
            run.removeAll(keepingCapacity: true)
            runStarts.removeAll(keepingCapacity: true)
            while i < n {
                let (c2, len2) = UTF8Coding.decode(input, at: i)
                if isPassthrough(c2) { break }
                run.append(c2); runStarts.append(base + i)
                i += len2
            }
            runStarts.append(base + i)
            normalizeRun(run, starts: runStarts, into: &out)
        }
        if config.collapseSpaces { collapseSpaces(&out, from: startCount) }
    }

    private func normalizeRun(_ run: [UInt32], starts: [Int], into out: inout AlignedText) {
        var a = 0
        while a < run.count {
            var b = a + 1
            if config.form != .none {
                while b < run.count && cicu_text_norm_has_boundary_before(config.form.code, Int32(run[b])) == 0 { b += 1 }
            }
            let s = Int32(starts[a]), e = Int32(starts[b])
            var chunk = String.UnicodeScalarView()
            for k in a..<b { chunk.append(Unicode.Scalar(run[k])!) }
            var text = String(chunk)
            if let form = config.form.platformForm, let normalized = try? UnicodeNormalizer.normalize(text, form: form) {
                text = normalized
            }
            for scalar in text.unicodeScalars {
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
            out.bytes[w] = b; out.sourceStart[w] = out.sourceStart[r]; out.sourceEnd[w] = out.sourceEnd[r]
            w += 1
        }
        if w > start && out.bytes[w - 1] == 0x20 { w -= 1 }
        let extra = out.count - w
        if extra > 0 {
            out.bytes.removeLast(extra); out.sourceStart.removeLast(extra); out.sourceEnd.removeLast(extra)
        }
    }
}
