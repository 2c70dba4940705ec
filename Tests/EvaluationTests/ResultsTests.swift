import Foundation
import Testing
import Data
import Runs
import Tasks
import Training
import Evaluation

/// The cells of the first Markdown table row whose first cell starts with `prefix`, trimmed.
func tableRow(_ markdown: String, startingWith prefix: String) -> [String]? {
    for line in markdown.split(separator: "\n") where line.hasPrefix("|") {
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        if cells.first?.hasPrefix(prefix) == true { return cells }
    }
    return nil
}

/// Results folders, aggregation, the zero-shot guard and the report, on synthetic inputs.
@Suite struct ResultsTests {
    static func ci(_ v: Double) -> ConfidenceInterval { ConfidenceInterval(estimate: v, lower: v - 0.05, upper: v + 0.05, level: 0.95, resamples: 100) }

    static func lang(_ code: String, _ family: String, _ regime: TransferRegime, _ v: Double) -> LanguageScores {
        LanguageScores(language: code, family: family, regime: regime, split: "test", examples: 50, metrics: ["accuracy": ci(v), "macro_f1": ci(v - 0.1)])
    }

    static func experiment(selection: String) throws -> Experiment {
        try ExperimentLoader.decode(yaml: """
        name: guard
        seed: 1
        tasks:
          - {name: cldr-mlm, train_languages: [en, de, fr]}
          - {name: cldr-dates-month, train_languages: [en, de], eval_languages: [fr]}
          - {name: cldr-units-dimension, train_languages: [en], eval_languages: [ja]}
        evaluation: {selection: \(selection)}
        """, file: "guard.yaml")
    }

    static func seen(_ e: Experiment) -> SeenLanguages {
        SeenLanguages.of(e, headOf: { $0 }, isMaskedLM: { $0 == "cldr-mlm" })
    }

    @Test func seenLanguagesFromSourceDevSelection() throws {
        let s = Self.seen(try Self.experiment(selection: "source-dev"))
        #expect(s.training == ["cldr-dates-month": ["de", "en"], "cldr-units-dimension": ["en"]])
        #expect(s.unlabelled == ["de", "en", "fr"])
        #expect(s.selection == ["de", "en"])
        #expect(s.regime(head: "cldr-dates-month", language: "fr") == .zeroShot)
        #expect(s.regime(head: "cldr-dates-month", language: "de") == .supervised)
        // German trained another task's head, not this one, but that task's German dev data chose the checkpoint:
        // units in German is `selected`, not zero-shot (selection counts for every head).
        #expect(s.regime(head: "cldr-units-dimension", language: "de") == .selected)
        #expect(s.regime(head: "cldr-units-dimension", language: "ja") == .zeroShot)
        try s.requireZeroShot(task: "cldr-dates-month", head: "cldr-dates-month", language: "fr")
    }

    @Test func targetDevSelectionIsNeverZeroShot() throws {
        let s = Self.seen(try Self.experiment(selection: "target-dev"))
        #expect(s.selection == ["fr", "ja"])
        #expect(s.regime(head: "cldr-dates-month", language: "fr") == .selected)
        #expect(throws: ZeroShotViolation.self) { try s.requireZeroShot(task: "cldr-dates-month", head: "cldr-dates-month", language: "fr") }
        #expect(throws: ZeroShotViolation.self) { try s.requireZeroShot(task: "cldr-dates-month", head: "cldr-dates-month", language: "en") }
        let error = ZeroShotViolation(task: "cldr-dates-month", language: "fr", regime: .selected)
        #expect(error.description.contains("target-dev"))
    }

