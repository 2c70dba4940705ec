import Foundation
import Platform

/// One language, as written in `languages/<code>.yaml`.
public struct LanguageSpec: Codable, Sendable, Equatable {
    /// BCP-47 tag, the key tasks use (`en`, `zh`, `sw`).
    public var code: String
    /// ISO 639-3 (`eng`, `cmn`, `swh`).
    public var iso639_3: String
    /// English name.
    public var name: String
    /// The ICU locale used for segmentation and the built-in suite (`en`, `zh_Hans`).
    public var icuLocale: String
    /// ISO 15924 codes of the scripts the language is written in, the main one first.
    public var scripts: [String]
    /// Language family and genus (WALS-style) for aggregating results.
    public var family: String
    public var genus: String
    /// Whether ICU segments words of this language with a dictionary (no spaces between words).
    public var dictionarySegmentation: Bool

    public var sourcePath: String = ""

    public init(code: String, iso639_3: String, name: String, icuLocale: String, scripts: [String],
                family: String, genus: String, dictionarySegmentation: Bool) {
        self.code = code; self.iso639_3 = iso639_3; self.name = name; self.icuLocale = icuLocale
        self.scripts = scripts; self.family = family; self.genus = genus
        self.dictionarySegmentation = dictionarySegmentation
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case code, iso639_3, name, icuLocale = "icu_locale", scripts, family, genus
        case dictionarySegmentation = "dictionary_segmentation"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        iso639_3 = try c.decode(String.self, forKey: .iso639_3)
        name = try c.decode(String.self, forKey: .name)
        icuLocale = try c.decode(String.self, forKey: .icuLocale)
        scripts = try c.decode([String].self, forKey: .scripts)
        family = try c.decode(String.self, forKey: .family)
        genus = try c.decode(String.self, forKey: .genus)
        dictionarySegmentation = try c.decode(Bool.self, forKey: .dictionarySegmentation)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code); try c.encode(iso639_3, forKey: .iso639_3)
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
