import Data
import Engine
import Foundation
import Models
import Platform
import Testing
import Runs
import Tasks
import Training
@testable import Demo
@testable import Evaluation

@Suite struct DemoUnitTests {
    func language(_ code: String, _ family: String, _ genus: String, _ script: String) -> LanguageSpec {
        LanguageSpec(code: code, iso639_3: code + "x", name: code, icuLocale: code, scripts: [script], family: family, genus: genus,
                     dictionarySegmentation: false)
    }

    @Test func languagesAlternateInFamilyGenusScriptOrder() throws {
        let registry = LanguageRegistry(languages: [
            language("de", "Indo-European", "Germanic", "Latn"), language("nl", "Indo-European", "Germanic", "Latn"),
            language("en", "Indo-European", "Germanic", "Latn"), language("ru", "Indo-European", "Slavic", "Cyrl"),
            language("uk", "Indo-European", "Slavic", "Cyrl"), language("pl", "Indo-European", "Slavic", "Latn"),
            language("ja", "Japonic", "Japanese", "Jpan"), language("tr", "Turkic", "Oghuz", "Latn"),
        ])
        let split = try DemoLanguageSplit.alternating(["tr", "ja", "uk", "pl", "ru", "en", "nl", "de"], languages: registry)
        // Order: de en nl | ru uk (Cyrl) pl (Latn) | ja | tr.
        #expect(split.training == ["de", "nl", "uk", "ja"])
        #expect(split.heldOut == ["en", "ru", "pl", "tr"])
        #expect(split.relation(of: "en", languages: registry) == .familyAndScript)
        #expect(split.relation(of: "tr", languages: registry) == .scriptOnly)
        let other = DemoLanguageSplit(training: ["de"], heldOut: ["ru", "ja"])
        #expect(other.relation(of: "ru", languages: registry) == .familyOnly)
        #expect(other.relation(of: "ja", languages: registry) == .neither)
        #expect(throws: ConfigError.self) { try DemoLanguageSplit.alternating(["en", "xx"], languages: registry) }
    }

    @Test func majorityBaselineCountsLabelsAndTags() {
        let labels = ["a", "b", "a", "a"].map { PredictionRecord(id: $0, gold: .label($0), predicted: .label("b")) }
        #expect(DemoTable.majorityBaseline(labels) == 0.75)
        let tags = [PredictionRecord(id: "1", gold: .tags(["x", "y", "y"]), predicted: .tags(["x", "x", "x"])),
                    PredictionRecord(id: "2", gold: .tags(["y", "z"]), predicted: .tags(["y", "y"]))]
        #expect(DemoTable.majorityBaseline(tags) == 3.0 / 5.0)
    }

    /// Late-interaction label matching is a retrieval task of (text, gold label text) lines whose spec
    /// loads and trains a late-interaction head; with localized labels each German date text contains its label.
    @Test func lateInteractionPairsAreARetrievalTask() throws {
        let root = DemoPipelineTests.root
        let catalog = try TaskCatalog.load(tasksDirectory: root.appendingPathComponent("tasks").path,
                                           languagesDirectory: root.appendingPathComponent("languages").path)
        var pairs = LabelMatchingPairs()
        pairs.scoring = .lateInteraction
        pairs.labelText = .localized
        pairs.textsPerTask = [.train: 6, .dev: 2]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-pairs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let counts = try pairs.write(sources: [catalog.tasks["cldr-dates-month"]!], languages: ["de"], registry: catalog.languages,
                                     dataRoot: dir, specFolder: dir.appendingPathComponent("tasks"))
        #expect(counts[.train] == 6 && counts[.dev] == 2)
        let spec = try TaskSpec.load(path: dir.appendingPathComponent("tasks/\(pairs.taskName).yaml").path)
        #expect(spec.type == .retrieval && spec.scoring == .lateInteraction)
        #expect(TaskFamilies.headSpec(spec, labels: nil).kind == .lateInteraction)
        let examples = try DatasetLoader.load(task: spec, language: "de", split: .train, dataRoot: dir.path, languages: catalog.languages)
        #expect(examples.count == 6)
        let months = Set(try BuiltinSuite.localizedLabelNames(task: catalog.tasks["cldr-dates-month"]!, language: catalog.languages["de"]!)!.values)
        for ex in examples {
            guard case .translation(let text, let label) = ex.input else { Issue.record("not a pair"); continue }
            #expect(months.contains(label) && text.contains(label), "\(text) / \(label)")
        }
    }