    @Test func aggregationLanguageTaskFamilyOverall() throws {
        let a = TaskResults(task: "a", type: "classification", evaluation: "cross-lingual", head: "a", majorMetric: "accuracy",
                            metrics: ["accuracy", "macro_f1"], sources: ["en"], languages: [
                                Self.lang("en", "Indo-European", .supervised, 0.9),
                                Self.lang("de", "Indo-European", .zeroShot, 0.7),
                                Self.lang("fr", "Indo-European", .selected, 0.8),
                                Self.lang("ja", "Japonic", .zeroShot, 0.4),
                                Self.lang("fi", "Uralic", .zeroShot, 0.5),
                            ])
        #expect(abs(a.sourceAverage! - 0.9) < 1e-12)
        #expect(abs(a.zeroShotAverage! - (0.7 + 0.4 + 0.5) / 3) < 1e-12)
        #expect(abs(a.transferGap! - (0.9 - (0.7 + 0.4 + 0.5) / 3)) < 1e-12)
        #expect(abs(a.allAverage! - (0.9 + 0.7 + 0.8 + 0.4 + 0.5) / 5) < 1e-12)
        #expect(a.familyAverages == ["Indo-European": 0.7, "Japonic": 0.4, "Uralic": 0.5])
        #expect(throws: ZeroShotViolation.self) { _ = try a.zeroShotScore("fr") }
        #expect(throws: ZeroShotViolation.self) { _ = try a.zeroShotScore("en") }
        #expect(try a.zeroShotScore("de")?.estimate == 0.7)

        let b = TaskResults(task: "b", type: "classification", evaluation: "cross-lingual", head: "b", majorMetric: "accuracy",
                            metrics: ["accuracy"], sources: ["en"], languages: [
                                Self.lang("en", "Indo-European", .supervised, 1.0),
                                Self.lang("de", "Indo-European", .zeroShot, 0.5),
                            ])
        let r = TaskResults(task: "r", type: "regression", evaluation: "cross-lingual", head: "r", majorMetric: "mse",
                            metrics: ["mse"], sources: ["en"], languages: [
                                LanguageScores(language: "de", family: "Indo-European", regime: .zeroShot, split: "test", examples: 5, metrics: ["mse": Self.ci(3)])
                            ])
        let s = EvaluationSummary(run: "x", checkpoint: "best", seen: SeenLanguages(training: [:], selection: [], unlabelled: [], selectionMode: "source-dev"),
                                  tasks: [a, b, r], bootstrap: .init(resamples: 100, level: 0.95, seed: 0))
        // Family: mean over tasks of the task's family mean; mse stays out (another scale).
        #expect(abs(s.familyAverages["Indo-European"]! - (0.7 + 0.5) / 2) < 1e-12)
        #expect(s.familyAverages["Japonic"] == 0.4)
        #expect(abs(s.overallZeroShot! - (a.zeroShotAverage! + 0.5) / 2) < 1e-12)
        // One metrics.jsonl line per task, language and metric.
        #expect(s.records.count == 5 * 2 + 2 + 1)
    }

    @Test func transferMatrixRowsAreSourceSets() {
        let fromEn = TaskResults(task: "t", type: "classification", evaluation: "cross-lingual", head: "t", majorMetric: "accuracy",
                                 metrics: ["accuracy"], sources: ["en"], languages: [Self.lang("en", "IE", .supervised, 0.9), Self.lang("de", "IE", .zeroShot, 0.6)])
        let fromDe = TaskResults(task: "t", type: "classification", evaluation: "cross-lingual", head: "t", majorMetric: "accuracy",
                                 metrics: ["accuracy"], sources: ["de"], languages: [Self.lang("de", "IE", .supervised, 0.8), Self.lang("fr", "IE", .zeroShot, 0.5)])
        let m = TransferMatrix.of(task: "t", rows: [fromEn, fromDe])
        #expect(m.sources == ["en", "de"])
        #expect(m.targets == ["de", "en", "fr"])
        #expect(m.values[0][0] == 0.6 && m.values[0][1] == 0.9 && m.values[0][2].isNaN)
        #expect(m.values[1][0] == 0.8 && m.values[1][1].isNaN && m.values[1][2] == 0.5)
        #expect(abs(m.gaps[0]! - 0.3) < 1e-12 && abs(m.gaps[1]! - 0.3) < 1e-12)
    }

