import Data
import Foundation
import Models
import Platform
import Runs
import Text

/// What one task type does, from examples to scores: encode (examples → features with training targets),
/// collate (`BatchAssembly`: features → a padded batch and the head's targets), the loss (the head's, on
/// those targets), predict (examples → one `PredictionRecord` each) and score (`PredictionScoring`, one
/// implementation of every metric). The trainer's dev pass and `polyglot eval` both go through `evaluate`
/// and `predict`, so model selection and reporting measure the same thing.
public protocol TaskFamily {
    var spec: TaskSpec { get }
    /// The head the task trains and is predicted by.
    var head: HeadSpec { get }
    /// Sequences one feature puts in a batch (multiple choice: one per choice; retrieval: source and partner).
    var sequencesPerFeature: Int { get }
    /// Features of `examples`: one per example, or several (question-answering and tagging windows); each
    /// feature records the example it came from.
    func encode(_ examples: [Example], tokenizer: Tokenizer) throws -> EncodedExamples
    /// One prediction record per example, in order.
    func predict(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord]
    /// Point values of the task's dev metrics (what the trainer selects on).
    func evaluate(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int, metrics: [String]) throws -> [String: Double]
}

extension TaskFamily {
    public var sequencesPerFeature: Int { 1 }

    public func evaluate(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int, metrics: [String]) throws -> [String: Double] {
        let records = try predictSharingRanks(encoded, model: model, batchSize: batchSize)
        let language = encoded.examples.first?.language ?? ""
        return try PredictionScoring(spec: spec, language: language, records: records, source: "task \(spec.name) \(language)").values(metrics)
    }

    /// `predict` split over the ranks of a distributed job: each rank predicts a contiguous share of the examples
    /// and every rank returns all the records, in order. One process, or a retrieval task (each source is ranked
    /// against every target): `predict` itself.
    public func predictSharingRanks(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord] {
        guard Distributed.isActive, spec.type != .retrieval else { return try predict(encoded, model: model, batchSize: batchSize) }
        return try SharedPrediction.records(examples: encoded.examples.count) {
            try predict(encoded.subset(examples: $0), model: model, batchSize: batchSize)
        }
    }

    /// Runs `body` over consecutive feature ranges of at most `size` features.
    func batches(_ count: Int, _ size: Int, _ body: (Range<Int>) throws -> Void) rethrows {
        var start = 0
        while start < count {
            let end = min(count, start + max(1, size))
            try body(start..<end)
            start = end
        }
    }

    func prediction<T>(_ value: HeadPrediction, _ what: String, _ pick: (HeadPrediction) -> T?) throws -> T {
        guard let v = pick(value) else { throw ConfigError(key: "head", "head '\(head.name)' does not predict \(what)") }
        return v
    }
}

/// Per-example predictions split over the ranks of a distributed job: `predict` runs on this rank's contiguous
/// share of the examples (`Distributed.share`), rank 0 gathers the records in rank order and every rank gets
/// them all, so each can score (the trainer's selection) and rank 0 can write. One process: `predict(0..<count)`.
public enum SharedPrediction {
    public static func records(examples count: Int, _ predict: (Range<Int>) throws -> [PredictionRecord]) throws -> [PredictionRecord] {
        guard Distributed.isActive else { return try predict(0..<count) }
        let records = try predict(Distributed.share(of: count))
        let gathered = try Distributed.gather(records)
        return try Distributed.broadcast(gathered.map { $0.flatMap { $0 } })
    }
}

/// A task's examples as features, with what a prediction needs to map features back to examples.
public struct EncodedExamples {
    public var examples: [Example]
    /// The tokenizer that made the features (prediction may encode more with it).
    public var tokenizer: Tokenizer
    public var features: [EncodedExample]
    /// What the encoding left out or split, per kind (`windows`, `answers-outside-window`, …), for the run's report.
    public var report: EncodingReport
    /// Span QA: each example's context tokens (their byte ranges), indexed like `examples`.
    public var spanEncodings: [SpanExampleEncoding]

