import Platform

/// HF's `Prepend`: puts `prepend` before text that is not empty. As in HF, the prepended characters
/// and the first character all take the first character's offsets.
public struct PrependNormalizer: NormalizerStage {
    public static let typeNames = ["Prepend"]
    public let prepend: String
    private let bytes: [UInt8]

    public init(_ prepend: String) { self.prepend = prepend; bytes = Array(prepend.utf8) }

    public init(json: StageJSON) throws { self.init(try json.string("prepend")) }

    public var json: StrictJSON { .stage("Prepend", [("prepend", .string(prepend))]) }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        guard input.count > 0 else { return }
        let len = UTF8Coding.sequenceLength(input[0])
        let s = Int32(base), e = Int32(base + len)
        for b in bytes { out.append(b, from: s, to: e) }
        ScalarRewrite.copy(input, from: 0, to: input.count, base: base, into: &out)
    }
}
