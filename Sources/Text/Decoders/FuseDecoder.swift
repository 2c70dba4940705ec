import Platform

/// HF's `Fuse` decoder: all tokens as one.
public struct FuseDecoder: DecoderStage {
    public static let typeNames = ["Fuse"]
    public init() {}
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("Fuse") }
    public func decodeChain(_ tokens: [String]) -> [String] { [tokens.joined()] }
}
