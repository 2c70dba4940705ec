import Data
import Engine
import Foundation
import Models
import Platform
import Runs
import Tasks

/// Which encoder layer a feature probe reads.
public enum LayerChoice: Equatable, Sendable {
    case last
    case index(Int)
    /// Every layer, 0 (embeddings) to the last: a layer-wise probing curve.
    case all

    /// `last`, `all` or a number.
    public init(parsing text: String) throws {
        switch text {
        case "last": self = .last
        case "all": self = .all
        default:
            guard let n = Int(text), n >= 0 else { throw ConfigError(key: "layer", "expected a layer number, 'last' or 'all', found '\(text)'") }
            self = .index(n)
        }
    }

    public var label: String {
        switch self {
        case .last: return "last"
        case .all: return "all"
        case .index(let n): return String(n)
        }
    }
}

/// What `polyglot probe` runs.
public struct ProbeOptions: Sendable {
    public var task: String
    /// Target language (nil: the task's first evaluation language in the experiment).
    public var language: String?
    public var ks: [Int] = [1, 2, 4, 8, 16, 32]
    /// Seeds 0..<seeds.
    public var seeds = 5
    public var method = ProbeMethod.linear
    public var layer = LayerChoice.last
    /// nil: per class.
    public var unit: ShotUnit?
    public var pooling = Pooling.mean
    public var locations = EvaluationPaths()
    public var checkpoint: String?
    public var batchSize: Int?
    /// Scored examples (nil: the experiment's `data.max_eval_examples`; 0: all).
    public var maxEvalExamples: Int?
    public var linear = LinearProbe.Settings()
    /// Fine-tuning: optimizer steps over the shots (full batch), AdamW learning rate.
    public var finetuneSteps = 30
    public var finetuneLearningRate = 1e-4
    public var resamples = 1000
    /// Adapter folders loaded into the model's adapter slots first (`--adapter SLOT=DIR`).
    public var adapters: [AdapterOverride] = []
    public var log: @Sendable (String) -> Void = { _ in }
    public init(task: String) { self.task = task }
}

