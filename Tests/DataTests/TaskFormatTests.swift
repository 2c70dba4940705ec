import Foundation
import Testing
import Platform
@testable import Data

/// XNLI- and PAWS-X-shaped pair classification TSV (fixtures written for these tests).
@Suite struct PairTSVTests {
    let specs = TestPaths.fixtureSpecs
    let files = TestPaths.fixtures

    func load(_ spec: String, _ split: Split, language: String = "en") throws -> [Example] {
        try DatasetLoader.load(task: try TaskSpec.load(path: "\(specs)/\(spec).yaml"), language: language, split: split, dataRoot: files)
    }

    @Test func xnliLayoutKeepsQuotesAsText() throws {
        let examples = try load("xnli", .test)
        #expect(examples.map(\.id) == ["p1", "p2", "p3"])
        #expect(examples.map(\.parallelKey) == ["p1", "p2", "p3"])
        // Quotes are characters of the text, not CSV quoting (an unbalanced one included).
        #expect(examples.map(\.input) == [
            .textPair("\"Well,\" she said, \"that's that.\"", "She said something."),
            .textPair("The \"new\" plan starts in May.", "The plan is popular."),
            .textPair("He left \"early", "He never left."),
        ])
        #expect(examples.map(\.label) == ["entailment", "neutral", "contradiction"])
    }

    @Test func xnliErrorsNameFileAndLine() {
        #expect(errorText { _ = try load("xnli", .dev) }
                == "\(specs)/xnli.yaml: labels: label '-' at \(files)/xnli_bad_label.tsv:3 is not in the label set")
        #expect(errorText { _ = try load("xnli", .train) }
                == "\(files)/xnli_short_row.tsv:3: expected 6 columns as in the header, found 5")
        #expect(errorText { _ = try load("xnli", .test, language: "de") }
                == "\(specs)/xnli.yaml: columns.text_pair: unknown column 'sentence2' (\(files)/xnli_no_sentence2.tsv:1 has: genre, gold_label, language, pairID, sentence1)")
    }

    @Test func pawsxLayoutMapsNumericLabels() throws {
        let examples = try load("pawsx", .test)
        #expect(examples.map(\.id) == ["1", "2"])
        #expect(examples.map(\.input) == [
            .textPair("In 1934 , \"Foo\" was built .", "\"Foo\" was built in 1934 ."),
            .textPair("She moved to Paris in 2001 .", "She moved to Paris in 2010 ."),
        ])
        #expect(examples.map(\.label) == ["paraphrase", "different"])
        #expect(errorText { _ = try load("pawsx", .dev) }
                == "\(specs)/pawsx.yaml: labels: label '2' at \(files)/pawsx_bad_label.tsv:3 is not in the label set")
    }
}

/// Multiple choice with a question column, and what a broken line reports.
@Suite struct MultipleChoiceTests {
    static let copaColumns = "{text: premise, question: question, choices: [choice1, choice2], label: label}"

    func spec(_ s: ScratchData, format: String = "jsonl", columns: String = copaColumns, file: String) throws -> TaskSpec {
        try TaskSpec.load(path: try s.spec("mc", """
            type: multiple-choice
            format: \(format)
            columns: \(columns)
            metrics: [accuracy]
            major_metric: accuracy
            data:
              en: {test: \(file)}
            """))
    }

