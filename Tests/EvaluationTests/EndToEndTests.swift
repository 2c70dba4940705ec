import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Platform
import Runs
import Tasks
import Training
import Evaluation
import Models
import Text
import Data

/// A tiny run trained once through the Training API and shared by the end-to-end tests.
enum TinyRun {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var dataRoot: String {
        if let env = ProcessInfo.processInfo.environment["POLYGLOT_DATA_ROOT"], !env.isEmpty { return env }
        return root.deletingLastPathComponent().appendingPathComponent("shared/data").path
    }

    static var locations: EvaluationPaths {
        var l = EvaluationPaths()
        l.tasksDirectory = root.appendingPathComponent("tasks").path
        l.languagesDirectory = root.appendingPathComponent("languages").path
        l.dataRoot = dataRoot
        return l
    }

    static let yaml = """
    name: eval-tiny
    seed: 5
    model: {layers: 2, hidden: 32, heads: 2, intermediate: 64, max_positions: 40, dropout: 0.1}
    tokenizer: {vocab_size: 400, max_sentences: 1500}
    data: {max_length: 40, max_train_examples: 300, max_eval_examples: 40}
    tasks:
      - {name: cldr-mlm, train_languages: [en, de]}
      - {name: cldr-dates-month, train_languages: [en], eval_languages: [de, fr]}
      - {name: cldr-date-fields, train_languages: [en], eval_languages: [de]}
    optimization: {batch_size: 16, max_steps: 60, warmup_steps: 6, lr: 0.003}
    evaluation: {every: 20}
    checkpoint: {every: 20}
    """

    static func train(_ yaml: String, overrides: [String] = [], name: String) throws -> URL {
        let e = try ExperimentLoader.decode(yaml: yaml, file: "\(name).yaml", overrides: overrides)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-eval-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        _ = try Trainer.start(e, experimentFile: "\(name).yaml", outputPath: dir.path, options: trainOptions())
        return dir
    }

    /// Quiet training options over the repository's languages and `tasks` (default: the repository's specs).
    static func trainOptions(tasks: URL? = nil, dataRoot: URL? = nil) -> TrainOptions {
        var o = TrainOptions()
        o.tasksDirectory = tasks?.path ?? locations.tasksDirectory
        o.languagesDirectory = locations.languagesDirectory
        o.dataRoot = dataRoot?.path
        o.interactive = false
        o.write = { _ in }
        return o
    }

    /// Trained on first use (static lets initialize once, thread-safely).
    static let shared: Result<URL, Error> = Result { try train(yaml, name: "shared") }
    static func run() throws -> URL { try shared.get() }

    static func parseSVG(_ url: URL) throws {
        let parser = XMLParser(data: try Data(contentsOf: url))
        guard parser.parse() else { throw MetricInputError(metric: "svg", "\(url.lastPathComponent) is not well-formed") }
    }
}

@Suite(.serialized) struct EndToEndTests {
    func options() -> EvaluationOptions {
        var o = EvaluationOptions()
        o.locations = TinyRun.locations
        o.resamples = 200
        return o
    }