/// Few-shot probes of a trained run: for every k and seed a shot set is drawn from the target language's
/// pool (train split, else dev), the probe is fit on it and scored on the language's test split (else dev).
public enum ProbeRunner {
    public static func run(path: String, options o: ProbeOptions) throws -> ProbeRun {
        let run = try TrainedRun(path: path, locations: o.locations, checkpoint: o.checkpoint, batchSize: o.batchSize)
        let spec = try run.spec(o.task)
        guard spec.type == .classification || spec.type == .pairClassification else {
            throw ConfigError(key: "task", "few-shot probes take classification or pair-classification tasks; '\(spec.name)' is \(spec.type.rawValue)")
        }
        let entry = run.experiment.allTasks.first { $0.name == spec.name }
        guard let language = o.language ?? entry?.evalLanguages.first else {
            throw ConfigError(key: "language", "task '\(spec.name)' has no evaluation language in the experiment: name one with --language")
        }
        guard let labels = try LabelSet.of(spec, dataRoot: run.dataRoot) else { throw ConfigError(key: "labels", "task '\(spec.name)' has no labels") }
        let loadedAdapters = try run.loadAdapters(o.adapters)
        let languageAdapter = try run.languageAdapterSwitch(overrides: o.adapters)?.use(language)
        let splits = spec.splits(for: language)
        guard !splits.isEmpty else {
            throw ConfigError(key: "language", "task '\(spec.name)' has no data in '\(language)' (has: \(spec.languageCodes.joined(separator: ", ")))")
        }
        let poolSplit: Split = splits.contains(.train) ? .train : .dev
        guard let evalSplit = [Split.test, .dev].first(where: { splits.contains($0) && $0 != poolSplit }) else {
            throw ConfigError(key: "language", "task '\(spec.name)' in '\(language)' needs two splits (shots and scoring); it has \(splits.map(\.rawValue).joined(separator: ", "))")
        }
        let pool = try run.examples(spec, language: language, split: poolSplit, cap: nil)
        let cap: Int? = o.maxEvalExamples.map { $0 == 0 ? nil : $0 } ?? run.experiment.data.maxEvalExamples
        let scored = try run.examples(spec, language: language, split: evalSplit, cap: cap)
        let unit = o.unit ?? .perClass
        let groups = pool.map { unit == .perClass ? ($0.label ?? "") : $0.language }
        let ks = Array(Set(o.ks)).sorted()
        guard o.seeds > 0 else { throw ConfigError(key: "seeds", "needs at least one seed") }
        let seeds = (0..<o.seeds).map(UInt64.init)
        let stream = "\(spec.name)/\(language)"
        var shots: [ShotSet] = []
        for s in seeds { shots += try ShotSampler.sample(groups: groups, ids: pool.map(\.id), ks: ks, seed: s, unit: unit, stream: stream) }

        guard spec.type == .classification || spec.type == .pairClassification else {
            throw ConfigError(key: "task", "task '\(spec.name)' is \(spec.type.rawValue): probes fit classifiers on pooled features (classification and pair classification)")
        }
        let family = TaskFamilies.make(spec, labels: labels)
        let poolEncoded = try family.encode(pool, tokenizer: run.tokenizer).features
        let scoredExamples = try family.encode(scored, tokenizer: run.tokenizer)
        let scoredEncoded = scoredExamples.features
        let poolLabels = poolEncoded.map { if case .label(let l) = $0.target { return Int(l) } else { return -1 } }
        let metric = spec.majorMetric
        let head = TaskCatalog.headName(spec)
        let regime = run.seen.regime(head: head, language: language)
        var scores: [ProbeScore] = []

        func score(_ predicted: [Int], names: [String], k: Int, seed: UInt64, layer: Int?) throws {
            try score(zip(scored, predicted).map { ex, p in PredictionRecord(id: ex.id, gold: .label(ex.label ?? ""), predicted: .label(names[p])) },
                      k: k, seed: seed, layer: layer)
        }
        func score(_ records: [PredictionRecord], k: Int, seed: UInt64, layer: Int?) throws {
            let ci = try PredictionScoring(type: spec.type, records: records, source: "probe \(spec.name) \(language)")
                .scores([metric], seed: seed, resamples: o.resamples)[metric]!
            scores.append(ProbeScore(k: k, seed: seed, layer: layer, metric: metric, interval: ci, examples: records.count))
        }

        var settings: [String: Double] = ["pooling_mean": o.pooling == .mean ? 1 : 0]
        switch o.method {
        case .linear, .centroid:
            let top = run.model.config.encoder.numLayers
            let layers: [Int]
            switch o.layer {
            case .last: layers = [top]
            case .index(let n):
                guard (0...top).contains(n) else {
                    throw ConfigError.layerOutOfRange(n, layers: top)
                }
                layers = [n]
            case .all: layers = Array(0...top)
            }
            let poolFeatures = try FeatureExtractor.features(model: run.model, examples: poolEncoded, layers: layers, pooling: o.pooling,
                                                             batchSize: run.batchSize)
            let scoredFeatures = try FeatureExtractor.features(model: run.model, examples: scoredEncoded, layers: layers, pooling: o.pooling,
                                                               batchSize: run.batchSize)
            if o.method == .linear {
                settings["steps"] = Double(o.linear.steps); settings["learning_rate"] = o.linear.learningRate; settings["l2"] = o.linear.l2
            }
            for set in shots {
                let idx = set.allIndices
                for l in layers {
                    let x = poolFeatures[l]!.selecting(idx)
                    let y = idx.map { poolLabels[$0] }
                    let predicted: [Int]
                    if o.method == .linear {
                        predicted = try LinearProbe(features: x, labels: y, classCount: labels.count, settings: o.linear).predict(scoredFeatures[l]!)
                    } else {
                        predicted = try CentroidProbe(features: x, labels: y, classCount: labels.count).predict(scoredFeatures[l]!)
                    }
                    try score(predicted, names: labels.names, k: set.k, seed: set.seed, layer: l)
                }
                o.log("probe \(o.method.rawValue) \(spec.name) \(language) k=\(set.k) seed=\(set.seed) done")
            }
        case .finetune:
            guard run.model.heads[head] != nil else {
                throw ConfigError(key: "method", "fine-tuning continues the run's head for '\(spec.name)', but the model has none (heads: \(run.model.heads.keys.sorted().joined(separator: ", ")))")
            }
            settings["steps"] = Double(o.finetuneSteps); settings["learning_rate"] = o.finetuneLearningRate
            let weights = try SafetensorsFile(url: run.checkpointDirectory.appendingPathComponent(ModelCheckpoint.weightsFile))
            let headFamily = TaskFamilies.make(spec, labels: labels, head: try run.model.head(head).spec)
            let headLabels = headFamily.head.labels
            let headIndex = Dictionary(headLabels.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
            // Targets in the head's label order (a shared head may order labels differently from the spec).
            func retarget(_ e: EncodedExample) throws -> EncodedExample {
                guard case .label(let l) = e.target, let id = headIndex[labels.names[Int(l)]] else {
                    throw ConfigError(key: "labels", "label of task '\(spec.name)' is not a label of head '\(head)'")
                }
                var out = e
                out.target = .label(Int32(id))
                return out
            }
            let poolForHead = try poolEncoded.map(retarget)
            for set in shots {
                for entry in run.model.store.entries { try run.model.store.set(entry.name, values: try weights.floats(entry.name)) }
                run.model.encoder.dropoutStream = RandomStream(seed: set.seed, name: "probe-dropout/\(stream)/k\(set.k)")
                run.model.headDropoutStream = RandomStream(seed: set.seed, name: "probe-head-dropout/\(stream)/k\(set.k)")
                let optimizer = try AdamW(store: run.model.store)
                let train = set.allIndices.map { poolForHead[$0] }
                for _ in 0..<o.finetuneSteps {
                    run.model.store.zeroGradients()
                    var start = 0
                    while start < train.count {
                        let chunk = Array(train[start..<min(train.count, start + run.batchSize)])
                        let collated = BatchAssembly.collate(chunk, pad: run.pad)
                        // Each chunk's mean loss weighted by its share of the shots gives the full-batch gradient.
                        let share = Float(chunk.count) / Float(train.count)
                        let before = run.model.store.gradients.toArray()
                        run.model.store.zeroGradients()
                        _ = try run.model.loss(head: head, batch: collated.batch, targets: collated.targets, training: true, backward: true)
                        let g = run.model.store.gradients.buffer
                        for i in g.indices { g[i] = before[i] + share * g[i] }
                        run.model.store.markAllGradientRows()  // the sum holds the earlier chunks' rows too
                        start += chunk.count
                    }
                    _ = try GradientClipping.clip(run.model.store, maxNorm: 1)
                    optimizer.step(learningRate: Float(o.finetuneLearningRate))
                }
                try score(try headFamily.predict(scoredExamples, model: run.model, batchSize: run.batchSize), k: set.k, seed: set.seed, layer: nil)
                o.log("probe finetune \(spec.name) \(language) k=\(set.k) seed=\(set.seed) done")
            }
        }
        var result = ProbeRun(task: spec.name, language: language, method: o.method, layers: o.method == .finetune ? "last" : o.layer.label,
                              unit: unit, ks: ks, seeds: seeds, poolSplit: poolSplit.rawValue, evalSplit: evalSplit.rawValue, metric: metric,
                              regime: regime, settings: settings, shots: shots, scores: scores, aggregates: ProbeRun.aggregate(scores))
        result.adapters = loadedAdapters.isEmpty ? nil : loadedAdapters
        result.languageAdapter = languageAdapter
        try result.write(run.layout)
        let name = result.name
        try ScoreRecord.update(run.layout, replacing: {
            $0.evaluation == "probe" && $0.task == result.task && $0.language == result.language && $0.method == name
        }, with: result.records)
        try ReportBuilder.regenerate(run.layout)
        return result
    }
}