    @Test func predictionsRoundTripAndRescore() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-eval-pred-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = ResultsLayout(root: dir)
        let gold = ["a", "b", "a", "c", "b", "a", "c", "c"], pred = ["a", "b", "b", "c", "a", "a", "c", "b"]
        let records = zip(gold, pred).enumerated().map { PredictionRecord(id: "i\($0.offset)", gold: .label($0.element.0), predicted: .label($0.element.1)) }
        let url = layout.predictions(task: "t/x", language: "fr")
        #expect(url.path.hasSuffix("predictions/t_x/fr.jsonl"))
        try PredictionRecord.write(records, to: url)
        let back = try PredictionRecord.read(url)
        #expect(back == records)
        let scores = try PredictionScoring(type: .classification, records: back, source: url.path).scores(["accuracy", "macro_f1"], seed: 3, resamples: 200)
        #expect(scores["accuracy"]!.estimate == (try Metrics.accuracy(gold: gold, pred: pred)))
        #expect(scores["macro_f1"]!.estimate == (try Metrics.macroF1(gold: gold, pred: pred)))
        #expect(scores["accuracy"]!.lower <= scores["accuracy"]!.estimate && scores["accuracy"]!.estimate <= scores["accuracy"]!.upper)
        // The same seed gives the same interval.
        let again = try PredictionScoring(type: .classification, records: back, source: url.path).scores(["accuracy"], seed: 3, resamples: 200)
        #expect(again["accuracy"] == scores["accuracy"])

        let tags = [PredictionRecord(id: "s1", gold: .tags(["B-PER", "I-PER", "O"]), predicted: .tags(["B-PER", "I-PER", "O"])),
                    PredictionRecord(id: "s2", gold: .tags(["B-LOC", "O"]), predicted: .tags(["O", "_"]))]
        let tagScores = try PredictionScoring(type: .tagging, records: tags, source: "mem").scores(["accuracy", "span_f1"], seed: 0, resamples: 50)
        #expect(abs(tagScores["accuracy"]!.estimate - 3.0 / 5.0) < 1e-12)
        #expect(abs(tagScores["span_f1"]!.estimate - (try SeqEval.score(gold: [["B-PER", "I-PER", "O"], ["B-LOC", "O"]], pred: [["B-PER", "I-PER", "O"], ["O", "_"]]).micro.f1)) < 1e-12)

        let ret = [PredictionRecord(id: "0", gold: .index(0), predicted: .index(0), predictedReverse: 1, goldRank: 1),
                   PredictionRecord(id: "1", gold: .index(1), predicted: .index(0), predictedReverse: 1, goldRank: 2)]
        let rs = try PredictionScoring(type: .retrieval, records: ret, source: "mem").scores(["accuracy", "accuracy_reverse", "mrr"], seed: 0, resamples: 50)
        #expect(rs["accuracy"]!.estimate == 0.5 && rs["accuracy_reverse"]!.estimate == 0.5 && rs["mrr"]!.estimate == 0.75)

