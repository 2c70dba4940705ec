import Foundation
import Platform

/// One language, as written in `languages/<code>.yaml`.
public struct LanguageSpec: Codable, Sendable, Equatable {
    /// The key tasks use: a BCP-47 tag (`en`, `zh`, `sw`) or, for the generated FLORES-200 specs, the FLORES-200
    /// code (`ace_Latn`).
    public var code: String
    /// The FLORES-200 code of a language whose spec has another code (`arb_Arab` for `ar`): an alias the registry
    /// resolves to this spec.
    public var flores200: String?
    /// ISO 639-3 (`eng`, `cmn`, `swh`).
    public var iso639_3: String
    /// Glottolog's languoid id (`swah1253`), when the language is in Glottolog.
    public var glottocode: String?
    /// English name.
    public var name: String
    /// The ICU locale used for segmentation and the built-in suite (`en`, `zh_Hans`).
    public var icuLocale: String
    /// ISO 15924 codes of the scripts the language is written in, the main one first.
    public var scripts: [String]
    /// Language family for aggregating results: Glottolog's top-level family (an isolate's own name); see
    /// `languages/README.md` for the two families named as WALS names them.
    public var family: String
    /// WALS genus of the hand-written specs; empty for the generated ones (Glottolog has no genus).
    public var genus: String
    /// Whether ICU segments words of this language with a dictionary (no spaces between words).
    public var dictionarySegmentation: Bool

    public var sourcePath: String = ""

    public init(code: String, iso639_3: String, name: String, icuLocale: String, scripts: [String],
                family: String, genus: String, dictionarySegmentation: Bool, flores200: String? = nil, glottocode: String? = nil) {
        self.code = code; self.iso639_3 = iso639_3; self.name = name; self.icuLocale = icuLocale
        self.scripts = scripts; self.family = family; self.genus = genus
        self.dictionarySegmentation = dictionarySegmentation
        self.flores200 = flores200; self.glottocode = glottocode
    }

    /// The family of a language evaluated without a spec.
    public static let unknownFamily = "unknown"

    /// Stands in for a language nobody wrote a spec for (a data folder `xyz_Latn`): family unknown, the script
    /// found in its text (`Zyyy` when none was), ICU's root rules.
    public static func unknown(code: String, script: String) -> LanguageSpec {
        let suffix = code.split(whereSeparator: { $0 == "_" || $0 == "-" }).first.map(String.init) ?? code
        return LanguageSpec(code: code, iso639_3: suffix.count == 3 ? suffix : "und", name: code, icuLocale: "root",
                            scripts: [script], family: unknownFamily, genus: "", dictionarySegmentation: false)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case code, flores200, iso639_3, glottocode, name, icuLocale = "icu_locale", scripts, family, genus
        case dictionarySegmentation = "dictionary_segmentation"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        flores200 = try c.decodeIfPresent(String.self, forKey: .flores200)
        iso639_3 = try c.decode(String.self, forKey: .iso639_3)
        glottocode = try c.decodeIfPresent(String.self, forKey: .glottocode)
        name = try c.decode(String.self, forKey: .name)
        icuLocale = try c.decode(String.self, forKey: .icuLocale)
        scripts = try c.decode([String].self, forKey: .scripts)
        family = try c.decode(String.self, forKey: .family)
        genus = try c.decode(String.self, forKey: .genus)
        dictionarySegmentation = try c.decode(Bool.self, forKey: .dictionarySegmentation)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code); try c.encodeIfPresent(flores200, forKey: .flores200)
        try c.encode(iso639_3, forKey: .iso639_3); try c.encodeIfPresent(glottocode, forKey: .glottocode)
        try c.encode(name, forKey: .name); try c.encode(icuLocale, forKey: .icuLocale)
        try c.encode(scripts, forKey: .scripts); try c.encode(family, forKey: .family)
        try c.encode(genus, forKey: .genus); try c.encode(dictionarySegmentation, forKey: .dictionarySegmentation)
    }

    public static func load(path: String) throws -> LanguageSpec {
        var spec = try SpecDecoding.decode(LanguageSpec.self, path: path)
        spec.sourcePath = path
        try spec.validate()
        return spec
    }

    func error(_ key: String, _ message: String) -> ConfigError { ConfigError(file: sourcePath, key: key, message) }

    public func validate() throws {
        if !sourcePath.isEmpty {
            let stem = ((sourcePath as NSString).lastPathComponent as NSString).deletingPathExtension
            if stem != code { throw error("code", "'\(excerpt(code))' does not match the file name '\(excerpt(stem))'") }
        }
        let letters = iso639_3.unicodeScalars.allSatisfy { $0.value >= 97 && $0.value <= 122 }
        if iso639_3.unicodeScalars.count != 3 || !letters {
            throw error("iso639_3", "expected three lowercase letters, found '\(excerpt(iso639_3))'")
        }
        if scripts.isEmpty { throw error("scripts", "at least one script is required") }
        for (i, s) in scripts.enumerated() where Script(iso15924: s) == nil {
            throw error("scripts[\(i)]", "'\(excerpt(s))' is not an ISO 15924 script code ICU knows")
        }
        if icuLocale.isEmpty { throw error("icu_locale", "empty locale") }
        if let flores200 {
            guard let script = Self.floresScript(flores200) else {
                throw error("flores200", "expected a FLORES-200 code <iso639-3>_<Script> such as arb_Arab, found '\(excerpt(flores200))'")
            }
            if !covers(script: script) {
                throw error("flores200", "'\(excerpt(flores200))' is written in \(script), not in the spec's scripts (\(scripts.joined(separator: ", ")))")
            }
        }
        if let glottocode {
            let chars = Array(glottocode.unicodeScalars)
            let ok = chars.count == 8 && chars[..<4].allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
                && chars[4...].allSatisfy { ("0"..."9").contains($0) }
            if !ok { throw error("glottocode", "expected a glottocode of four letters and four digits such as swah1253, found '\(excerpt(glottocode))'") }
        }
    }

    /// The script part of a FLORES-200 code (`Arab` of `arb_Arab`), nil when `code` is not one.
    public static func floresScript(_ code: String) -> String? {
        let parts = code.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].unicodeScalars.count == 3,
              parts[0].unicodeScalars.allSatisfy({ ("a"..."z").contains($0) }),
              parts[1].unicodeScalars.count == 4, Script(iso15924: String(parts[1])) != nil else { return nil }
        return String(parts[1])
    }

    /// Whether text in `script` (an ISO 15924 code) is this language's: one of its scripts, or a part of one
    /// (Korean's `Kore` covers `Hang`).
    public func covers(script: String) -> Bool {
        if scripts.contains(script) { return true }
        guard let s = Script(iso15924: script) else { return false }
        return acceptedScripts.contains(s)
    }

    /// The scripts a text of this language may have as its dominant script. Script.dominant counts
    /// Han, Hiragana and Katakana apart, so the composite codes (`Jpan`, `Kore`, `Hans`, `Hant`)
    /// stand for their parts.
    public var acceptedScripts: Set<Script> {
        var result = Set<Script>()
        for code in scripts {
            let parts: [String]
            switch code {
            case "Jpan": parts = ["Hani", "Hira", "Kana"]
            case "Kore": parts = ["Hang", "Hani"]
            case "Hans", "Hant", "Hanb": parts = ["Hani"] + (code == "Hanb" ? ["Bopo"] : [])
            default: parts = [code]
            }
            for p in parts { if let s = Script(iso15924: p) { result.insert(s) } }
        }
        return result
    }
}
