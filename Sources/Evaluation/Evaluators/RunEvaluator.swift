import Data
import Foundation
import Models
import Platform
import Runs
import Tasks

/// What `polyglot eval` evaluates and how.
public struct EvaluationOptions: Sendable {
    /// Tasks to evaluate (nil: every task of the experiment but masked LM).
    public var tasks: [String]?
    /// Languages (nil: a trained task's training and evaluation languages; any other task's every language).
    public var languages: [String]?
    public var locations = EvaluationPaths()
    /// `best` or `last` (nil: best when kept, else last).
    public var checkpoint: String?
    /// Split to score (nil: test where the language has it, else dev).
    public var split: Split?
    /// Examples per task and language (nil: the experiment's `data.max_eval_examples`; 0: all).
    public var maxExamples: Int?
    public var batchSize: Int?
    public var resamples = 1000
    public var level = 0.95
    /// Bootstrap seed (nil: the experiment's seed).
    public var bootstrapSeed: UInt64?
    public var retrieval = RetrievalSettings()
    public var labelText = LabelText.name
    /// Adapter folders loaded into the model's adapter slots before scoring (`--adapter SLOT=DIR`).
    public var adapters: [AdapterOverride] = []
    public var log: @Sendable (String) -> Void = { _ in }
    public init() {}
}

