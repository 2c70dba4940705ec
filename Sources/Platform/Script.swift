import CICU

/// A Unicode script (ISO 15924), as ICU's uscript reports it.
public struct Script: Hashable, Sendable, CustomStringConvertible {
    public let code: Int32
    public init(code: Int32) { self.code = code }

    /// The script of a scalar; `Zyyy` (Common) for punctuation, digits and spaces, `Zinh`
    /// (Inherited) for combining marks.
    public init(of scalar: Unicode.Scalar) {
        var status: Int32 = 0
        let c = cicu_script(Int32(scalar.value), &status)
        code = status > 0 ? 103 /* USCRIPT_UNKNOWN */ : c
    }

    /// Looks up an ISO 15924 code such as `Thai` or `Deva`.
    public init?(iso15924: String) {
        let c = cicu_script_from_code(iso15924)
        guard c >= 0 else { return nil }
        code = c
    }

    public var iso15924: String { String(cString: cicu_script_short_name(code)) }
    public var name: String { String(cString: cicu_script_name(code)) }
    public var description: String { iso15924 }

    public static let common = Script(code: 0)
    public static let inherited = Script(code: 1)
    public var isCommonOrInherited: Bool { code == 0 || code == 1 }

    /// The dominant script of a text: the most frequent script among its letters, ignoring Common
    /// and Inherited; `Zyyy` when it has no letters. Han, Hiragana and Katakana count separately.
    public static func dominant(in text: String) -> Script {
        var counts: [Int32: Int] = [:]
        for s in text.unicodeScalars {
            let script = Script(of: s)
            if !script.isCommonOrInherited { counts[script.code, default: 0] += 1 }
        }
        guard let best = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) else { return .common }
        return Script(code: best.key)
    }

    /// The script most texts have as their dominant script (see `ScriptTally`); nil when no text has letters.
    public static func dominant<S: Sequence>(amongTexts texts: S) -> Script? where S.Element == String {
        var tally = ScriptTally()
        for text in texts { tally.add(text) }
        return tally.dominant
    }
}

/// Counts the dominant script of texts one at a time, for the script of a whole data split.
public struct ScriptTally: Sendable {
    public private(set) var counts: [Script: Int] = [:]
    public init() {}

    /// Counts the text's dominant script unless it has no letters.
    public mutating func add(_ text: String) {
        let s = Script.dominant(in: text)
        if !s.isCommonOrInherited { counts[s, default: 0] += 1 }
    }

    /// The script most texts had (ties go to the lower ICU code); nil when none had letters.
    public var dominant: Script? {
        counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key.code > $1.key.code) }?.key
    }
}
