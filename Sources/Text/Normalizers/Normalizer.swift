/// First stage of the pipeline: rewrites a span of original text into normalized text, keeping for
/// every output byte the original bytes it came from.
public protocol TextNormalizer: Sendable {
    /// Normalizes `input` (original UTF-8 that starts at byte `base` of the original text) and
    /// appends the result to `out`.
    func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText)

    /// Rewrites text an earlier stage produced (the stages after the first of a `Sequence`), keeping
    /// every byte aligned to the original. `spare` is a buffer to reuse; its contents are undefined after.
    func renormalize(_ text: inout AlignedText, spare: inout AlignedText)

    /// `normalize` with a reusable buffer (a `Sequence` needs one between stages).
    func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText, spare: inout AlignedText)
}

extension TextNormalizer {
    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText, spare: inout AlignedText) {
        normalize(input, base: base, into: &out)
    }

    /// The general rewrite: normalize the bytes as if they were original text, then map each output
    /// byte's range (bytes of `text`) through `text`'s alignment to the original.
    public func renormalize(_ text: inout AlignedText, spare: inout AlignedText) {
        spare.removeAll()
        spare.tracksSource = text.tracksSource
        text.bytes.withUnsafeBufferPointer { normalize($0, base: 0, into: &spare) }
        if text.tracksSource { spare.realign(through: text) }
        swap(&text, &spare)
    }
}

extension AlignedText {
    /// Replaces this text's ranges (byte ranges of `earlier`) by the original ranges `earlier` aligns
    /// them to: the hull of the bytes' ranges, or the position of an insertion.
    mutating func realign(through earlier: AlignedText) {
        for j in 0..<count {
            let s = Int(sourceStart[j]), e = Int(sourceEnd[j])
            if e > s {
                var lo = earlier.sourceStart[s], hi = earlier.sourceEnd[e - 1]
                for k in s..<e { lo = min(lo, earlier.sourceStart[k]); hi = max(hi, earlier.sourceEnd[k]) }
                sourceStart[j] = lo; sourceEnd[j] = hi
            } else {
                let p = s < earlier.count ? earlier.sourceStart[s] : (earlier.count > 0 ? earlier.sourceEnd[earlier.count - 1] : 0)
                sourceStart[j] = p; sourceEnd[j] = p
            }
        }
    }
}

/// A normalizer of tokenizer.json: a `TextNormalizer` read and written as its JSON object.
public protocol NormalizerStage: TextNormalizer, TokenizerStage {}

/// Copies text unchanged (tokenizer.json's `"normalizer": null`).
public struct IdentityNormalizer: TextNormalizer {
    public init() {}
    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        var i = 0
        while i < input.count {
            let n = UTF8Coding.sequenceLength(input[i])
            for k in 0..<n { out.append(input[i + k], from: Int32(base + i), to: Int32(base + i + n)) }
            i += n
        }
    }
    public func renormalize(_ text: inout AlignedText, spare: inout AlignedText) {}
}
