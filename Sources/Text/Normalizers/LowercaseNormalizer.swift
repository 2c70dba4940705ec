import Platform

/// HF's `Lowercase`: every character replaced by its full lowercase mapping without context (Rust's
/// `char::to_lowercase`: "İ" becomes "i̇", a final sigma stays "σ"); every output character keeps
/// the offsets of the character it came from.
public struct LowercaseNormalizer: NormalizerStage {
    public static let typeNames = ["Lowercase"]
    private static let map = ScalarMap { ScalarMap.lowercase($0) }
    private let map = LowercaseNormalizer.map

    public init() {}
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("Lowercase") }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        ScalarRewrite.apply(map, input, base: base, into: &out)
    }
}

/// Rewrites each scalar through a `ScalarMap`, every output byte aligned to the scalar it came from
/// (HF's per-character maps and filters: `lowercase`, `filter`).
enum ScalarRewrite {
    @inline(__always)
    static func apply(_ map: ScalarMap, _ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            if b < 0x80 && map.isIdentity(UInt32(b)) {
                out.append(b, from: Int32(base + i), to: Int32(base + i + 1))
                i += 1
                continue
            }
            let (c, len) = UTF8Coding.decode(input, at: i)
            let s = Int32(base + i), e = Int32(base + i + len)
            if map.isIdentity(c) {
                for k in 0..<len { out.append(input[i + k], from: s, to: e) }
            } else {
                map.apply(c) { out.append(scalar: $0, from: s, to: e) }
            }
            i += len
        }
    }

    /// Copies bytes from..<to of valid UTF-8, each character aligned to itself.
    @inline(__always)
    static func copy(_ input: UnsafeBufferPointer<UInt8>, from: Int, to: Int, base: Int, into out: inout AlignedText) {
        var i = from
        while i < to {
            let len = UTF8Coding.sequenceLength(input[i])
            let s = Int32(base + i), e = Int32(base + i + len)
            for k in 0..<len { out.append(input[i + k], from: s, to: e) }
            i += len
        }
    }
}
