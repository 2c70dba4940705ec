import Platform

/// HF's `StripAccents`: removes every nonspacing mark (general category Mn) and nothing else (it
/// does not decompose: put NFD or NFKD before it to strip the accents of precomposed letters). The
/// characters kept keep their own offsets.
public struct StripAccentsNormalizer: NormalizerStage {
    public static let typeNames = ["StripAccents"]
    /// ICU's UCharCategory for Mn.
    private static let nonspacingMark = 6
    private static let map = ScalarMap { c in
        guard c >= 0x80, let s = Unicode.Scalar(c) else { return nil }
        return UnicodeProperties.generalCategory(s) == StripAccentsNormalizer.nonspacingMark ? [] : nil
    }
    private let map = StripAccentsNormalizer.map

    public init() {}
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("StripAccents") }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        ScalarRewrite.apply(map, input, base: base, into: &out)
    }
}