/// Evaluates a trained run on every task and language asked for and writes its results folder:
/// predictions, metrics.jsonl, summary.json, tables, figures and report.md.
public enum RunEvaluator {
    public static func evaluate(run path: String, options o: EvaluationOptions = EvaluationOptions()) throws -> EvaluationSummary {
        // Label matching batches all of a text's labels together: size the encoder for the largest label set.
        let probe = try RunFolder.open(path).readExperiment()
        let catalog = try TaskCatalog.load(tasksDirectory: o.locations.tasksDirectory, languagesDirectory: o.locations.languagesDirectory,
                                           allowOutsideDataRoot: o.locations.allowOutsideDataRoot)
        let names = o.tasks ?? probe.allTasks.map(\.name).filter { catalog.tasks[$0]?.type != .mlm }
        let dataRoot = probe.dataRoot ?? RuntimeInfo.dataRoot(o.locations.dataRoot)
        var minBatch = 1
        for n in names {
            if let s = catalog.tasks[n], let labels = try? LabelSet.of(s, dataRoot: dataRoot) { minBatch = max(minBatch, labels.count) }
        }
        let run = try TrainedRun(path: path, locations: o.locations, checkpoint: o.checkpoint, batchSize: o.batchSize, minBatch: minBatch)
        let layers = run.model.config.encoder.numLayers
        if let layer = o.retrieval.layer, !(0...layers).contains(layer) {
            throw ConfigError.layerOutOfRange(layer, layers: layers)
        }
        if let size = o.batchSize, size < 1 { throw ConfigError(key: "--batch-size", "must be 1 or more, got \(size)") }
        if let cap = o.maxExamples, cap < 0 { throw ConfigError(key: "--max-examples", "must be 0 or more (0 = all), got \(cap)") }
        let loadedAdapters = try run.loadAdapters(o.adapters)
        let languageAdapters = try run.languageAdapterSwitch(overrides: o.adapters)
        let cap: Int? = o.maxExamples.map { $0 == 0 ? nil : $0 } ?? run.experiment.data.maxEvalExamples
        let seed = o.bootstrapSeed ?? run.experiment.seed
        var results: [TaskResults] = []
        var files: [String] = []
        var warned = Set<String>()
        for name in names {
            let spec = try run.spec(name)
            if spec.type == .mlm { throw ConfigError(key: "tasks", "task '\(name)' is masked language modelling: its dev perplexity is in train.jsonl; eval scores tasks with labels") }
            let entry = run.experiment.allTasks.first { $0.name == name }
            let languages: [String]
            if let given = o.languages {
                // FLORES-200 aliases name their spec's language (eng_Latn is en).
                let asked = given.map { run.catalog.languages.canonical($0) ?? $0 }
                languages = asked.filter { spec.splits(for: $0).contains(.test) || spec.splits(for: $0).contains(.dev) }
                for l in asked where !languages.contains(l) { o.log("skip \(name) \(l): the task has no test or dev data there") }
                if languages.isEmpty {
                    throw ConfigError(key: "languages", "task '\(name)' has no test or dev data in \(asked.joined(separator: ", ")) (has: \(spec.languageCodes.joined(separator: ", ")))")
                }
            } else if let entry {
                // The experiment's languages, then those only the task's data_pattern found under the data root.
                var seenSet = Set<String>()
                languages = (entry.trainLanguages + entry.evalLanguages + spec.discoveredLanguages).filter { seenSet.insert($0).inserted }
            } else {
                languages = spec.languageCodes.filter { !spec.splits(for: $0).isEmpty }
            }
            let headName = TaskCatalog.headName(spec)
            let labels = try LabelSet.of(spec, dataRoot: run.dataRoot)
            let evaluation: String, head: String
            var family: TaskFamily?
            if spec.type == .retrieval {
                let retrieval = TaskFamilies.make(spec, labels: labels, head: run.model.heads[headName]?.spec, retrieval: o.retrieval)
                (evaluation, head) = ("retrieval", (retrieval as? RetrievalTask)?.usesHead(run.model) == true ? headName : "(encoder)")
                family = retrieval
            } else if let trained = run.model.heads[headName] {
                family = TaskFamilies.make(spec, labels: labels, head: trained.spec, seed: run.experiment.seed)
                (evaluation, head) = ("cross-lingual", headName)
            } else if let lm = LabelMatchingEvaluator.head(of: run.model), spec.type == .classification {
                (evaluation, head) = ("held-out-task", lm)
            } else {
                throw ConfigError(key: "tasks", "task '\(name)' has no head in the model (heads: \(run.model.heads.keys.sorted().joined(separator: ", "))) and no label-matching head can score it")
            }
            let metrics = metricNames(spec)
            var scored: [LanguageScores] = []
            for lang in languages {
                let split = try spec.evaluationSplit(language: lang, preferred: o.split)
                let examples = try run.examples(spec, language: lang, split: split, cap: cap)
                let (language, unknown) = run.language(lang, examples: examples)
                if unknown && warned.insert(lang).inserted {
                    o.log("warning: no language spec for '\(lang)' in \(run.catalog.languages.directory): evaluated with family \(language.family) and script \(language.scripts.first ?? "") (the dominant script of its text)")
                }
                files += TaskCatalog.files(of: spec, languages: [lang], splits: [split], dataRoot: run.dataRoot)
                let adapter = try languageAdapters?.use(lang)
                o.log("eval \(name) \(lang) (\(split.rawValue), \(examples.count) examples)"
                      + (adapter.map { $0.fallback ? ", language adapter of \($0.adapterLanguage) (none for \(lang))" : ", language adapter \(lang)" } ?? ""))
                let records: [PredictionRecord]
                var encoding: EncodingReport?
                switch evaluation {
                case "held-out-task":
                    guard let labels else { throw ConfigError(key: "labels", "task '\(name)' has no labels") }
                    let texts = try o.labelText.texts(for: labels, task: spec, language: run.catalog.languages[lang])
                    let prompt = try o.retrieval.prompt(for: run.model)
                    records = try SharedPrediction.records(examples: examples.count) {
                        try LabelMatchingEvaluator.predict(model: run.model, tokenizer: run.tokenizer, head: head, labels: labels,
                                                           labelTexts: texts, examples: Array(examples[$0]), task: name, layer: o.retrieval.layer,
                                                           prompt: prompt)
                    }
                default:
                    guard let family else { throw ConfigError(key: "tasks", "task '\(name)': no head evaluates it") }
                    let encoded = try family.encode(examples, tokenizer: run.tokenizer)
                    if !encoded.report.isEmpty { o.log("encode \(name) \(lang): \(encoded.report.summary)") }
                    encoding = encoded.report
                    records = try family.predictSharingRanks(encoded, model: run.model, batchSize: run.batchSize)
                }
                let predictionsURL = run.layout.predictions(task: name, language: lang)
                // A distributed job: every rank holds the records, rank 0 writes.
                if Distributed.isRoot { try PredictionRecord.write(records, to: predictionsURL) }
                let scores = try PredictionScoring(spec: spec, language: lang, records: records, source: predictionsURL.path)
                    .scores(metrics, seed: seed, resamples: o.resamples, level: o.level)
                let regime = evaluation == "retrieval" ? run.seen.regime(head: "(retrieval)", language: lang) : run.seen.regime(head: head, language: lang)
                var languageScores = LanguageScores(language: language, regime: regime, split: split.rawValue,
                                                    examples: records.count, metrics: scores,
                                                    encoding: encoding.flatMap { $0.isEmpty ? nil : $0.counts })
                languageScores.adapter = adapter
                scored.append(languageScores)
            }
            results.append(TaskResults(task: name, type: spec.type.rawValue, evaluation: evaluation, head: head,
                                       majorMetric: spec.majorMetric, metrics: metrics,
                                       sources: evaluation == "retrieval" ? [] : run.seen.training[head] ?? [], languages: scored,
                                       answerNormalization: spec.type == .spanQA ? (spec.answerNormalization ?? .squad).rawValue : nil))
        }
        // Tasks evaluated earlier from the same checkpoint at the same step and not asked for now are kept.
        if let previous = try? EvaluationSummary.read(run.layout), previous.checkpoint == run.checkpoint,
           previous.adapters ?? [] == loadedAdapters,
           previous.training?.step == run.training.step, run.training.step != nil {
            let fresh = Set(results.map(\.task))
            results = previous.tasks.filter { !fresh.contains($0.task) } + results
            files += previous.dataFiles.map(\.path)
        }
        var summary = EvaluationSummary(run: run.layout.root.lastPathComponent, checkpoint: run.checkpoint, training: run.training,
                                        seen: run.seen, tasks: results,
                                        bootstrap: .init(resamples: o.resamples, level: o.level, seed: seed),
                                        dataFiles: try DataFileChecksum.of(files: files.filter { FileManager.default.fileExists(atPath: $0) }))
        summary.adapters = loadedAdapters.isEmpty ? nil : loadedAdapters
        if Distributed.isRoot { try write(summary, layout: run.layout) }
        return summary
    }

    /// The metrics scored for a task: its spec's metrics that predictions support (retrieval adds the reverse direction).
    public static func metricNames(_ spec: TaskSpec) -> [String] {
        let supported = PredictionScoring.metrics(for: spec.type)
        var m = spec.metrics.filter { supported.contains($0) }
        if spec.type == .retrieval && !m.contains("accuracy_reverse") { m.insert("accuracy_reverse", at: min(1, m.count)) }
        if !m.contains(spec.majorMetric) && supported.contains(spec.majorMetric) { m.insert(spec.majorMetric, at: 0) }
        return m
    }

    /// summary.json, metrics.jsonl (keeping probe lines), tables, figures and report.md.
    public static func write(_ summary: EvaluationSummary, layout: ResultsLayout) throws {
        try summary.write(layout)
        try ScoreRecord.update(layout, replacing: { $0.evaluation != "probe" }, with: summary.records)
        try ReportBuilder.regenerate(layout)
    }
}
