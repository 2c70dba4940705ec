import Foundation
import Data
import Models
import Platform
import Runs
import Tasks

/// Scores of one task in one language.
public struct LanguageScores: Codable, Equatable, Sendable {
    public var language: String
    /// Language family from `languages/<code>.yaml` ("unknown" when the language has no spec; "" in summaries
    /// written before languages without a spec were evaluated).
    public var family: String
    /// English name, WALS genus ("" when the spec has none), the main script (of a language with no spec: the
    /// dominant script of its text) and glottocode; absent in summaries written before they were recorded.
    public var name: String?
    public var genus: String?
    public var script: String?
    public var glottocode: String?
    public var regime: TransferRegime
    public var split: String
    public var examples: Int
    public var metrics: [String: ConfidenceInterval]
    /// What encoding split or left out (question-answering windows, answers outside every window, tagging
    /// windows, …); absent when nothing was.
    public var encoding: [String: Int]?
    /// MAD-X: the language adapter the language was scored with (its own, or the source's as a fallback).
    public var adapter: LanguageAdapterSwitch.Choice?

    public init(language: String, family: String, regime: TransferRegime, split: String, examples: Int, metrics: [String: ConfidenceInterval],
                encoding: [String: Int]? = nil) {
        self.language = language; self.family = family; self.regime = regime; self.split = split
        self.examples = examples; self.metrics = metrics; self.encoding = encoding
    }

    /// Scores of the language `spec` describes (its code, family, name, genus, main script and glottocode).
    public init(language spec: LanguageSpec, regime: TransferRegime, split: String, examples: Int, metrics: [String: ConfidenceInterval],
                encoding: [String: Int]? = nil) {
        self.init(language: spec.code, family: spec.family, regime: regime, split: split, examples: examples, metrics: metrics, encoding: encoding)
        name = spec.name; genus = spec.genus; script = spec.scripts.first; glottocode = spec.glottocode
    }
}

/// One task's scores over languages and their XTREME-style aggregates.
public struct TaskResults: Codable, Equatable, Sendable {
    public var task: String
    public var type: String
    /// `cross-lingual`, `held-out-task` or `retrieval`.
    public var evaluation: String
    public var head: String
    public var majorMetric: String
    /// Metric names in table order.
    public var metrics: [String]
    /// Languages whose labelled data trained the head (the transfer sources).
    public var sources: [String]
    public var languages: [LanguageScores]
    /// Mean major metric over the source languages, over zero-shot languages, over every language.
    public var sourceAverage: Double?
    public var zeroShotAverage: Double?
    public var allAverage: Double?
    /// Source average minus zero-shot average (XTREME's cross-lingual transfer gap).
    public var transferGap: Double?
    /// Mean major metric over the zero-shot languages of each family.
    public var familyAverages: [String: Double]
    /// Span QA: how answers were normalized (`squad`, or `mlqa` with each row's language).
    public var answerNormalization: String?

    enum CodingKeys: String, CodingKey {
        case task, type, evaluation, head, majorMetric = "major_metric", metrics, sources, languages
        case answerNormalization = "answer_normalization"
        case sourceAverage = "source_average", zeroShotAverage = "zero_shot_average", allAverage = "all_average"
        case transferGap = "transfer_gap", familyAverages = "family_averages"
    }

    public init(task: String, type: String, evaluation: String, head: String, majorMetric: String, metrics: [String],
                sources: [String], languages: [LanguageScores], answerNormalization: String? = nil) {
        self.task = task; self.type = type; self.evaluation = evaluation; self.head = head; self.majorMetric = majorMetric
        self.metrics = metrics; self.sources = sources; self.languages = languages; familyAverages = [:]
        self.answerNormalization = answerNormalization
        aggregate()
    }

    /// Major metric of a language, when scored.
    public func major(_ language: String) -> Double? {
        languages.first { $0.language == language }?.metrics[majorMetric]?.estimate
    }

    /// The score of `language` as a zero-shot score; throws `ZeroShotViolation` when the language's data
    /// trained or selected the model.
    public func zeroShotScore(_ language: String) throws -> ConfidenceInterval? {
        guard let l = languages.first(where: { $0.language == language }) else { return nil }
        guard l.regime == .zeroShot else { throw ZeroShotViolation(task: task, language: language, regime: l.regime) }
        return l.metrics[majorMetric]
    }

    /// Fills the averages: language → task (this), by regime and by family.
    public mutating func aggregate() {
        func mean(_ ls: [LanguageScores]) -> Double? {
            let v = ls.compactMap { $0.metrics[majorMetric]?.estimate }.filter { $0.isFinite }
            return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
        }
        sourceAverage = mean(languages.filter { $0.regime == .supervised })
        let zero = languages.filter { $0.regime == .zeroShot }
        zeroShotAverage = mean(zero)
        allAverage = mean(languages)
        transferGap = sourceAverage.flatMap { s in zeroShotAverage.map { s - $0 } }
        var fam: [String: Double] = [:]
        for f in Set(zero.map(\.family)) { fam[f] = mean(zero.filter { $0.family == f }) }
        familyAverages = fam
    }
}

