import Platform

/// HF's `CTC` decoder (speech models): repeated tokens collapsed, the pad token removed, and with
/// `cleanup` HF's clean-up and the word delimiter as a space; empty tokens dropped.
public struct CTCDecoder: DecoderStage {
    public static let typeNames = ["CTC"]
    public var padToken: String
    public var wordDelimiterToken: String
    public var cleanup: Bool

    public init(padToken: String = "<pad>", wordDelimiterToken: String = "|", cleanup: Bool = true) {
        self.padToken = padToken; self.wordDelimiterToken = wordDelimiterToken; self.cleanup = cleanup
    }

    public init(json: StageJSON) throws {
        self.init(padToken: try json.string("pad_token"), wordDelimiterToken: try json.string("word_delimiter_token"),
                  cleanup: try json.bool("cleanup"))
    }

    public var json: StrictJSON {
        .stage("CTC", [("pad_token", .string(padToken)), ("word_delimiter_token", .string(wordDelimiterToken)), ("cleanup", .bool(cleanup))])
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        var out: [String] = []
        var previous: String? = nil
        for t in tokens {
            if let p = previous, p.utf8.elementsEqual(t.utf8) { continue }
            previous = t
            var r = DecoderText.replacing(t, padToken, with: "")
            if cleanup { r = DecoderText.replacing(DecoderText.cleanup(r), wordDelimiterToken, with: " ") }
            if !r.isEmpty { out.append(r) }
        }
        return out
    }
}
