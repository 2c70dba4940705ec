import Platform

/// The `pattern` of HF's `Split` pre-tokenizer and `Replace` normalizer and decoder:
/// `{"String": "…"}` (a literal, matched without a regular expression) or `{"Regex": "…"}`
/// (compiled once, by ICU; see `ICURegex` for how its syntax differs from HF's Oniguruma).
public struct StagePattern: Sendable {
    public enum Kind: String, Sendable { case string = "String", regex = "Regex" }
    public let kind: Kind
    public let source: String
    let literal: [UInt8]
    let regex: ICURegex?

    public init(string: String) {
        kind = .string; source = string; literal = Array(string.utf8); regex = nil
    }

    public init(regex: String) throws {
        kind = .regex; source = regex; literal = []
        self.regex = try ICURegex(StagePattern.icuPattern(oniguruma: regex))
    }

    /// Oniguruma's meaning of the few constructs ICU reads otherwise: `\w` (Oniguruma's word
    /// characters: Alphabetic, marks, decimal digits, connector punctuation, and the Latin-1 "² ³ ¹ ¼ ½ ¾";
    /// ICU's also has ZWNJ and ZWJ), `\W`, `\h`/`\H` (hexadecimal digits), `[:punct:]` (punctuation
    /// and symbols; ICU's is punctuation only), `^` (never at the end of the text) and the empty
    /// pattern (ICU refuses it).
    static func icuPattern(oniguruma p: String) -> String {
        if p.isEmpty { return "(?:)" }
        let word = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\u00B2\\u00B3\\u00B9\\u00BC-\\u00BE"
        let hex = "0-9a-fA-F"
        var out = ""
        var depth = 0
        let s = Array(p.unicodeScalars)
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "\\" && i + 1 < s.count {
                let e = s[i + 1]
                switch e {
                case "w": out += depth > 0 ? word : "[\(word)]"
                case "W": out += "[^\(word)]"
                case "h": out += depth > 0 ? hex : "[\(hex)]"
                case "H": out += "[^\(hex)]"
                default: out.unicodeScalars.append(c); out.unicodeScalars.append(e)
                }
                i += 2
                continue
            }
            if c == "^" && depth == 0 {
                // Oniguruma's line start is never the end of the text (after a final "\n"); ICU's is.
                out += "(?:^(?!\\z))"
                i += 1
                continue
            }
            if c == "[" {
                if depth > 0, i + 8 < s.count, String(String.UnicodeScalarView(s[i..<(i + 9)])) == "[:punct:]" {
                    out += "\\p{P}\\p{S}"
                    i += 9
                    continue
                }
                if depth > 0, i + 1 < s.count, s[i + 1] == ":" {
                    // Another POSIX class: ICU reads it alike.
                    var j = i + 2
                    while j + 1 < s.count && !(s[j] == ":" && s[j + 1] == "]") { j += 1 }
                    out.unicodeScalars.append(contentsOf: s[i..<min(j + 2, s.count)])
                    i = j + 2
                    continue
                }
                depth += 1
            } else if c == "]" && depth > 0 {
                depth -= 1
            }
            out.unicodeScalars.append(c)
            i += 1
        }
        return out
    }

    /// Reads the pattern object at `key` of a stage.
    init(_ json: StageJSON, _ key: String = "pattern") throws {
        let o = try json.object(key)
        let kinds = o.members.map(\.0)
        guard kinds.count == 1, let k = Kind(rawValue: kinds[0]) else {
            throw json.fail(key, "expected {\"String\": …} or {\"Regex\": …}")
        }
        let s = try o.string(k.rawValue)
        switch k {
        case .string: self.init(string: s)
        case .regex:
            do { try self.init(regex: s) } catch let e as ICURegex.SyntaxError {
                throw o.fail(k.rawValue, "\(e.message): \"\(excerpt(s))\"")
            }
        }
    }

    public var json: StrictJSON { .object([(kind.rawValue, .string(source))]) }

    /// Calls `body(start, end)` with the byte range of each match in `text`, left to right, not
    /// overlapping, as HF's Oniguruma finds them. A literal matches where its bytes occur (an empty
    /// literal matches nowhere; HF would match it everywhere as an empty regular expression).
    public func forEachMatch(in text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) throws -> Void) throws {
        // HF looks for no match in empty text (an empty match included).
        if text.isEmpty { return }
        if let regex {
            // Oniguruma (HF's engine) skips an empty match right where the previous match ended; ICU
            // reports it.
            var lastEnd = -1
            try regex.matches(in: text) { s, e in
                if s == e && e == lastEnd { return }
                lastEnd = e
                try body(s, e)
            }
            return
        }
        let m = literal.count
        if m == 0 || text.count < m { return }
        try literal.withUnsafeBufferPointer { lit in
            let first = lit[0]
            var i = 0
            let last = text.count - m
            while i <= last {
                if text[i] == first {
                    var k = 1
                    while k < m && text[i + k] == lit[k] { k += 1 }
                    if k == m { try body(i, i + m); i += m; continue }
                }
                i += 1
            }
        }
    }
}
