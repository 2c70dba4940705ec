import Platform

/// HF's Metaspace pre-tokenizer (SentencePiece's convention): every ' ' becomes "▁", a "▁" is
/// prepended (always, first segment only, or never) and the text is split before each "▁", so
/// every word but possibly the first starts with the marker and decoding is lossless.
public struct MetaspacePreTokenizer: PreTokenizer {
    public enum PrependScheme: String, Codable, Sendable, CaseIterable { case always, first, never }
    public var prependScheme: PrependScheme
    public var splitWords: Bool

    public init(prependScheme: PrependScheme = .always, split: Bool = true) {
        self.prependScheme = prependScheme
        self.splitWords = split
    }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        if text.count == 0 { return }
        var out = scratch.takeSpare(tracking: text.tracksSource)
        let startsWithSpace = text.bytes[0] == 0x20 || startsWithMarker(text.bytes, at: 0)
        let prepend = !startsWithSpace && (prependScheme == .always || (prependScheme == .first && isFirstSegment))
        if prepend {
            // Aligned to the first character, as HF's prepend aligns it.
            let a = text.start(0), b = text.end(0)
            for m in metaspaceMarker { out.append(m, from: a, to: b) }
        }
        if text.tracksSource {
            for i in 0..<text.count {
                let b = text.bytes[i]
                if b == 0x20 {
                    for m in metaspaceMarker { out.append(m, from: text.sourceStart[i], to: text.sourceEnd[i]) }
                } else {
                    out.append(b, from: text.sourceStart[i], to: text.sourceEnd[i])
                }
            }
        } else {
            out.bytes.reserveCapacity(text.count + 16)
            for b in text.bytes {
                if b == 0x20 { out.bytes.append(0xE2); out.bytes.append(0x96); out.bytes.append(0x81) } else { out.bytes.append(b) }
            }
        }
        swap(&text, &out)
        scratch.spare = out
        if !splitWords { words.append(WordSpan(start: 0, end: Int32(text.count))); return }
        var start = 0
        var i = 0
        let n = text.count
        while i < n {
            if i > start && startsWithMarker(text.bytes, at: i) {
                words.append(WordSpan(start: Int32(start), end: Int32(i)))
                start = i
            }
            i += 1
        }
        if start < n { words.append(WordSpan(start: Int32(start), end: Int32(n))) }
    }
}

extension MetaspacePreTokenizer: PreTokenizerStage {
    public static let typeNames = ["Metaspace"]

    /// The current form (`prepend_scheme`, `split`) and the older one (`add_prefix_space`).
    public init(json: StageJSON) throws {
        let replacement = try json.string("replacement", default: "\u{2581}")
        guard replacement == "\u{2581}" else { throw json.fail("replacement", "only \"\u{2581}\" is supported") }
        var scheme = PrependScheme.always
        if json.has("prepend_scheme") {
            scheme = PrependScheme(rawValue: try json.choice("prepend_scheme", PrependScheme.allCases.map(\.rawValue))) ?? .always
        } else if let a = try json.optionalBool("add_prefix_space") {
            scheme = a ? .always : .never
        }
        self.init(prependScheme: scheme, split: try json.bool("split", default: true))
    }

    public var json: StrictJSON {
        .stage("Metaspace", [("replacement", .string("\u{2581}")), ("prepend_scheme", .string(prependScheme.rawValue)),
                             ("split", .bool(splitWords))])
    }
}