    /// The rewritten head scores every pair exactly as the pair head's softmax probability of `match`,
    /// and every other head is untouched.
    @Test func pairHeadBecomesAnEquivalentLabelMatchingHead() throws {
        let config = ModelConfig(encoder: EncoderConfig(vocabSize: 40, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 12))
        let heads = [HeadSpec(name: "pairs", kind: .pairClassification, labels: ["other", "match"]),
                     HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["a", "b", "c"])]
        let model = try MultiTaskModel(config: config, heads: heads, maxBatch: 4, maxLength: 12, seed: 3)
        // Non-trivial head weights (initial biases are zero).
        var rng = RandomStream(seed: 9, name: "test")
        for name in model.store.names where name.hasPrefix("heads.") {
            let n = try model.store.get(name).count
            try model.store.set(name, values: (0..<n).map { _ in Float(rng.nextGaussian() * 0.3) })
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-demo-convert-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        try ModelCheckpoint.save(model, tokenizerJSON: Data("{}".utf8), to: dir, extraFiles: ["side.txt": Data("kept".utf8)])
        let batch = TokenBatch(sequences: [[2, 7, 3, 9, 11, 3], [2, 5, 3, 6, 3], [2, 30, 31, 3, 1, 3]],
                               tokenTypes: [[0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1]])
        guard case .classes(_, let pairScores) = try model.predict(head: "pairs", batch: batch),
              case .classes(let topicBefore, let topicScoresBefore) = try model.predict(head: "topic", batch: batch) else {
            Issue.record("unexpected prediction kind"); return
        }

        try LabelMatchingConversion.convert(checkpoint: dir, head: "pairs")
        let converted = try ModelCheckpoint.load(dir, maxBatch: 4, maxLength: 12)
        #expect(converted.headSpecs.first { $0.name == "pairs" }?.kind == .labelMatching)
        #expect(try String(contentsOf: dir.appendingPathComponent("side.txt"), encoding: .utf8) == "kept")
        #expect(try String(contentsOf: ModelCheckpoint.tokenizerURL(dir), encoding: .utf8) == "{}")
        guard case .values(let logits) = try converted.predict(head: "pairs", batch: batch),
              case .classes(let topicAfter, let topicScoresAfter) = try converted.predict(head: "topic", batch: batch) else {
            Issue.record("unexpected prediction kind"); return
        }
        for i in 0..<3 {
            let z = pairScores[i].map(Double.init)
            let pMatch = exp(z[1]) / (exp(z[0]) + exp(z[1]))
            let sigmoid = 1 / (1 + exp(-Double(logits[i])))
            #expect(abs(pMatch - sigmoid) < 1e-5, "pair \(i): softmax \(pMatch), label matching \(sigmoid)")
        }
        #expect(topicAfter == topicBefore)
        #expect(topicScoresAfter == topicScoresBefore)
        // Only a two-label match/other pair head converts.
        #expect(throws: ConfigError.self) { try LabelMatchingConversion.convert(checkpoint: dir, head: "topic") }
    }
}

/// The whole demo pipeline at a toy size: eight languages, a tiny model, a few steps. Checks the results
/// folder and the table, not the scores (the full-size demo's scores are in docs/EXPERIMENTS.md).
@Suite struct DemoPipelineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func reducedDemoWritesTheResultsFolderAndTable() throws {
        var s = DemoSettings()
        s.candidateLanguages = ["en", "de", "nl", "sv", "ru", "uk", "fr", "es", "ja", "tr"]
        s.layers = 1; s.hidden = 32; s.heads = 2; s.intermediate = 64; s.maxLength = 32
        s.vocabSize = 500; s.tokenizerSentences = 1500
        s.maxTrainExamples = 40; s.maxEvalExamples = 16
        s.steps = 40; s.warmupSteps = 4; s.evaluateEvery = 20
        s.pairs.textsPerTask = [.train: 8, .dev: 4]
        s.probeShots = [1, 2]; s.probeSeeds = 2; s.resamples = 50
        var locations = DemoPipeline.Locations()
        locations.tasksDirectory = Self.root.appendingPathComponent("tasks").path
        locations.languagesDirectory = Self.root.appendingPathComponent("languages").path
        var train = TrainOptions()
        train.interactive = false
        train.write = { _ in }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-demo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try DemoPipeline.run(s, output: dir.path, locations: locations, trainOptions: train, log: { _ in })

        #expect(outcome.split.training.count == 5 && outcome.split.heldOut.count == 5)
        #expect(Set(outcome.split.training).isDisjoint(with: outcome.split.heldOut))
        let layout = ResultsLayout(root: dir)
        for file in [layout.report, layout.summary, layout.metrics, layout.experiment, dir.appendingPathComponent("demo.md")] {
            #expect(FileManager.default.fileExists(atPath: file.path), "missing \(file.lastPathComponent)")
        }
        let summary = try EvaluationSummary.read(layout)
        #expect(summary.tasks.map(\.task).sorted() == (s.classificationTasks + s.taggingTasks + [s.heldOutTask]).sorted())
        let weekday = try #require(summary.tasks.first { $0.task == s.heldOutTask })
        #expect(weekday.evaluation == "held-out-task")
        #expect(weekday.head == s.pairs.taskName)
        for l in outcome.split.heldOut {
            #expect(weekday.languages.first { $0.language == l }?.regime == .zeroShot)
            #expect(FileManager.default.fileExists(atPath: layout.predictions(task: s.heldOutTask, language: l).path))
        }
        for l in outcome.split.training { #expect(weekday.languages.first { $0.language == l }?.regime == .supervised) }
        let figures = try FileManager.default.contentsOfDirectory(atPath: layout.figures.path)
        #expect(figures.contains { $0.hasSuffix(".svg") })

        // One table row per task and group of held-out languages, the counts adding up to the held-out languages.
        for task in summary.tasks.map(\.task) {
            let rows = outcome.table.rows.filter { $0.task == task }
            #expect(rows.map(\.languages).reduce(0, +) == outcome.split.heldOut.count, "\(task)")
            #expect(rows.allSatisfy { $0.majority > 0 && $0.majority <= 1 && $0.aboveMajority <= $0.languages })
        }
        let table = try outcome.table.markdown()
        #expect(table.contains("zero-shot") && table.contains("majority") && table.contains("(held-out task)"))
        let report = try String(contentsOf: layout.report, encoding: .utf8)
        #expect(report.contains("## Demo summary") && report.contains(table))
        let probe = try #require(outcome.probe)
        #expect(probe.task == s.probeTask && outcome.split.heldOut.contains(probe.language))
        #expect(probe.aggregates.map(\.k) == [1, 2])
    }
}
