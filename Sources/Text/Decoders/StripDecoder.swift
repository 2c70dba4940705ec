import Platform

/// HF's `Strip` decoder: removes up to `start` leading and `stop` trailing occurrences of the
/// character `content` from each token. (HF fails on a token shorter than what it strips from both
/// ends; here the token becomes empty.)
public struct StripDecoder: DecoderStage {
    public static let typeNames = ["Strip"]
    public let content: Unicode.Scalar
    public var start: Int
    public var stop: Int

    public init(content: Unicode.Scalar, start: Int, stop: Int) { self.content = content; self.start = start; self.stop = stop }

    public init(json: StageJSON) throws {
        let c = try DecoderText.character(json, "content")
        let a = try json.int("start"), b = try json.int("stop")
        guard a >= 0 else { throw json.fail("start", "expected a count >= 0") }
        guard b >= 0 else { throw json.fail("stop", "expected a count >= 0") }
        self.init(content: c, start: a, stop: b)
    }

    public var json: StrictJSON {
        .stage("Strip", [("content", .string(String(content))), ("start", .int(start)), ("stop", .int(stop))])
    }

    public func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            let scalars = Array(token.unicodeScalars)
            var lo = 0
            while lo < min(start, scalars.count) && scalars[lo] == content { lo += 1 }
            var hi = scalars.count
            while scalars.count - hi < stop && hi > 0 && scalars[hi - 1] == content { hi -= 1 }
            if hi <= lo { return "" }
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars[lo..<hi])
            return String(v)
        }
    }
}
