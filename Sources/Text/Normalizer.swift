/// First stage of the pipeline: rewrites a span of original text into normalized text, keeping for
/// every output byte the original bytes it came from.
public protocol TextNormalizer: Sendable {
    /// Normalizes `input` (original UTF-8 that starts at byte `base` of the original text) and
    /// appends the result to `out`.
    func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText)
}

/// Copies text unchanged.
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
}
