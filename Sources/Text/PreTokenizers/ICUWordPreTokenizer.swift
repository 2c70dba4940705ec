/// Polyglot's own pre-tokenizer: ICU word boundaries for the text's locale (so Thai, Lao, Khmer,
/// Burmese, Chinese and Japanese are segmented with ICU's dictionaries), every punctuation or
/// symbol character on its own, optionally every digit on its own, and the whitespace marker "▁"
/// in place of each space, attached to the word that follows. A "▁" is always prepended to the
/// text, so decoding (marker → space, then dropping the first character) is lossless.
public struct ICUWordPreTokenizer: PreTokenizer {
    public struct Config: Codable, Equatable, Sendable {
        public var locale: String
        public var splitDigits: Bool
        public init(locale: String = "", splitDigits: Bool = true) { self.locale = locale; self.splitDigits = splitDigits }
        enum CodingKeys: String, CodingKey { case locale, splitDigits = "split_digits" }
    }

    public let config: Config

    public init(_ config: Config) throws {
        self.config = config
        _ = try UTF8WordBreaker(locale: config.locale)
    }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        if text.count == 0 { return }
        let breaker = try scratch.breaker(locale: config.locale)
        let nb = try text.bytes.withUnsafeBufferPointer { p in
            try breaker.breakText(p, boundaries: &scratch.boundaries, statuses: &scratch.statuses)
        }
        var out = scratch.takeSpare(tracking: text.tracksSource)
        // The marker waiting for the next word: where it came from in the original.
        var pending = true
        var pendingStart = text.start(0), pendingEnd = text.start(0)
        func flushPending(_ out: inout AlignedText, _ words: inout [WordSpan]) {
            if !pending { return }
            let s = out.count
            for m in metaspaceMarker { out.append(m, from: pendingStart, to: pendingEnd) }
            words.append(WordSpan(start: Int32(s), end: Int32(out.count)))
            pending = false
        }
        for k in 0..<max(0, nb - 1) {
            let a = Int(scratch.boundaries[k]), b = Int(scratch.boundaries[k + 1])
            if a >= b { continue }
            var allSpaces = true
            for i in a..<b where text.bytes[i] != 0x20 { allSpaces = false; break }
            if allSpaces {
                // A run of spaces (ICU keeps them together): each becomes a marker; the last one waits
                // for the word that follows.
                for i in a..<b {
                    flushPending(&out, &words)
                    pending = true
                    pendingStart = text.start(i); pendingEnd = text.end(i)
                }
                continue
            }
            var wordStart = out.count
            if pending {
                for m in metaspaceMarker { out.append(m, from: pendingStart, to: pendingEnd) }
                pending = false
            }
            var i = a
            var firstPiece = true
            while i < b {
                let len = UTF8Coding.sequenceLength(text.bytes[i])
                let isDigit = len == 1 && text.bytes[i] >= 0x30 && text.bytes[i] <= 0x39
                if config.splitDigits && isDigit {
                    // The digit closes what came before it (unless that is only the marker) and stands alone.
                    let onlyMarker = out.count - wordStart == metaspaceMarker.count && firstPiece && startsWithMarker(out.bytes, at: wordStart)
                    if out.count > wordStart && !onlyMarker {
                        words.append(WordSpan(start: Int32(wordStart), end: Int32(out.count)))
                        wordStart = out.count
                    }
                    out.append(text.bytes[i], from: text.start(i), to: text.end(i))
                    words.append(WordSpan(start: Int32(wordStart), end: Int32(out.count)))
                    wordStart = out.count
                    firstPiece = false
                    i += 1
                    continue
                }
                for j in 0..<len { out.append(text.bytes[i + j], from: text.start(i + j), to: text.end(i + j)) }
                i += len
            }
            if out.count > wordStart { words.append(WordSpan(start: Int32(wordStart), end: Int32(out.count))) }
        }
        flushPending(&out, &words)
        swap(&text, &out)
        scratch.spare = out
    }
}
