import Foundation
import Testing
import Data
import Platform

@Suite struct SpecTests {
    let specs = TestPaths.fixtureSpecs

    func check(_ name: String) -> String? {
        errorText {
            let spec = try TaskSpec.load(path: "\(specs)/\(name).yaml")
            let registry = TaskRegistry(tasks: [spec])
            _ = try DataCheck.run(task: spec, tasks: registry, languages: TestPaths.languageRegistry, dataRoot: TestPaths.fixtures)
        }
    }

    @Test func everyLanguageSpecLoads() throws {
        let registry = TestPaths.languageRegistry
        #expect(registry.codes.count >= 60)
        let en = try #require(registry["en"])
        #expect(en.iso639_3 == "eng" && en.family == "Indo-European" && en.genus == "Germanic")
        #expect(registry["ja"]?.dictionarySegmentation == true)
        #expect(registry["ja"]?.acceptedScripts.contains(Script(iso15924: "Hira")!) == true)
        #expect(registry.byFamily["Uralic"] == ["et", "fi", "hu"])
        #expect(registry.language(iso639_3: "cmn")?.code == "zh")
    }

    @Test func everyTaskSpecLoadsAndResolves() throws {
        let registry = try TaskRegistry.load(directory: TestPaths.tasks, languages: TestPaths.languageRegistry)
        for name in ["ud-pos", "ud-pos-pud", "uner", "uner-pud", "sib200", "xquad", "tatoeba", "ud-text-mlm", "sib200-text-mlm",
                     "cldr-dates-month", "cldr-dates-weekday", "cldr-date-fields", "cldr-numbers-digits",
                     "cldr-numbers-last-digit", "cldr-regions-continent", "cldr-units-dimension", "cldr-mlm", "xcopa"] {
            #expect(registry[name] != nil, "\(name)")
        }
        let sib = try #require(registry["sib200"])
        #expect(sib.languageCodes.count == 20)
        #expect(try LabelSet.of(sib, dataRoot: TestPaths.dataRoot)?.id(of: "travel") == 1)
    }

    @Test func unknownKeyIsAnError() {
        #expect(check("unknown-key") == "\(specs)/unknown-key.yaml: lables: unknown key (expected one of: name, description, type, format, columns, labels, labels_file, label_map, metrics, major_metric, data, data_pattern, languages, builtin, shares_head, scoring, repair, answer_normalization, article_split)")
    }

    @Test func missingFileNamesSpecAndKey() {
        #expect(check("missing-file") == "\(specs)/missing-file.yaml: data.en.test: file not found: \(TestPaths.fixtures)/no_such_file.tsv")
    }

    @Test func unknownColumnNamesSpecAndKey() {
        #expect(check("unknown-column") == "\(specs)/unknown-column.yaml: columns.text: unknown column 'sentence' (\(TestPaths.fixtures)/unknown_label.tsv:1 has: category, index_id, text)")
    }

    @Test func unknownLanguageNamesSpecAndKey() {
        #expect(check("unknown-language")?.hasPrefix("\(specs)/unknown-language.yaml: data.xx: unknown language 'xx'") == true)
    }

    @Test func labelOutsideTheSetNamesSpecAndKey() {
        // In the spec itself (label_map) …
        #expect(check("label-outside") == "\(specs)/label-outside.yaml: label_map.1: label 'neutral' is not in the label set")
        // … and in the data.
        #expect(check("data-label-outside") == "\(specs)/data-label-outside.yaml: labels: label 'cooking' at \(TestPaths.fixtures)/unknown_label.tsv:3 is not in the label set")
        // A built-in task's labels must be those its generator produces.
        #expect(check("builtin-bad-label")?.hasPrefix("\(specs)/builtin-bad-label.yaml: labels[4].name: 'antarctica' is not a label") == true)
    }

    @Test func duplicateIdsAreAnError() {
        #expect(check("duplicate-ids") == "\(specs)/duplicate-ids.yaml: data.en.test: two test examples have the id '7'")
    }

    @Test func majorMetricMustBeListed() {
        #expect(check("bad-metric") == "\(specs)/bad-metric.yaml: major_metric: 'span_f1' is not listed in metrics")
    }

    @Test func onlyRetrievalChoosesAScoring() {
        #expect(check("scoring-not-retrieval") == "\(specs)/scoring-not-retrieval.yaml: scoring: only retrieval tasks choose a scoring; this task is tagging")
    }