        #expect(throws: MetricInputError.self) {
            _ = try PredictionScoring(type: .tagging, records: [PredictionRecord(id: "x", gold: .tags(["O"]), predicted: .tags(["O", "O"]))], source: "mem").metric("accuracy")
        }
        // A broken line names the file and line.
        try ResultsLayout.write("{\"id\":\"a\",\"gold\":\"x\",\"predicted\":\"x\"}\n{\"id\":\n", to: url)
        #expect(throws: (any Error).self) { _ = try PredictionRecord.read(url) }
        do { _ = try PredictionRecord.read(url) } catch { #expect("\(error)".contains("fr.jsonl:2")) }
    }

    @Test func reportAndFiguresFromFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-eval-report-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = ResultsLayout(root: dir)
        let e = try Self.experiment(selection: "target-dev")
        let seen = Self.seen(e)
        let task = TaskResults(task: "cldr-dates-month", type: "classification", evaluation: "cross-lingual", head: "cldr-dates-month",
                               majorMetric: "accuracy", metrics: ["accuracy", "macro_f1"], sources: ["de", "en"], languages: [
                                Self.lang("en", "Indo-European", .supervised, 0.9), Self.lang("de", "Indo-European", .supervised, 0.85),
                                Self.lang("fr", "Indo-European", .selected, 0.6), Self.lang("ja", "Japonic", .zeroShot, 0.3)])
        let summary = EvaluationSummary(run: "synthetic", checkpoint: "best", seen: seen, tasks: [task], bootstrap: .init(resamples: 100, level: 0.95, seed: 0))
        try summary.write(layout)
        #expect(try EvaluationSummary.read(layout) == summary)
        try ScoreRecord.update(layout, replacing: { _ in true }, with: summary.records)
        let scores = (1...3).flatMap { k in (0..<2).map { s in
            ProbeScore(k: k, seed: UInt64(s), layer: 2, metric: "accuracy", interval: Self.ci(0.3 + 0.1 * Double(k) + 0.01 * Double(s)), examples: 40) } }
        let probe = ProbeRun(task: "cldr-dates-month", language: "ja", method: .linear, layers: "last", unit: .perClass, ks: [1, 2, 3], seeds: [0, 1],
                             poolSplit: "train", evalSplit: "test", metric: "accuracy", regime: .zeroShot, settings: [:], shots: [], scores: scores,
                             aggregates: ProbeRun.aggregate(scores))
        #expect(probe.aggregates.count == 3)
        #expect(abs(probe.aggregates[0].mean - 0.405) < 1e-12)
        #expect(abs(probe.aggregates[0].sd - (0.00005).squareRoot()) < 1e-12)
        try probe.write(layout)
        try ScoreRecord.update(layout, replacing: { $0.evaluation == "probe" }, with: probe.records)
        let log = """
        {"type":"step","step":1,"loss":{"cldr-dates-month":2.5},"examples":{},"lr":0.001,"tokens":10}
        {"type":"step","step":2,"loss":{"cldr-dates-month":2.0},"examples":{},"lr":0.001,"tokens":10}
        {"type":"eval","step":2,"metrics":{"cldr-dates-month":{"dev":{"en":{"accuracy":0.5,"macro_f1":0.4}}}},"selection":"target-dev","best":true}

        """
        try ResultsLayout.write(log, to: layout.trainLog)

        let out = try ReportBuilder.regenerate(layout)
        let names = Set(out.figures.map(\.lastPathComponent))
        #expect(names == ["transfer.svg", "languages-by-family.svg", "families.svg", "few-shot-cldr-dates-month-ja.svg", "training-loss.svg", "dev-cldr-dates-month.svg"])
        for f in out.figures { _ = try SVGInspector.parse(try String(contentsOf: f, encoding: .utf8)) }
        let heat = try SVGInspector.parse(try String(contentsOf: layout.figure("transfer"), encoding: .utf8))
        #expect(heat.classes["cell"] == 4)
        let report = try String(contentsOf: layout.report, encoding: .utf8)
        #expect(tableRow(report, startingWith: "model selection (target-dev)") == ["model selection (target-dev)", "fr, ja"])
        #expect(report.contains("fr ‡"))
        #expect(report.contains("en †"))
        #expect(report.contains("90.0 [85.0, 95.0]"))
        // Zero-shot average is Japanese only (French was used for selection).
        #expect(report.contains("| 30.0"))
        #expect(report.contains("figures/transfer.svg"))
        let csv = try String(contentsOf: layout.table(task: "cldr-dates-month"), encoding: .utf8)
        #expect(csv.hasPrefix("language,family,regime,split,examples,accuracy,accuracy_lower,accuracy_upper,macro_f1"))
        #expect(csv.contains("fr,Indo-European,selected,test,50,0.6,"))
        let lines = try ResultsJSON.readLines(ScoreRecord.self, from: layout.metrics)
        #expect(lines.filter { $0.evaluation == "probe" }.count == 6)
        #expect(lines.filter { $0.evaluation == "cross-lingual" }.count == 8)
        #expect(lines.first { $0.language == "fr" }?.regime == .selected)
    }

    /// The report's training cost: each stage's parameters record and the steps' wall times, as logged.
    @Test func trainingCostFromTheLog() throws {
        let log: [[String: Any]] = [
            ["type": "parameters", "step": 0, "strategy": "lora", "total": 1_234_567, "trainable": 12_345, "optimizer_state_bytes": 98_760],
            ["type": "step", "step": 1, "seconds": 0.5], ["type": "step", "step": 2, "seconds": 0.25],
            ["type": "eval", "step": 2], ["type": "step", "step": 3, "seconds": 1.0], ["type": "step", "step": 4, "seconds": 0.75],
        ]
        let cost = try #require(TrainingCost.of(log))
        #expect(cost.steps == 4 && cost.stepSeconds == 2.5 && cost.medianStepSeconds == 0.625)
        let text = cost.markdown()
        #expect(tableRow(text, startingWith: "0") == ["0", "lora", "1,234,567", "12,345", "1.00%", "0.1 MB"], "\(text)")
        #expect(text.contains("4 timed steps: 2.5 s") && text.contains("median 0.625 s"))
        #expect(TrainingCost.of([["type": "eval", "step": 1]]) == nil)
    }
}
