import Testing
@testable import Data

/// Localized label names are the words the texts use, so a label-matching pair can match a label by its
/// word in the text's own language.
struct BuiltinLabelNamesTests {
    let languages: LanguageRegistry
    let tasks: TaskRegistry
    init() throws {
        languages = try LanguageRegistry.load(directory: TestPaths.packageRoot + "/languages")
        tasks = try TaskRegistry.load(directory: TestPaths.packageRoot + "/tasks", languages: languages)
    }

    @Test func monthAndWeekdayNamesAreTheWordsOfTheText() throws {
        let month = try #require(tasks["cldr-dates-month"]), weekday = try #require(tasks["cldr-dates-weekday"])
        let de = try #require(languages["de"]), pl = try #require(languages["pl"])
        let deMonths = try #require(try BuiltinSuite.localizedLabelNames(task: month, language: de))
        #expect(deMonths["march"] == "März" && deMonths["december"] == "Dezember" && deMonths.count == 12)
        let deDays = try #require(try BuiltinSuite.localizedLabelNames(task: weekday, language: de))
        #expect(deDays["monday"] == "Montag" && deDays["saturday"] == "Samstag" && deDays["sunday"] == "Sonntag" && deDays.count == 7)
        // Polish writes the month of a date in the genitive; the label text follows the text.
        let plMonths = try #require(try BuiltinSuite.localizedLabelNames(task: month, language: pl))
        #expect(plMonths["december"] == "grudnia")
        // Every generated text contains its gold label's localized name.
        // Japanese writes the month as a number ("12月"): no month name, so no localized label; its weekdays are words.
        let ja = try #require(languages["ja"])
        #expect(try BuiltinSuite.localizedLabelNames(task: month, language: ja) == nil)
        #expect(try BuiltinSuite.localizedLabelNames(task: weekday, language: ja)?["saturday"] == "土曜日")
        for lang in ["de", "fr", "ar", "hi", "ru", "th"] {
            let spec = try #require(languages[lang])
            for task in [month, weekday] {
                let names = try #require(try BuiltinSuite.localizedLabelNames(task: task, language: spec))
                for ex in try BuiltinSuite.examples(task: task, language: spec, split: .dev, size: 40) {
                    guard case .text(let text) = ex.input, let label = ex.label else { continue }
                    #expect(text.contains(names[label]!), "\(lang) \(task.name): '\(text)' lacks '\(names[label]!)'")
                }
            }
        }
    }

    @Test func tasksWhoseLabelsAreNotWordsOfTheTextHaveNone() throws {
        let de = try #require(languages["de"])
        for name in ["cldr-regions-continent", "cldr-units-dimension", "cldr-numbers-digits", "cldr-date-fields"] {
            let task = try #require(tasks[name])
            #expect(try BuiltinSuite.localizedLabelNames(task: task, language: de) == nil, "\(name)")
        }
    }
}
