import Platform

/// HF's `BPEDecoder`: the end-of-word `suffix` ("</w>") becomes a space, or nothing in the last token.
public struct BPEDecoder: DecoderStage {
    public static let typeNames = ["BPEDecoder"]
    public var suffix: String

    public init(suffix: String = "</w>") { self.suffix = suffix }
    public init(json: StageJSON) throws { suffix = try json.string("suffix") }
    public var json: StrictJSON { .stage("BPEDecoder", [("suffix", .string(suffix))]) }

    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, t in DecoderText.replacing(t, suffix, with: i == tokens.count - 1 ? "" : " ") }
    }
}