    public init(examples: [Example], tokenizer: Tokenizer, features: [EncodedExample], report: EncodingReport = EncodingReport(),
                spanEncodings: [SpanExampleEncoding] = []) {
        self.examples = examples; self.tokenizer = tokenizer; self.features = features; self.report = report; self.spanEncodings = spanEncodings
    }

    /// The examples `range` with their features (renumbered from 0) and span encodings.
    public func subset(examples range: Range<Int>) -> EncodedExamples {
        var kept: [EncodedExample] = []
        for var f in features where range.contains(f.example) {
            f.example -= range.lowerBound
            kept.append(f)
        }
        return EncodedExamples(examples: Array(examples[range]), tokenizer: tokenizer, features: kept, report: report,
                               spanEncodings: spanEncodings.isEmpty ? [] : Array(spanEncodings[range]))
    }

    /// Feature indices of each example, in order.
    public var featuresOfExample: [[Int]] {
        var out = [[Int]](repeating: [], count: examples.count)
        for (i, f) in features.enumerated() { out[f.example].append(i) }
        return out
    }
}

/// Counts of what an encoding policy did to examples (nothing is dropped silently).
public struct EncodingReport: Codable, Equatable, Sendable {
    public var counts: [String: Int] = [:]
    public init() {}
    public mutating func add(_ key: String, _ n: Int = 1) { counts[key, default: 0] += n }
    public mutating func merge(_ other: EncodingReport) { for (k, v) in other.counts { counts[k, default: 0] += v } }
    public var isEmpty: Bool { counts.values.allSatisfy { $0 == 0 } }
    /// `key=n` pairs, sorted.
    public var summary: String { counts.keys.sorted().filter { counts[$0]! > 0 }.map { "\($0)=\(counts[$0]!)" }.joined(separator: " ") }
}

/// The one place a task type becomes its family.
public enum TaskFamilies {
    /// Task types the trainer has features, targets, losses and dev metrics for.
    public static let trainableTypes: Set<TaskType> = [.classification, .pairClassification, .regression, .tagging, .spanQA,
                                                       .multipleChoice, .mlm, .retrieval]

    /// The head a task trains, named after the task (or the task it shares a head with).
    public static func headSpec(_ spec: TaskSpec, labels: LabelSet?) -> HeadSpec {
        let kind: HeadKind
        switch spec.type {
        case .classification: kind = .sequenceClassification
        case .pairClassification: kind = .pairClassification
        case .regression: kind = .regression
        case .tagging: kind = .tokenTagging
        case .mlm: kind = .mlm
        case .spanQA: kind = .spanQA
        case .multipleChoice: kind = .multipleChoice
        case .retrieval: kind = spec.scoring == .lateInteraction ? .lateInteraction : .embedding
        }
        return HeadSpec(name: TaskCatalog.headName(spec), kind: kind, labels: labels?.names ?? [],
                        numChoices: spec.type == .multipleChoice ? spec.columns?.choices?.count ?? 2 : 2)
    }

    /// The family of a task whose head is `head` (nil: the task's own head spec).
    /// `seed` drives masked-LM dev masks; `retrieval` how a retrieval task embeds when the model has no trained head for it.
    public static func make(_ spec: TaskSpec, labels: LabelSet?, head: HeadSpec? = nil, seed: UInt64 = 0,
                            retrieval: RetrievalSettings = RetrievalSettings(), masking: BatchAssembly.MaskingTokens? = nil) -> TaskFamily {
        let head = head ?? headSpec(spec, labels: labels)
        switch spec.type {
        case .classification, .pairClassification: return ClassificationTask(spec: spec, head: head)
        case .regression: return RegressionTask(spec: spec, head: head)
        case .tagging: return TaggingTask(spec: spec, head: head)
        case .spanQA: return SpanQATask(spec: spec, head: head)
        case .multipleChoice: return MultipleChoiceTask(spec: spec, head: head)
        case .mlm: return MaskedLMTask(spec: spec, head: head, seed: seed, masking: masking)
        case .retrieval: return RetrievalTask(spec: spec, head: head, settings: retrieval)
        }
    }
}
