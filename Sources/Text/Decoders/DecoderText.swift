import Platform

/// String helpers the decoders share, on UTF-8 bytes (no Foundation, no `Character`).
enum DecoderText {
    /// `s` with every non-overlapping occurrence of `target` (left to right) replaced.
    static func replacing(_ s: String, _ target: String, with replacement: String) -> String {
        var s = s
        return s.withUTF8 { p in
            var t = target
            return t.withUTF8 { tp in
                let m = tp.count
                if m == 0 || p.count < m { return String(decoding: p, as: UTF8.self) }
                var out: [UInt8] = []
                out.reserveCapacity(p.count)
                var i = 0
                let last = p.count - m
                while i < p.count {
                    if i <= last && p[i] == tp[0] {
                        var k = 1
                        while k < m && p[i + k] == tp[k] { k += 1 }
                        if k == m { out += replacement.utf8; i += m; continue }
                    }
                    out.append(p[i]); i += 1
                }
                return String(decoding: out, as: UTF8.self)
            }
        }
    }

    /// HF's clean-up of decoded text (WordPiece and CTC decoders): no space before ". ? ! ,",
    /// contractions glued back ("do n't" → "don't", "I 'm" → "I'm", " ' " → "'").
    static func cleanup(_ s: String) -> String {
        var t = s
        for (a, b) in cleanupPairs { t = replacing(t, a, with: b) }
        return t
    }

    private static let cleanupPairs: [(String, String)] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ]

    /// The string a single-character member of a decoder object holds.
    static func character(_ json: StageJSON, _ key: String) throws -> Unicode.Scalar {
        let s = try json.string(key)
        guard s.unicodeScalars.count == 1, let c = s.unicodeScalars.first else {
            throw json.fail(key, "expected one character, got \"\(excerpt(s))\"")
        }
        return c
    }
}
