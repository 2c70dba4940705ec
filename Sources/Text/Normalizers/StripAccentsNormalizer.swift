import Platform

/// HF's `StripAccents`: removes every combining mark (general category M: Mn, Mc and Me, as the
/// Rust crate HF uses defines a combining mark; HF removes the Devanagari vowel sign "ि" (Mc) and
/// the keycap U+20E3 (Me) too) and nothing else (it does not decompose: put NFD or NFKD before it
/// to strip the accents of precomposed letters). The characters kept keep their own offsets.
public struct StripAccentsNormalizer: NormalizerStage {
    public static let typeNames = ["StripAccents"]
    /// ICU's UCharCategory values of Mn, Me and Mc.
    private static let marks = 6...8
    private static let map = ScalarMap { c in
        guard c >= 0x80, let s = Unicode.Scalar(c) else { return nil }
        return StripAccentsNormalizer.marks.contains(UnicodeProperties.generalCategory(s)) ? [] : nil
    }
    private let map = StripAccentsNormalizer.map

    public init() {}
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("StripAccents") }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        ScalarRewrite.apply(map, input, base: base, into: &out)
    }
}
