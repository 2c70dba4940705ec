import Platform

/// HF's `ByteFallback` decoder: runs of byte tokens (`<0xNN>`) become the text their bytes spell
/// when the run is valid UTF-8, else one U+FFFD per byte token; other tokens pass unchanged.
public struct ByteFallbackDecoder: DecoderStage {
    public static let typeNames = ["ByteFallback"]
    public init() {}
    public init(json: StageJSON) throws {}
    public var json: StrictJSON { .stage("ByteFallback") }

    public func decodeChain(_ tokens: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(tokens.count)
        var run: [UInt8] = []
        func flush() {
            if run.isEmpty { return }
            if let s = String(validating: run, as: UTF8.self) {
                out.append(s)
            } else {
                out += repeatElement("\u{FFFD}", count: run.count)
            }
            run.removeAll(keepingCapacity: true)
        }
        for t in tokens {
            if let b = byteOfFallbackPiece(t) { run.append(b); continue }
            flush()
            out.append(t)
        }
        flush()
        return out
    }
}