    @Test func evalWritesEveryResultsFile() throws {
        let dir = try TinyRun.run()
        let layout = ResultsLayout(root: dir)
        let summary = try RunEvaluator.evaluate(run: dir.path, options: options())
        let trained = summary.tasks.filter { $0.evaluation == "cross-lingual" }
        #expect(trained.map(\.task) == ["cldr-dates-month", "cldr-date-fields"])
        let month = trained[0]
        #expect(month.languages.map(\.language) == ["en", "de", "fr"])
        #expect(month.languages.map(\.regime) == [.supervised, .zeroShot, .zeroShot])
        #expect(month.sources == ["en"])
        #expect(month.transferGap != nil)
        #expect(throws: ZeroShotViolation.self) { _ = try month.zeroShotScore("en") }
        #expect(summary.seen.unlabelled == ["de", "en"])
        for t in trained {
            for l in t.languages {
                #expect(l.examples == 40)
                let records = try PredictionRecord.read(layout.predictions(task: t.task, language: l.language))
                #expect(records.count == 40)
                #expect(Set(records.map(\.id)).count == 40)
                // Anyone can recompute the metric from the predictions.
                let again = try PredictionScoring(type: t.type == "tagging" ? .tagging : .classification, records: records, source: "")
                    .metric(t.majorMetric)(Array(records.indices))
                #expect(again == l.metrics[t.majorMetric]!.estimate)
                let ci = l.metrics[t.majorMetric]!
                #expect(ci.lower <= ci.estimate && ci.estimate <= ci.upper)
            }
        }
        for name in ["metrics.jsonl", "summary.json", "report.md", "tables/cldr-dates-month.csv", "tables/cldr-date-fields.csv",
                     "experiment.yaml", "environment.json", "train.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name) missing")
        }
        for f in ["transfer", "languages-by-family", "training-loss", "dev-cldr-dates-month", "dev-cldr-mlm"] { try TinyRun.parseSVG(layout.figure(f)) }
        let report = try String(contentsOf: layout.report, encoding: .utf8)
        #expect(tableRow(report, startingWith: "labelled training data (head `cldr-dates-month`)")?.last == "en")
        #expect(report.contains("en †"))
        let records = try ResultsJSON.readLines(ScoreRecord.self, from: layout.metrics).filter { $0.evaluation == "cross-lingual" }
        #expect(records.count == 3 * 2 + 2 * 2)
    }

    @Test func probesAreSeededAndReproducible() throws {
        let dir = try TinyRun.run()
        var o = ProbeOptions(task: "cldr-dates-month")
        o.locations = TinyRun.locations
        o.ks = [1, 2]
        o.seeds = 2
        o.resamples = 100
        o.linear.steps = 100
        let first = try ProbeRunner.run(path: dir.path, options: o)
        let second = try ProbeRunner.run(path: dir.path, options: o)
        #expect(first == second)
        #expect(first.language == "de")
        #expect(first.shots.count == 4)
        #expect(first.shots.allSatisfy { s in s.indices.count == 12 && s.indices.values.allSatisfy { $0.count == s.k } })
        #expect(first.aggregates.map(\.k) == [1, 2])
        let saved = try ResultsJSON.read(ProbeRun.self, from: ResultsLayout(root: dir).probe(task: "cldr-dates-month", language: "de", name: "linear"))
        #expect(saved == first)

        o.method = .centroid
        o.layer = .all
        let layers = try ProbeRunner.run(path: dir.path, options: o)
        #expect(Set(layers.scores.compactMap(\.layer)) == [0, 1, 2])
        #expect(layers.shots == first.shots)

        o.method = .finetune
        o.layer = .last
        o.seeds = 1
        o.finetuneSteps = 3
        let tuned = try ProbeRunner.run(path: dir.path, options: o)
        let tunedAgain = try ProbeRunner.run(path: dir.path, options: o)
        #expect(tuned.scores == tunedAgain.scores)

        let layout = ResultsLayout(root: dir)
        try TinyRun.parseSVG(layout.figure("few-shot-cldr-dates-month-de"))
        try TinyRun.parseSVG(layout.figure("layers-centroid-cldr-dates-month-de"))
        let lines = try ResultsJSON.readLines(ScoreRecord.self, from: layout.metrics).filter { $0.evaluation == "probe" }
        #expect(lines.filter { $0.method == "linear" }.count == 4)
        #expect(lines.filter { $0.method == "centroid-layer-all" }.count == 12)
        #expect(lines.filter { $0.method == "finetune" }.count == 2)
        let report = try String(contentsOf: layout.report, encoding: .utf8)
        #expect(report.contains("## Few-shot probes"))
    }

    @Test func retrievalOnTatoeba() throws {
        let dir = try TinyRun.run()
        var o = options()
        o.tasks = ["tatoeba"]
        o.languages = ["de", "fr"]
        o.maxExamples = 50
        o.retrieval = RetrievalSettings(layer: 1, pooling: .mean)
        let summary = try RunEvaluator.evaluate(run: dir.path, options: o)
        let t = try #require(summary.tasks.first { $0.task == "tatoeba" })
        #expect(t.evaluation == "retrieval")
        #expect(t.metrics == ["accuracy", "accuracy_reverse", "mrr"])
        let records = try PredictionRecord.read(ResultsLayout(root: dir).predictions(task: "tatoeba", language: "fr"))
        #expect(records.count == 50)
        #expect(records.allSatisfy { ($0.goldRank ?? 0) >= 1 && ($0.goldRank ?? 99) <= 50 })
        #expect(records.allSatisfy { ($0.goldRank == 1) == ($0.predicted == $0.gold) })
        // The files read are checksummed in the summary.
        #expect(summary.dataFiles.contains { $0.path.hasSuffix("tatoeba.fra-eng.fra") && $0.sha256.count == 64 })
    }

    @Test func targetDevSelectionIsReportedAndNotZeroShot() throws {
        let dir = try TinyRun.train(TinyRun.yaml, overrides: ["evaluation.selection=target-dev", "optimization.max_steps=20", "evaluation.every=10"], name: "target-dev")
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = options()
        o.tasks = ["cldr-dates-month"]
        let summary = try RunEvaluator.evaluate(run: dir.path, options: o)
        let t = summary.tasks[0]
        #expect(t.languages.map(\.regime) == [.supervised, .selected, .selected])
        #expect(t.zeroShotAverage == nil)
        #expect(throws: ZeroShotViolation.self) { _ = try t.zeroShotScore("de") }
        let report = try String(contentsOf: ResultsLayout(root: dir).report, encoding: .utf8)
        #expect(report.contains("Model selection used target-language dev data"))
        #expect(report.contains("de ‡"))

        // Comparing a run with itself: no difference.
        let same = try RunComparison.compare(ResultsLayout(root: dir), ResultsLayout(root: dir), resamples: 100)
        #expect(same.rows.count == 3)
        #expect(same.rows.allSatisfy { $0.delta == 0 && $0.pValue == 1 })

        // The same run as committed reference results keep it, its predictions gzipped by GNU gzip:
        // compare reads predictions/<task>/<lang>.jsonl.gz where the .jsonl is not there.
        let committed = dir.deletingLastPathComponent().appendingPathComponent(dir.lastPathComponent + "-gz")
        try? FileManager.default.removeItem(at: committed)
        defer { try? FileManager.default.removeItem(at: committed) }
        try FileManager.default.createDirectory(at: committed, withIntermediateDirectories: true)
        let source = ResultsLayout(root: dir), copy = ResultsLayout(root: committed)
        try FileManager.default.copyItem(at: source.summary, to: copy.summary)
        try FileManager.default.copyItem(at: source.predictionsRoot, to: copy.predictionsRoot)
        let plain = copy.predictions(task: "cldr-dates-month", language: "de")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-9n", plain.path]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: plain.path))
        #expect(try PredictionRecord.read(plain) == (try PredictionRecord.read(source.predictions(task: "cldr-dates-month", language: "de"))))
        let fromCompressed = try RunComparison.compare(copy, source, resamples: 100)
        #expect(fromCompressed.rows.map(\.language) == same.rows.map(\.language))
        #expect(fromCompressed.rows.allSatisfy { $0.delta == 0 && $0.pValue == 1 })
    }
}

