import Platform

/// HF's Metaspace pre-tokenizer (SentencePiece's convention): every ' ' becomes the replacement
/// character ("▁" by default), the replacement is prepended (always; for the text at the start of
/// the input only; or never) unless the text already starts with it, and the text is split before
/// each replacement (HF's `MergedWithNext`), so every word but possibly the first starts with it
/// and decoding is lossless.
public struct MetaspacePreTokenizer: PreTokenizer {
    public enum PrependScheme: String, Codable, Sendable, CaseIterable { case always, first, never }
    public var prependScheme: PrependScheme
    public var splitWords: Bool
    /// The replacement character's UTF-8.
    public let replacement: [UInt8]

    public init(replacement: Unicode.Scalar = "\u{2581}", prependScheme: PrependScheme = .always, split: Bool = true) {
        self.replacement = UTF8Coding.bytes(of: replacement.value)
        self.prependScheme = prependScheme
        self.splitWords = split
    }

    /// `first` prepends, as HF does, only when the text's first character comes from the input's
    /// first (HF's "original offset 0"): not after a special token, nor when a normalizer removed
    /// what came first (leading spaces). Without alignment (`tracksSource` false) only
    /// `isFirstSegment` tells.
    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        if text.count == 0 { return }
        var out = scratch.takeSpare(tracking: text.tracksSource)
        let rep = replacement
        let m = rep.count
        let startsWithReplacement = text.bytes[0] == 0x20 || MetaspacePreTokenizer.hasPrefix(text.bytes, rep, at: 0)
        let atOrigin = isFirstSegment && (!text.tracksSource || text.sourceStart[0] == 0)
        let prepend = !startsWithReplacement && (prependScheme == .always || (prependScheme == .first && atOrigin))
        if prepend {
            // HF's prepend: the new character is aligned to the first one.
            var lo: Int32 = 0, hi: Int32 = 0
            if text.tracksSource {
                lo = text.sourceStart[0]; hi = text.sourceEnd[0]
                for j in 0..<min(UTF8Coding.sequenceLength(text.bytes[0]), text.count) {
                    lo = min(lo, text.sourceStart[j]); hi = max(hi, text.sourceEnd[j])
                }
            }
            for b in rep { out.append(b, from: lo, to: hi) }
        }
        if text.tracksSource {
            for i in 0..<text.count {
                let b = text.bytes[i]
                if b == 0x20 {
                    for r in rep { out.append(r, from: text.sourceStart[i], to: text.sourceEnd[i]) }
                } else {
                    out.append(b, from: text.sourceStart[i], to: text.sourceEnd[i])
                }
            }
        } else {
            out.bytes.reserveCapacity(text.count + 16)
            for b in text.bytes {
                if b == 0x20 { out.bytes += rep } else { out.bytes.append(b) }
            }
        }
        swap(&text, &out)
        scratch.spare = out
        if !splitWords { words.append(WordSpan(start: 0, end: Int32(text.count))); return }
        var start = 0
        var i = 0
        let n = text.count
        while i < n {
            if i > start && text.bytes[i] == rep[0] && MetaspacePreTokenizer.hasPrefix(text.bytes, rep, at: i) {
                words.append(WordSpan(start: Int32(start), end: Int32(i)))
                start = i
                i += m
                continue
            }
            i += 1
        }
        if start < n { words.append(WordSpan(start: Int32(start), end: Int32(n))) }
    }

    @inline(__always)
    static func hasPrefix(_ b: [UInt8], _ p: [UInt8], at i: Int) -> Bool {
        if i + p.count > b.count { return false }
        for k in 0..<p.count where b[i + k] != p[k] { return false }
        return true
    }
}

extension MetaspacePreTokenizer: PreTokenizerStage {
    public static let typeNames = ["Metaspace"]

    /// The current form (`replacement`, `prepend_scheme`, `split`) and the older one (`add_prefix_space`).
    public init(json: StageJSON) throws {
        let (replacement, scheme) = try MetaspacePreTokenizer.readCommon(json)
        self.init(replacement: replacement, prependScheme: scheme, split: try json.bool("split", default: true))
    }

    /// `replacement` (one character) and the prepend scheme, shared with the Metaspace decoder. As in
    /// HF, `add_prefix_space: false` means `never` and contradicts any other declared scheme
    /// (HF also refuses it alone; Polyglot reads it as `never`).
    static func readCommon(_ json: StageJSON) throws -> (Unicode.Scalar, PrependScheme) {
        var scheme = PrependScheme.always
        if json.has("prepend_scheme") {
            scheme = PrependScheme(rawValue: try json.choice("prepend_scheme", PrependScheme.allCases.map(\.rawValue))) ?? .always
        }
        if try json.optionalBool("add_prefix_space") == false {
            if json.has("prepend_scheme") && scheme != .never {
                throw json.fail("add_prefix_space", "false contradicts prepend_scheme \"\(scheme.rawValue)\"")
            }
            scheme = .never
        }
        let r = try json.string("replacement")
        let scalars = r.unicodeScalars
        guard scalars.count == 1, let replacement = scalars.first else {
            throw json.fail("replacement", "expected one character, got \"\(excerpt(r))\"")
        }
        return (replacement, scheme)
    }

    var replacementString: String { String(decoding: replacement, as: UTF8.self) }

    public var needsSourceAlignment: Bool { prependScheme == .first }

    public var json: StrictJSON {
        .stage("Metaspace", [("replacement", .string(replacementString)), ("prepend_scheme", .string(prependScheme.rawValue)),
                             ("split", .bool(splitWords))])
    }
}
