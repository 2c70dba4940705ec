import Foundation
import Testing
import Data
import Platform

@Suite struct BuiltinSuiteTests {
    let registry = TestPaths.languageRegistry

    func task(_ name: String) throws -> TaskSpec { try TaskSpec.load(path: "\(TestPaths.tasks)/\(name).yaml") }

    @Test func sameSeedSameExamplesOtherSeedOthers() throws {
        let de = try #require(registry["de"])
        for name in ["cldr-dates-month", "cldr-date-fields", "cldr-numbers-digits", "cldr-regions-continent", "cldr-units-dimension", "cldr-mlm"] {
            let spec = try task(name)
            let a = try BuiltinSuite.examples(task: spec, language: de, split: .dev, seed: 7, size: 40)
            let b = try BuiltinSuite.examples(task: spec, language: de, split: .dev, seed: 7, size: 40)
            let c = try BuiltinSuite.examples(task: spec, language: de, split: .dev, seed: 8, size: 40)
            #expect(a.count >= 10 && a == b, "\(name)")
            #expect(a != c, "\(name)")
        }
    }

    @Test func noUnderlyingValueInTwoSplits() throws {
        for name in ["cldr-dates-month", "cldr-numbers-last-digit", "cldr-regions-continent", "cldr-units-dimension"] {
            let spec = try task(name)
            var splitOf: [String: Split] = [:]
            for code in ["en", "ru", "ja", "ar"] {
                let language = try #require(registry[code])
                for split in Split.allCases {
                    for e in try BuiltinSuite.examples(task: spec, language: language, split: split, seed: 3, size: 300) {
                        let key = try #require(e.parallelKey)
                        let previous = splitOf.updateValue(split, forKey: key)
                        #expect(previous == nil || previous == split, "\(name): \(key) in \(previous!.rawValue) and \(split.rawValue)")
                    }
                }
            }
            // Every value must also hash to the split it is in, in any language.
            for (key, split) in splitOf { #expect(BuiltinSuite.split(of: key, seed: 3) == split) }
        }
    }

    @Test func languagesShareTheSameValues() throws {
        let spec = try task("cldr-dates-weekday")
        let en = try BuiltinSuite.examples(task: spec, language: registry["en"]!, split: .test, size: 50)
        let th = try BuiltinSuite.examples(task: spec, language: registry["th"]!, split: .test, size: 50)
        #expect(en.map(\.parallelKey) == th.map(\.parallelKey))
        #expect(en.map(\.label) == th.map(\.label))
    }

    @Test func englishTextAgreesWithTheComputedLabels() throws {
        let en = try #require(registry["en"])
        for e in try BuiltinSuite.examples(task: try task("cldr-dates-month"), language: en, split: .train, size: 200) {
            guard case .text(let text) = e.input else { Issue.record("not text"); continue }
            #expect(text.lowercased().contains(e.label!), "\(text) / \(e.label!)")
        }
        for e in try BuiltinSuite.examples(task: try task("cldr-dates-weekday"), language: en, split: .train, size: 200) {
            guard case .text(let text) = e.input else { continue }
            #expect(text.lowercased().hasPrefix(e.label!), "\(text) / \(e.label!)")
        }
        // Labels against Foundation's Gregorian calendar, an implementation independent of the suite's.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
        let weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]   // Foundation: 1 = Sunday
        for (name, isMonth) in [("cldr-dates-month", true), ("cldr-dates-weekday", false)] {
            for e in try BuiltinSuite.examples(task: try task(name), language: registry["ko"]!, split: .test, size: 300) {
                let parts = e.parallelKey!.dropFirst("date:".count).split(separator: "-").map { Int($0)! }
                let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12))!
                let expected = isMonth ? months[calendar.component(.month, from: date) - 1] : weekdays[calendar.component(.weekday, from: date) - 1]
                #expect(e.label == expected, "\(e.parallelKey!)")
            }
        }
        for e in try BuiltinSuite.examples(task: try task("cldr-numbers-last-digit"), language: en, split: .train, size: 100) {
            let n = Int(e.parallelKey!.dropFirst("number:".count))!
            #expect(e.label == String(n % 10))
        }
        let regions = try BuiltinSuite.examples(task: try task("cldr-regions-continent"), language: en, split: .train, size: 500)
        let continents = Dictionary(regions.map { (e: Example) -> (String, String) in
            guard case .text(let name) = e.input else { return ("", "") }
            return (name, e.label!)
        }, uniquingKeysWith: { a, _ in a })
        #expect(regions.count > 150)
        for (name, continent) in [("Germany", "europe"), ("Japan", "asia"), ("Brazil", "americas"), ("Kenya", "africa"), ("Fiji", "oceania")] {
            if let c = continents[name] { #expect(c == continent, "\(name)") }
        }
        for e in try BuiltinSuite.examples(task: try task("cldr-units-dimension"), language: en, split: .dev, size: 100) {
            #expect(e.parallelKey!.hasPrefix("unit:\(e.label!)-"))
        }
    }

    @Test func dateFieldTagsCoverTheirText() throws {
        for code in ["en", "th", "zh", "hu", "ar", "am", "ko"] {
            let language = try #require(registry[code])
            let examples = try BuiltinSuite.examples(task: try task("cldr-date-fields"), language: language, split: .test, size: 20)
            #expect(examples.count == 20)
            for e in examples {
                guard case .tagged(let t) = e.input else { Issue.record("not tagged"); continue }
                let bytes = Array(t.text.utf8)
                #expect(t.words.count == t.tags.count && t.words.count == t.wordRanges.count)
                for (w, r) in zip(t.words, t.wordRanges) { #expect(String(decoding: bytes[r], as: UTF8.self) == w) }
                for tag in ["weekday", "day", "month", "year"] { #expect(t.tags.contains(tag), "\(code): \(t.text) lacks \(tag)") }
                // Every scalar outside the words is whitespace (ASCII, no-break or narrow no-break space).
                var covered = [Bool](repeating: false, count: bytes.count)
                for r in t.wordRanges { for i in r { covered[i] = true } }
                var offset = 0
                for scalar in t.text.unicodeScalars {
                    if !covered[offset] { #expect(scalar.properties.isWhitespace, "\(code): '\(scalar)' of \(t.text) is in no word") }
                    offset += String(scalar).utf8.count
                }
            }
        }
    }

    /// Every language of every built-in task yields examples, in that language's own script.
    @Test func everyLocaleWritesInItsOwnScript() throws {
        var locales = Set<String>()
        var scripts = Set<String>()
        for name in ["cldr-dates-month", "cldr-numbers-digits", "cldr-regions-continent", "cldr-units-dimension"] {
            let spec = try task(name)
            for code in spec.languages ?? [] {
                let language = try #require(registry[code])
                let examples = try BuiltinSuite.examples(task: spec, language: language, split: .dev, size: 30)
                #expect(examples.count >= 10, "\(name)/\(code)")
                let text = examples.flatMap(\.texts).joined(separator: " ")
                let dominant = Script.dominant(in: text)
                #expect(language.acceptedScripts.contains(dominant), "\(name)/\(code): \(dominant.iso15924), expected \(language.scripts)")
                locales.insert(code)
                scripts.formUnion(language.scripts)
            }
        }
        #expect(locales.count >= 60)
        #expect(scripts.count >= 12)
        #expect(try task("cldr-mlm").languages!.count >= 60)
    }

    @Test func missingSpellOutRulesAreAnError() throws {
        let yo = try #require(registry["yo"])
        let e = errorText { _ = try BuiltinSuite.generate(generator: .numbers, target: .digits, language: yo, split: .test, seed: 0, count: 5) }
        #expect(e?.hasSuffix("icu_locale: ICU has no spell-out rules for 'yo' (it would use 'en')") == true)
    }
}