@Suite struct LabelMatchingTests {
    /// Each text's prediction is the label whose "label [SEP] text" pair the head scores highest.
    @Test func predictionIsTheBestScoringPair() throws {
        let dir = try TinyRun.run()
        let checkpoint = dir.appendingPathComponent("checkpoints/last/model")
        let (config, _) = try ModelCheckpoint.readStructure(checkpoint)
        let model = try MultiTaskModel(config: config, heads: [HeadSpec(name: "match", kind: .labelMatching)], maxBatch: 16, maxLength: 40, seed: 9)
        var tokenizer = try Tokenizer.load(from: ModelCheckpoint.tokenizerURL(checkpoint))
        tokenizer.maxLength = 40
        let catalog = try TaskCatalog.load(tasksDirectory: TinyRun.locations.tasksDirectory, languagesDirectory: TinyRun.locations.languagesDirectory)
        let spec = try #require(catalog.tasks["cldr-dates-weekday"])
        let labels = try #require(try LabelSet.of(spec, dataRoot: TinyRun.dataRoot))
        let examples = Array(try DatasetLoader.load(task: spec, language: "de", split: .test, dataRoot: TinyRun.dataRoot, languages: catalog.languages).prefix(5))
        #expect(LabelMatchingEvaluator.head(of: model) == "match")
        let records = try LabelMatchingEvaluator.predict(model: model, tokenizer: tokenizer, head: "match", labels: labels, labelTexts: labels.names.map(LabelMatchingHead.labelText),
                                                         examples: examples, task: spec.name)
        #expect(records.count == 5)
        for (ex, r) in zip(examples, records) {
            guard case .text(let text) = ex.input else { Issue.record("not a text example"); continue }
            let pairs = try labels.names.map { try tokenizer.encode(pair: LabelMatchingHead.labelText($0), text) }
            let batch = TokenBatch(sequences: pairs.map { $0.ids.map(Int32.init) }, tokenTypes: pairs.map { $0.typeIDs.map(Int32.init) },
                                   pad: Int32(config.padTokenId))
            guard case .values(let scores) = try model.predict(head: "match", batch: batch) else { Issue.record("no scores"); continue }
            let best = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }!
            #expect(r.predicted == .label(labels.names[best]))
            #expect(r.gold == .label(ex.label!))
        }
        // Too many labels for the batch capacity is a clear error, not a crash.
        let small = try MultiTaskModel(config: config, heads: [HeadSpec(name: "match", kind: .labelMatching)], maxBatch: 4, maxLength: 40, seed: 9)
        #expect(throws: ConfigError.self) {
            _ = try LabelMatchingEvaluator.predict(model: small, tokenizer: tokenizer, head: "match", labels: labels, labelTexts: labels.names.map(LabelMatchingHead.labelText), examples: examples, task: spec.name)
        }
    }
}
