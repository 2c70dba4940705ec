import Platform

/// Last stage, used by `decode`: turns the pieces of ids back into text. As in HF `tokenizers`, each
/// decoder maps the list of token strings to a new list (a `Sequence` chains them) and `decode`
/// concatenates the result.
public protocol DecoderStage: TokenizerStage {
    func decodeChain(_ tokens: [String]) -> [String]
}

extension DecoderStage {
    /// The decoded text.
    public func decode(_ tokens: [String]) -> String { decodeChain(tokens).joined() }
}

/// HF's `Sequence` decoder: each decoder's output is the next one's input.
public struct SequenceDecoder: DecoderStage {
    public static let typeNames = ["Sequence"]
    public let stages: [any DecoderStage]

    public init(_ stages: [any DecoderStage]) { self.stages = stages }

    public init(json: StageJSON) throws {
        stages = try json.objects("decoders").map { try Decoders.make($0) }
    }

    public var json: StrictJSON { .stage("Sequence", [("decoders", .array(stages.map(\.json)))]) }

    public func decodeChain(_ tokens: [String]) -> [String] {
        var t = tokens
        for s in stages { t = s.decodeChain(t) }
        return t
    }
}

/// The factory of decoders: one entry per stage type (a new stage is one new file and one line here).
public enum Decoders {
    static let registry = StageRegistry<any DecoderStage>(kind: "decoder", [
        SequenceDecoder.self,
        MetaspaceDecoder.self,
        ByteLevelDecoder.self,
        WordPieceDecoder.self,
        BPEDecoder.self,
        ByteFallbackDecoder.self,
        FuseDecoder.self,
        StripDecoder.self,
        ReplaceDecoder.self,
        CTCDecoder.self,
    ])

    public static func make(_ json: StageJSON) throws -> any DecoderStage { try registry.make(json) }

    /// `"decoder"` of tokenizer.json: null or absent means none (pieces joined by spaces, as HF does).
    public static func make(_ value: StrictJSON?, path: String) throws -> (any DecoderStage)? {
        switch value { case nil, .null?: return nil; default: return try make(StageJSON(value, path: path)) }
    }
}
