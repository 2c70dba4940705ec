import Platform

/// HF's `Sequence` normalizer: each stage rewrites what the one before it produced; offsets stay
/// those of the original text.
public struct SequenceNormalizer: NormalizerStage {
    public static let typeNames = ["Sequence"]
    public let stages: [any NormalizerStage]

    public init(_ stages: [any NormalizerStage]) { self.stages = stages }

    public init(json: StageJSON) throws {
        stages = try json.objects("normalizers").map { try Normalizers.make($0) }
    }

    public var json: StrictJSON { .stage("Sequence", [("normalizers", .array(stages.map(\.json)))]) }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        var spare = AlignedText()
        normalize(input, base: base, into: &out, spare: &spare)
    }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText, spare: inout AlignedText) {
        guard let first = stages.first else {
            IdentityNormalizer().normalize(input, base: base, into: &out)
            return
        }
        if out.count > 0 {
            // The stages see only this input: normalize it apart, then append.
            var part = AlignedText(tracksSource: out.tracksSource)
            normalize(input, base: base, into: &part, spare: &spare)
            out.append(contentsOf: part)
            return
        }
        first.normalize(input, base: base, into: &out, spare: &spare)
        for stage in stages.dropFirst() { stage.renormalize(&out, spare: &spare) }
    }

    public func renormalize(_ text: inout AlignedText, spare: inout AlignedText) {
        for stage in stages { stage.renormalize(&text, spare: &spare) }
    }
}

/// The factory of normalizers: one entry per stage type (a new stage is one new file and one line here).
public enum Normalizers {
    static let registry = StageRegistry<any NormalizerStage>(kind: "normalizer", [
        SequenceNormalizer.self,
        BertNormalizer.self,
        ReplaceNormalizer.self,
        PrecompiledNormalizer.self,
        UnicodeFormNormalizer.self,
        LowercaseNormalizer.self,
        StripNormalizer.self,
        StripAccentsNormalizer.self,
        PrependNormalizer.self,
    ])

    /// The normalizer a tokenizer.json object describes; an unknown `type` is an error naming its path.
    public static func make(_ json: StageJSON) throws -> any NormalizerStage { try registry.make(json) }

    /// `"normalizer"` of tokenizer.json: null or absent means none.
    public static func make(_ value: StrictJSON?, path: String) throws -> (any NormalizerStage)? {
        switch value { case nil, .null?: return nil; default: return try make(StageJSON(value, path: path)) }
    }
}
