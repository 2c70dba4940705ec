import Platform

/// HF's `Metaspace` decoder: the replacement character back to a space, except in the first token,
/// where it is dropped (every occurrence, as HF does) unless the scheme is `never`.
public struct MetaspaceDecoder: DecoderStage {
    public static let typeNames = ["Metaspace"]
    public let replacement: Unicode.Scalar
    public var prependScheme: MetaspacePreTokenizer.PrependScheme
    public var split: Bool

    public init(replacement: Unicode.Scalar = "\u{2581}", prependScheme: MetaspacePreTokenizer.PrependScheme = .always, split: Bool = true) {
        self.replacement = replacement; self.prependScheme = prependScheme; self.split = split
    }

    public init(json: StageJSON) throws {
        let (r, scheme) = try MetaspacePreTokenizer.readCommon(json)
        self.init(replacement: r, prependScheme: scheme, split: try json.bool("split", default: true))
    }

    public var json: StrictJSON {
        .stage("Metaspace", [("replacement", .string(String(replacement))), ("prepend_scheme", .string(prependScheme.rawValue)),
                             ("split", .bool(split))])
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            let drop = i == 0 && prependScheme != .never
            var out = String.UnicodeScalarView()
            for c in token.unicodeScalars {
                if c == replacement {
                    if !drop { out.append(" ") }
                } else {
                    out.append(c)
                }
            }
            return String(out)
        }
    }
}