/// `summary.json`: the evaluation of a run with aggregates language → task → family → overall, as XTREME.
public struct EvaluationSummary: Codable, Equatable, Sendable {
    public var run: String
    /// Which checkpoint was evaluated (`best` or `last`) and its training step when known.
    public var checkpoint: String
    /// Whether the run's training finished and the checkpoint's step (nil in summaries written before it was recorded).
    public var training: TrainingStatus?
    public var seen: SeenLanguages
    public var tasks: [TaskResults]
    /// Family → mean over tasks of the task's zero-shot mean in that family.
    public var familyAverages: [String: Double]
    /// Mean over tasks of their zero-shot averages (tasks whose major metric grows with quality).
    public var overallZeroShot: Double?
    /// Mean over tasks of their averages over every language.
    public var overallAll: Double?
    public var bootstrap: BootstrapSettings
    /// SHA-256 of every data file read for the scores (training's environment.json lists those it read).
    public var dataFiles: [DataFileChecksum]
    /// Adapters loaded into the model for every language (`polyglot eval --adapter SLOT=DIR`); absent when none.
    public var adapters: [LoadedAdapter]?

    /// An adapter folder loaded into one of the model's adapter slots.
    public struct LoadedAdapter: Codable, Equatable, Sendable {
        public var slot: String
        public var path: String
        /// The adapter's own name (`adapter.json`) and the SHA-256 of its weights file.
        public var name: String
        public var sha256: String
        public init(slot: String, path: String, name: String, sha256: String) { self.slot = slot; self.path = path; self.name = name; self.sha256 = sha256 }
    }

    public struct BootstrapSettings: Codable, Equatable, Sendable {
        public var resamples: Int
        public var level: Double
        public var seed: UInt64
        public init(resamples: Int, level: Double, seed: UInt64) { self.resamples = resamples; self.level = level; self.seed = seed }
    }

    enum CodingKeys: String, CodingKey {
        case run, checkpoint, training, seen, tasks, familyAverages = "family_averages", overallZeroShot = "overall_zero_shot"
        case overallAll = "overall_all", bootstrap, dataFiles = "data_files", adapters
    }

    public init(run: String, checkpoint: String, training: TrainingStatus? = nil, seen: SeenLanguages, tasks: [TaskResults],
                bootstrap: BootstrapSettings, dataFiles: [DataFileChecksum] = []) {
        self.run = run; self.checkpoint = checkpoint; self.training = training; self.seen = seen; self.tasks = tasks; self.bootstrap = bootstrap
        self.dataFiles = dataFiles
        familyAverages = [:]
        aggregate()
    }

    /// Task → family → overall. Tasks whose major metric falls with quality (mse) stay out of the
    /// cross-task means, as they are on another scale.
    public mutating func aggregate() {
        for i in tasks.indices { tasks[i].aggregate() }
        let averaged = tasks.filter { PredictionScoring.higherIsBetter($0.majorMetric) }
        var byFamily: [String: [Double]] = [:]
        for t in averaged { for (f, v) in t.familyAverages { byFamily[f, default: []].append(v) } }
        familyAverages = byFamily.mapValues { $0.reduce(0, +) / Double($0.count) }
        let zero = averaged.compactMap(\.zeroShotAverage)
        overallZeroShot = zero.isEmpty ? nil : zero.reduce(0, +) / Double(zero.count)
        let all = averaged.compactMap(\.allAverage)
        overallAll = all.isEmpty ? nil : all.reduce(0, +) / Double(all.count)
    }

    public func write(_ layout: ResultsLayout) throws {
        try ResultsLayout.write(try ResultsJSON.encoder(pretty: true).encode(self), to: layout.summary)
    }

    public static func read(_ layout: ResultsLayout) throws -> EvaluationSummary {
        try ResultsJSON.read(EvaluationSummary.self, from: layout.summary)
    }

    /// The metrics.jsonl lines of these results.
    public var records: [ScoreRecord] {
        tasks.flatMap { t in
            t.languages.flatMap { l in
                t.metrics.compactMap { m in
                    l.metrics[m].map {
                        ScoreRecord(evaluation: t.evaluation, task: t.task, language: l.language, split: l.split, metric: m,
                                    interval: $0, examples: l.examples, regime: l.regime)
                    }
                }
            }
        }
    }
}

/// Source × target scores of one task: one row per source-language set (one run each), one column per
/// target language.
public struct TransferMatrix: Equatable, Sendable {
    public var task: String
    public var metric: String
    public var sources: [String]
    public var targets: [String]
    /// values[row][column]; NaN where the run did not score the target.
    public var values: [[Double]]
    /// Per row: source average minus zero-shot average (nil when either is missing).
    public var gaps: [Double?]

    /// `rows` are the results of the same task from several runs (or one), labelled by their sources.
    public static func of(task: String, rows: [TaskResults]) -> TransferMatrix {
        let targets = Array(Set(rows.flatMap { $0.languages.map(\.language) })).sorted()
        let metric = rows.first?.majorMetric ?? ""
        return TransferMatrix(
            task: task, metric: metric,
            sources: rows.map { $0.sources.isEmpty ? "(none)" : $0.sources.joined(separator: "+") },
            targets: targets,
            values: rows.map { r in targets.map { r.major($0) ?? .nan } },
            gaps: rows.map(\.transferGap))
    }
}