    @Test func pairClassificationFromQuotedCSV() throws {
        let spec = try TaskSpec.load(path: "\(specs)/pairs.yaml")
        let examples = try DatasetLoader.load(task: spec, language: "en", split: .test, dataRoot: TestPaths.fixtures)
        #expect(examples.count == 3)
        #expect(examples[0].input == .textPair("A cat, a hat", "He said \"hi\""))
        #expect(examples.map(\.label) == ["entailment", "neutral", "contradiction"])
        #expect(examples[1].parallelKey == "2")
    }

    @Test func multipleChoiceFromJSONLStopsAtTheBrokenLine() throws {
        let spec = try TaskSpec.load(path: "\(specs)/choices.yaml")
        var seen: [Example] = []
        let e = errorText { try DatasetLoader.forEach(task: spec, language: "en", split: .test, dataRoot: TestPaths.fixtures) { seen.append($0) } }
        #expect(seen.first?.input == .choices(context: "It rained.", question: nil, choices: ["The grass got wet.", "The sun rose."]))
        #expect(seen.map(\.label) == ["0", "1"])
        #expect(e == "\(TestPaths.fixtures)/choices.jsonl:4: invalid JSON: unexpected end of JSON")
    }

    @Test func loadAllAndExampleRoundTrip() throws {
        let registry = try TaskRegistry.load(directory: TestPaths.tasks, languages: TestPaths.languageRegistry)
        let sib = try #require(registry["sib200"])
        let test = try DatasetLoader.loadAll(task: sib, split: .test, dataRoot: TestPaths.dataRoot)
        #expect(test.count == 20)
        // Parallel: the same index_id sequence in every language.
        #expect(test["de"]!.map(\.parallelKey) == test["th"]!.map(\.parallelKey))
        let xquad = try DatasetLoader.load(task: try #require(registry["xquad"]), language: "de", split: .test, dataRoot: TestPaths.dataRoot)
        let encoded = try JSONEncoder().encode(Array(xquad.prefix(3)) + Array(test["ja"]!.prefix(3)))
        #expect(try JSONDecoder().decode([Example].self, from: encoded) == Array(xquad.prefix(3)) + Array(test["ja"]!.prefix(3)))
        #expect(TestPaths.languageRegistry.family(of: "hi")! == ("Indo-European", "Indic"))
    }

    @Test func regressionReadsNumbersAndRejectsOthers() throws {
        let spec = try TaskSpec.load(path: "\(specs)/similarity.yaml")
        var seen: [Example] = []
        let e = errorText { try DatasetLoader.forEach(task: spec, language: "en", split: .test, dataRoot: TestPaths.fixtures) { seen.append($0) } }
        #expect(seen.map(\.value) == [4.8, 0.2])
        #expect(seen.first?.input == .textPair("A man plays.", "A man is playing."))
        #expect(e == "\(TestPaths.fixtures)/similarity.tsv:4: expected a number in column 'score', found 'five'")
    }

    @Test func strictDecodingOfNestedKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-spec-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/nested.yaml"
        try """
        name: nested
        type: mlm
        format: text
        metrics: [mlm_accuracy]
        major_metric: mlm_accuracy
        data:
          en: {train: a.txt, validation: b.txt}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(errorText { _ = try TaskSpec.load(path: path) } == "\(path): data.en.validation: unknown key (expected one of: train, dev, test)")
        try "name: nested\ntype: mlm\nformat: parallel\nmetrics: [mlm_accuracy]\nmajor_metric: mlm_accuracy\ndata:\n  en: {test: [{source: a, target: b}, {source: c}]}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(errorText { _ = try TaskSpec.load(path: path) } == "\(path): data.en.test[1].target: missing required key")
        try "name: nested\nlabels: [{name: A\nmetrics: [accuracy]\n".write(toFile: path, atomically: true, encoding: .utf8)
        // The position and the problem, never the file's text.
        let yaml = errorText { _ = try TaskSpec.load(path: path) }
        #expect(yaml?.hasPrefix("\(path):3:") == true && yaml?.contains("invalid YAML: ") == true, "\(yaml ?? "")")
        #expect(yaml?.contains("metrics: [accuracy]") == false)
        let lang = dir + "/xx.yaml"
        try "code: xx\niso639_3: xxx\nname: X\nicu_locale: xx\nscripts: [Latn]\nfamily: F\ngenus: G\n".write(toFile: lang, atomically: true, encoding: .utf8)
        #expect(errorText { _ = try LanguageSpec.load(path: lang) } == "\(lang): dictionary_segmentation: missing required key")
    }
}
