import Platform

/// Integers of the built-in suite: the digit count is drawn uniformly (1 to 6) and then the number
/// within it, so every class of the digits task is equally frequent.
enum NumberValues {
    static let maxDigits = 6

    static func draw(_ rng: inout RandomStream) -> Int64 {
        let digits = 1 + rng.nextInt(below: maxDigits)
        let low = digits == 1 ? 0 : pow10(digits - 1)
        return Int64(low + rng.nextInt(below: pow10(digits) - low))
    }

    static func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { r, _ in r * 10 } }
    static func key(_ n: Int64) -> String { "number:\(n)" }

    static let digitLabels: [LabelSpec] = (1...maxDigits).map { d in
        let range = d == 1 ? "0 to 9" : "\(pow10(d - 1)) to \(pow10(d) - 1)"
        return LabelSpec(name: String(d), description: "a number with \(d) digit\(d == 1 ? "" : "s"), from \(range)")
    }

    static let lastDigitLabels: [LabelSpec] = (0...9).map { d in
        LabelSpec(name: String(d), description: "a number whose last digit is \(d)\(d % 2 == 0 ? ", an even number" : ", an odd number")")
    }

    /// ICU falls back to another language's rules when a locale has none; such text would carry a
    /// label under the wrong language, so it is an error.
    static func checkRules(_ formatter: SpellOutFormatter, language: LanguageSpec) throws {
        func languageSubtag(_ locale: String) -> String {
            String(decoding: locale.utf8.prefix { $0 != 95 && $0 != 45 && $0 != 64 }, as: UTF8.self)   // up to _ - @
        }
        let wanted = languageSubtag(language.icuLocale), actual = languageSubtag(formatter.actualLocale)
        if wanted != actual {
            throw ConfigError(file: language.sourcePath.isEmpty ? nil : language.sourcePath, key: "icu_locale",
                              "ICU has no spell-out rules for '\(language.icuLocale)' (it would use '\(formatter.actualLocale)')")
        }
    }
}