    @Test func jsonlWithQuestion() throws {
        let s = try ScratchData()
        defer { s.remove() }
        try s.file("mc.jsonl", """
            {"premise": "The man turned on the tap.", "choice1": "The toilet filled.", "choice2": "Water flowed.", "question": "effect", "label": 1, "idx": 0}
            {"premise": "My eyes were red.", "choice1": "I was sobbing.", "choice2": "I was laughing.", "question": "cause", "label": 0, "idx": 1}

            """)
        let examples = try s.load(try spec(s, file: "mc.jsonl"))
        // No id column: the path as the spec writes it and the line, whatever the data root.
        #expect(examples.map(\.id) == ["mc.jsonl:1", "mc.jsonl:2"])
        #expect(examples.map(\.input) == [
            .choices(context: "The man turned on the tap.", question: "effect", choices: ["The toilet filled.", "Water flowed."]),
            .choices(context: "My eyes were red.", question: "cause", choices: ["I was sobbing.", "I was laughing."]),
        ])
        #expect(examples.map(\.label) == ["1", "0"])
        #expect(examples[0].texts == ["The man turned on the tap.", "effect", "The toilet filled.", "Water flowed."])
        // The question survives a JSON round trip; an example without one still decodes.
        let decoded = try JSONDecoder().decode([Example].self, from: try JSONEncoder().encode(examples))
        #expect(decoded == examples)
        let plain = Example(id: "x", language: "en", input: .choices(context: "c", question: nil, choices: ["a", "b"]))
        #expect(try JSONDecoder().decode(Example.self, from: try JSONEncoder().encode(plain)) == plain)
    }

    @Test func csvAndTSVReadTheQuestionColumn() throws {
        let s = try ScratchData()
        defer { s.remove() }
        try s.file("mc.csv", "premise,question,choice1,choice2,label\n\"It rained, hard.\",effect,The grass got wet.,The sun rose.,0\n")
        try s.file("mc.tsv", "premise\tquestion\tchoice1\tchoice2\tlabel\nIt rained.\tcause\tClouds came.\tBirds sang.\t0\n")
        #expect(try s.load(try spec(s, format: "csv", file: "mc.csv")).map(\.input)
                == [.choices(context: "It rained, hard.", question: "effect", choices: ["The grass got wet.", "The sun rose."])])
        #expect(try s.load(try spec(s, format: "tsv", file: "mc.tsv")).map(\.input)
                == [.choices(context: "It rained.", question: "cause", choices: ["Clouds came.", "Birds sang."])])
        try s.file("noq.tsv", "premise\tchoice1\tchoice2\tlabel\nIt rained.\tClouds came.\tBirds sang.\t0\n")
        #expect(errorText { _ = try s.load(try spec(s, format: "tsv", file: "noq.tsv")) }
                == "\(s.tasks)/mc.yaml: columns.question: unknown column 'question' (\(s.root)/noq.tsv:1 has: choice1, choice2, label, premise)")
    }

    @Test(arguments: [
        // A choice field missing, null, empty; a label that is no choice index; the question missing.
        (#"{"premise": "p", "choice1": "a", "question": "cause", "label": 0}"#, "expected the field 'choice2' (columns.choices[1]), found none"),
        (#"{"premise": "p", "choice1": "a", "choice2": null, "question": "cause", "label": 0}"#, "expected text in 'choice2' (columns.choices[1]), found null"),
        (#"{"premise": "p", "choice1": " ", "choice2": "b", "question": "cause", "label": 0}"#, "expected text in 'choice1', found an empty field"),
        (#"{"premise": "p", "choice1": "a", "choice2": "b", "question": "cause", "label": 2}"#, "expected the index of a choice (0..<2) in 'label', found '2'"),
        (#"{"premise": "p", "choice1": "a", "choice2": "b", "question": "cause", "label": -1}"#, "expected the index of a choice (0..<2) in 'label', found '-1'"),
        (#"{"premise": "p", "choice1": "a", "choice2": "b", "question": "cause", "label": "01"}"#, "expected the index of a choice (0..<2) in 'label', found '01'"),
        (#"{"premise": "p", "choice1": "a", "choice2": "b", "question": "cause"}"#, "expected the field 'label' (columns.label), found none"),
        (#"{"premise": "p", "choice1": "a", "choice2": "b", "label": 1}"#, "expected the field 'question' (columns.question), found none"),
        (#"{"premise": "p", "choice1": "a", "choice2": "b", "question": "", "label": 1}"#, "expected text in 'question', found an empty field"),
    ])
    func brokenLineNamesFileLineAndField(line: String, message: String) throws {
        let s = try ScratchData()
        defer { s.remove() }
        let good = #"{"premise": "p", "choice1": "a", "choice2": "b", "question": "effect", "label": 1}"#
        try s.file("mc.jsonl", good + "\n" + line + "\n")
        #expect(errorText { _ = try s.load(try spec(s, file: "mc.jsonl")) } == "\(s.root)/mc.jsonl:2: \(message)")
    }

    @Test func choicesInOneListField() throws {
        let s = try ScratchData()
        defer { s.remove() }
        let columns = "{text: ctx, choices: [endings], label: label}"
        try s.file("ok.jsonl", #"{"ctx": "c", "endings": ["a", "b", "c"], "label": 2}"# + "\n")
        #expect(try s.load(try spec(s, columns: columns, file: "ok.jsonl")).map(\.input)
                == [.choices(context: "c", question: nil, choices: ["a", "b", "c"])])
        try s.file("list.jsonl", #"{"ctx": "c", "endings": ["a", ["b"]], "label": 0}"# + "\n")
        #expect(errorText { _ = try s.load(try spec(s, columns: columns, file: "list.jsonl")) }
                == "\(s.root)/list.jsonl:1: expected text in 'endings[1]', found a list")
        try s.file("one.jsonl", #"{"ctx": "c", "endings": ["a"], "label": 0}"# + "\n")
        #expect(errorText { _ = try s.load(try spec(s, columns: columns, file: "one.jsonl")) }
                == "\(s.root)/one.jsonl:1: expected at least two choices in 'endings', found 1")
        try s.file("string.jsonl", #"{"ctx": "c", "endings": "a", "label": 0}"# + "\n")
        #expect(errorText { _ = try s.load(try spec(s, columns: columns, file: "string.jsonl")) }
                == "\(s.root)/string.jsonl:1: expected a list of choices in 'endings' (columns.choices), found a string")
        let tsv = try s.spec("one", "type: multiple-choice\nformat: tsv\ncolumns: {text: ctx, choices: [a], label: label}\nmetrics: [accuracy]\nmajor_metric: accuracy\ndata:\n  en: {test: x.tsv}\n")
        #expect(errorText { _ = try TaskSpec.load(path: tsv) } == "\(tsv): columns.choices: expected at least two choice columns, found 1")
        try s.file("empty.jsonl", #"{"ctx": "c", "endings": ["a", ""], "label": 0}"# + "\n")
        #expect(errorText { _ = try s.load(try spec(s, columns: columns, file: "empty.jsonl")) }
                == "\(s.root)/empty.jsonl:1: expected text in 'endings[1]', found an empty field")
    }

    @Test func questionColumnOnlyForMultipleChoice() throws {
        let s = try ScratchData()
        defer { s.remove() }
        let path = try s.spec("cls", """
            type: classification
            format: jsonl
            columns: {text: text, question: q, label: label}
            labels: [{name: a, description: "the first label"}]
            metrics: [accuracy]
            major_metric: accuracy
            data:
              en: {test: x.jsonl}
            """)
        #expect(errorText { _ = try TaskSpec.load(path: path) } == "\(path): columns.question: not read by a classification task in jsonl format")
    }
}

/// `article_split`: SQuAD files split by article index.
@Suite struct ArticleSplitTests {
    /// A SQuAD file of one single-question paragraph per title; question ids q0, q1, …
    static func squad(_ titles: [String]) -> String {
        let articles = titles.enumerated().map { i, t in
            #"{"title": "\#(t)", "paragraphs": [{"context": "\#(t) is here.", "qas": [{"id": "q\#(i)", "question": "What is here?", "answers": [{"text": "\#(t)", "answer_start": 0}]}]}]}"#
        }
        return #"{"version": "1.1", "data": ["# + articles.joined(separator: ", ") + "]}"
    }

    func spec(_ s: ScratchData, _ split: String, data: String) throws -> String {
        try s.spec("qa", """
            type: span-qa
            format: squad
            metrics: [f1]
            major_metric: f1
            article_split: \(split)
            data:
              en: \(data)
            """)
    }

    @Test func eachSplitKeepsItsArticles() throws {
        let s = try ScratchData()
        defer { s.remove() }
        try s.file("a.json", Self.squad(["Alpha", "Beta", "Gamma", "Delta"]))
        let spec = try TaskSpec.load(path: try spec(s, "{train: [0, 2], dev: [2, 3], test: [3, 4]}",
                                                    data: "{train: a.json, dev: a.json, test: a.json}"))
        #expect(spec.articleSplit == ArticleSplit(train: 0..<2, dev: 2..<3, test: 3..<4))
        #expect(try s.load(spec, split: .train).map(\.id) == ["q0", "q1"])
        #expect(try s.load(spec, split: .dev).map(\.id) == ["q2"])
        let test = try s.load(spec, split: .test)
        #expect(test.map(\.id) == ["q3"])
        guard case .span(let q) = test.first?.input else { Issue.record("expected a span question"); return }
        #expect(q.context == "Delta is here." && q.answers == [SpanAnswer(text: "Delta", range: 0..<5)])
    }

    @Test func aRangePastTheFileNamesFileAndKey() throws {
        let s = try ScratchData()
        defer { s.remove() }
        try s.file("b.json", Self.squad(["Alpha", "Beta"]))
        let path = try spec(s, "{train: [0, 1], test: [1, 3]}", data: "{train: b.json, test: b.json}")
        let spec = try TaskSpec.load(path: path)
        #expect(try s.load(spec, split: .train).map(\.id) == ["q0"])
        #expect(errorText { _ = try s.load(spec, split: .test) } == "\(path): article_split.test: [1, 3) reaches past the 2 articles of \(s.root)/b.json")
    }

    @Test func articlesOutsideTheSplitAreStillChecked() throws {
        let s = try ScratchData()
        defer { s.remove() }
        // Article 1 (not in train) has an answer that is not at its answer_start.
        let broken = Self.squad(["Alpha", "Beta"]).replacingOccurrences(of: #""text": "Beta", "answer_start": 0"#, with: #""text": "Beta", "answer_start": 1"#)
        try s.file("c.json", broken)
        let spec = try TaskSpec.load(path: try spec(s, "{train: [0, 1], test: [1, 2]}", data: "{train: c.json, test: c.json}"))
        #expect(errorText { _ = try s.load(spec, split: .train) }
                == "\(s.root)/c.json: data[1].paragraphs[0].qas[0].answers[0]: expected the context at answer_start 1 to read 'Beta'")
    }

    @Test(arguments: [
        ("{train: [0, 2], test: [1, 3]}", "{train: a.json, test: a.json}", "article_split.test: [1, 3) overlaps train's [0, 2); a split's articles must not be in another split"),
        ("{train: [0, 2], test: [2, 3]}", "{train: a.json, dev: a.json, test: a.json}", "article_split: no dev range, but 'en' has dev files"),
        ("{train: [0, 1], dev: [1, 2], test: [2, 3]}", "{train: a.json, test: a.json}", "article_split.dev: no language has dev files"),
        ("{train: [2, 1], test: [2, 3]}", "{train: a.json, test: a.json}", "article_split.train: expected [start, end] with 0 <= start < end, found [2, 1]"),
        ("{train: [0], test: [2, 3]}", "{train: a.json, test: a.json}", "article_split.train: expected two article indices [start, end], found 1"),
        ("{train: [0, 1], tset: [2, 3]}", "{train: a.json}", "article_split.tset: unknown key (expected one of: train, dev, test)"),
    ])
    func badSplitsAreSpecErrors(split: String, data: String, message: String) throws {
        let s = try ScratchData()
        defer { s.remove() }
        let path = try spec(s, split, data: data)
        #expect(errorText { _ = try TaskSpec.load(path: path) } == "\(path): \(message)")
    }

    @Test func onlySquadTasksSplitByArticle() throws {
        let s = try ScratchData()
        defer { s.remove() }
        let path = try s.classification("cls", data: "en: {test: x.tsv}", extra: "article_split: {test: [0, 1]}")
        #expect(errorText { _ = try TaskSpec.load(path: path) } == "\(path): article_split: only squad tasks split by article; this task is tsv")
    }
}

/// The shipped xcopa and xquad specs against the shared data.
@Suite(.enabled(if: TestPaths.hasData("xcopa/data/et/val.et.jsonl", "xcopa/data-gmt/zh/val.zh.jsonl"), TestPaths.missing("xcopa/")))
struct XCOPADataTests {
    @Test func splitsAndFirstItem() throws {
        let spec = try TaskSpec.load(path: TestPaths.tasks + "/xcopa.yaml")
        #expect(spec.languageCodes == ["en", "et", "id", "it", "sw", "tr", "zh"])
        let train = try DatasetLoader.load(task: spec, language: "en", split: .train, dataRoot: TestPaths.dataRoot)
        #expect(train.count == 500)
        #expect(Set(train.map(\.id)).count == 500)
        // The five files in the order listed, each from line 1.
        #expect(train[100].id == "xcopa/data-gmt/id/val.id.jsonl:1")
        #expect(try DatasetLoader.load(task: spec, language: "en", split: .dev, dataRoot: TestPaths.dataRoot).count == 100)
        #expect(spec.splits(for: "en") == [.train, .dev])
        let dev = try DatasetLoader.load(task: spec, language: "et", split: .dev, dataRoot: TestPaths.dataRoot)
        #expect(dev.count == 100)
        #expect(dev[0].input == .choices(context: "Mees keeras kraani lahti.", question: "effect",
                                          choices: ["Tualett täitus veega.", "Tilast voolas vett."]))
        #expect(dev[0].label == "1")
        let test = try DatasetLoader.load(task: spec, language: "zh", split: .test, dataRoot: TestPaths.dataRoot)
        #expect(test.count == 500)
        #expect(Dictionary(grouping: test, by: { $0.label ?? "" }).mapValues(\.count) == ["0": 250, "1": 250])
        #expect(spec.splits(for: "zh") == [.dev, .test])
    }
}

@Suite(.enabled(if: TestPaths.hasData("xquad/xquad.en.json", "xquad/xquad.de.json"), TestPaths.missing("xquad/")))
struct XQuADDataTests {
    @Test func articleSplitHoldsOutTheSameArticlesInEveryLanguage() throws {
        let spec = try TaskSpec.load(path: TestPaths.tasks + "/xquad.yaml")
        #expect(spec.languageCodes == ["ar", "de", "en", "es", "hi", "ru", "zh"])
        var ids: [Split: [String]] = [:]
        for split in Split.allCases {
            let en = try DatasetLoader.load(task: spec, language: "en", split: split, dataRoot: TestPaths.dataRoot)
            let de = try DatasetLoader.load(task: spec, language: "de", split: split, dataRoot: TestPaths.dataRoot)
            #expect(en.map(\.id) == de.map(\.id), "\(split)")
            #expect(Set(en.map(\.id)).count == en.count)
            ids[split] = en.map(\.id)
        }
        #expect(ids[.train]?.count == 925 && ids[.dev]?.count == 138 && ids[.test]?.count == 127)
        let all = Split.allCases.flatMap { ids[$0] ?? [] }
        #expect(Set(all).count == 1190)   // every question in exactly one split
    }
}
