import Foundation
import Models
import Runs
import Tasks

/// Few-shot probe methods.
public enum ProbeMethod: String, Codable, Sendable, CaseIterable {
    /// Logistic regression on frozen pooled features of one layer (or of each layer).
    case linear
    /// Nearest class centroid by cosine on frozen pooled features.
    case centroid
    /// Every weight trains on the shots, starting from the run's (zero-shot) model.
    case finetune
}

/// One (k, seed, layer) probe score.
public struct ProbeScore: Codable, Equatable, Sendable {
    public var k: Int
    public var seed: UInt64
    /// Encoder layer whose output was pooled (nil: the method used the whole model).
    public var layer: Int?
    public var metric: String
    public var interval: ConfidenceInterval
    public var examples: Int
    public init(k: Int, seed: UInt64, layer: Int?, metric: String, interval: ConfidenceInterval, examples: Int) {
        self.k = k; self.seed = seed; self.layer = layer; self.metric = metric; self.interval = interval; self.examples = examples
    }
}

/// Mean ± standard deviation over seeds of one (k, layer).
public struct ProbeAggregate: Codable, Equatable, Sendable {
    public var k: Int
    public var layer: Int?
    public var mean: Double
    /// Sample standard deviation over seeds (0 with one seed).
    public var sd: Double
    public var seeds: Int
    public init(k: Int, layer: Int?, mean: Double, sd: Double, seeds: Int) { self.k = k; self.layer = layer; self.mean = mean; self.sd = sd; self.seeds = seeds }
}

/// `probes/<task>/<lang>/<method>.json`: the probe's settings, every shot set and every score.
public struct ProbeRun: Codable, Equatable, Sendable {
    public var task: String
    public var language: String
    public var method: ProbeMethod
    /// `last`, a layer number, or `all`.
    public var layers: String
    public var unit: ShotUnit
    public var ks: [Int]
    public var seeds: [UInt64]
    /// Split the shots are drawn from and split scored.
    public var poolSplit: String
    public var evalSplit: String
    public var metric: String
    public var regime: TransferRegime
    public var settings: [String: Double]
    public var shots: [ShotSet]
    public var scores: [ProbeScore]
    public var aggregates: [ProbeAggregate]
    /// Adapters loaded into the model (`--adapter SLOT=DIR`); absent when none.
    public var adapters: [EvaluationSummary.LoadedAdapter]?
    /// MAD-X: the language adapter the probe ran with (the language's own, or the source's as a fallback).
    public var languageAdapter: LanguageAdapterSwitch.Choice?

    public init(task: String, language: String, method: ProbeMethod, layers: String, unit: ShotUnit, ks: [Int], seeds: [UInt64],
                poolSplit: String, evalSplit: String, metric: String, regime: TransferRegime, settings: [String: Double],
                shots: [ShotSet], scores: [ProbeScore], aggregates: [ProbeAggregate]) {
        self.task = task; self.language = language; self.method = method; self.layers = layers; self.unit = unit; self.ks = ks
        self.seeds = seeds; self.poolSplit = poolSplit; self.evalSplit = evalSplit; self.metric = metric; self.regime = regime
        self.settings = settings; self.shots = shots; self.scores = scores; self.aggregates = aggregates
    }

    enum CodingKeys: String, CodingKey {
        case task, language, method, layers, unit, ks, seeds, poolSplit = "pool_split", evalSplit = "eval_split"
        case metric, regime, settings, shots, scores, aggregates, adapters, languageAdapter = "language_adapter"
    }

    /// File name stem inside `probes/<task>/<lang>/`.
    public var name: String {
        method == .finetune || layers == "last" ? method.rawValue : "\(method.rawValue)-layer-\(layers)"
    }

    /// Mean ± sd over seeds for every (k, layer).
    public static func aggregate(_ scores: [ProbeScore]) -> [ProbeAggregate] {
        var groups: [String: [ProbeScore]] = [:]
        for s in scores { groups["\(s.k)|\(s.layer.map(String.init) ?? "-")", default: []].append(s) }
        return groups.values.map { g in
            let v = g.map(\.interval.estimate)
            let m = v.reduce(0, +) / Double(v.count)
            let sd = v.count > 1 ? (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot() : 0
            return ProbeAggregate(k: g[0].k, layer: g[0].layer, mean: m, sd: sd, seeds: v.count)
        }.sorted { ($0.layer ?? -1, $0.k) < ($1.layer ?? -1, $1.k) }
    }

    public func write(_ layout: ResultsLayout) throws {
        try ResultsLayout.write(try ResultsJSON.encoder(pretty: true).encode(self), to: layout.probe(task: task, language: language, name: name))
    }

    /// Every probe file of a run.
    public static func readAll(_ layout: ResultsLayout) throws -> [ProbeRun] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: layout.probesRoot, includingPropertiesForKeys: nil) else { return [] }
        var out: [ProbeRun] = []
        for case let url as URL in walker where url.pathExtension == "json" {
            out.append(try ResultsJSON.read(ProbeRun.self, from: url))
        }
        return out.sorted { ($0.task, $0.language, $0.name) < ($1.task, $1.language, $1.name) }
    }

    /// The metrics.jsonl lines of this probe (one per k, seed and layer); `method` holds the probe's file name.
    public var records: [ScoreRecord] {
        scores.map {
            ScoreRecord(evaluation: "probe", task: task, language: language, split: evalSplit, metric: $0.metric, interval: $0.interval,
                        examples: $0.examples, regime: regime, method: name, k: $0.k, seed: $0.seed, layer: $0.layer)
        }
    }
}
