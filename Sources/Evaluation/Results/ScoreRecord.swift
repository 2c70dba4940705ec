import Foundation
import Runs
import Tasks

/// One line of `metrics.jsonl`: one metric of one task in one language, with its 95% bootstrap interval.
public struct ScoreRecord: Codable, Equatable, Sendable {
    /// `cross-lingual` (a trained task on any language), `held-out-task` (label matching on a task the
    /// model never trained), `retrieval`, or `probe` (few-shot).
    public var evaluation: String
    public var task: String
    public var language: String
    public var split: String
    public var metric: String
    public var value: Double
    public var lower: Double
    public var upper: Double
    public var level: Double
    public var resamples: Int
    public var examples: Int
    public var regime: TransferRegime
    /// Probes: method (`linear`, `centroid`, `finetune`), shots per unit, seed, layer (nil: last).
    public var method: String?
    public var k: Int?
    public var seed: UInt64?
    public var layer: Int?

    public init(evaluation: String, task: String, language: String, split: String, metric: String, interval: ConfidenceInterval,
                examples: Int, regime: TransferRegime, method: String? = nil, k: Int? = nil, seed: UInt64? = nil, layer: Int? = nil) {
        self.evaluation = evaluation; self.task = task; self.language = language; self.split = split; self.metric = metric
        value = interval.estimate; lower = interval.lower; upper = interval.upper; level = interval.level; resamples = interval.resamples
        self.examples = examples; self.regime = regime; self.method = method; self.k = k; self.seed = seed; self.layer = layer
    }

    public var interval: ConfidenceInterval {
        ConfidenceInterval(estimate: value, lower: lower, upper: upper, level: level, resamples: resamples)
    }

    /// Rewrites `metrics.jsonl`: records for which `replaced` holds are dropped and `records` added, so
    /// `eval` and `probe` each refresh their own lines and keep the other's.
    public static func update(_ layout: ResultsLayout, replacing replaced: (ScoreRecord) -> Bool, with records: [ScoreRecord]) throws {
        var kept: [ScoreRecord] = []
        if FileManager.default.fileExists(atPath: layout.metrics.path) {
            kept = try ResultsJSON.readLines(ScoreRecord.self, from: layout.metrics).filter { !replaced($0) }
        }
        try ResultsLayout.write(try ResultsJSON.lines(kept + records), to: layout.metrics)
    }
}
