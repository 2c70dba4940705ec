import Data
import Foundation
import Platform
import Runs

/// Recomputes a task's metrics from its prediction records, as a function of example indices so the
/// bootstrap resamples whole examples (sentences for tagging, questions for QA, queries for retrieval).
public struct PredictionScoring {
    public let type: TaskType
    public let records: [PredictionRecord]
    /// Where the records came from, for errors.
    public let source: String
    /// How span-QA answers are normalized (`AnswerNormalization.of(_:language:)` gives a task's).
    public let normalization: AnswerNormalization

    public init(type: TaskType, records: [PredictionRecord], source: String, normalization: AnswerNormalization = .squad) {
        self.type = type; self.records = records; self.source = source; self.normalization = normalization
    }

    /// A task's scoring in one language (its answer normalization, for span QA).
    public init(spec: TaskSpec, language: String, records: [PredictionRecord], source: String) throws {
        self.init(type: spec.type, records: records, source: source, normalization: try AnswerNormalization.of(spec, language: language))
    }

    /// The metrics a task type can be scored on from its predictions.
    public static func metrics(for type: TaskType) -> [String] { type == .mlm ? [] : type.metricNames }

    /// Whether a larger value of the metric is better.
    public static func higherIsBetter(_ metric: String) -> Bool { !(metric == "mse" || metric == "perplexity") }

    /// Values are fractions shown ×100 in tables, except errors and correlations' scale-free numbers.
    public static func displayScale(_ metric: String) -> Double { metric == "mse" || metric == "perplexity" ? 1 : 100 }

    /// The metric as a function of example indices (with repeats).
    public func metric(_ name: String) throws -> ([Int]) throws -> Double {
        let r = records
        func bad(_ message: String) -> MetricInputError { MetricInputError(metric: name, "\(source): \(message)") }
        func need<T>(_ value: T?, _ message: @autoclosure () -> String) throws -> T {
            guard let value else { throw bad(message()) }
            return value
        }
        switch (type, name) {
        case (.classification, _), (.pairClassification, _), (.multipleChoice, _):
            let gold = try r.enumerated().map { i, x in try need(x.gold.label ?? x.gold.index.map(String.init), "record \(i + 1) (\(x.id)): gold is not a label") }
            let pred = try r.enumerated().map { i, x in try need(x.predicted.label ?? x.predicted.index.map(String.init), "record \(i + 1) (\(x.id)): prediction is not a label") }
            switch name {
            case "accuracy": return { idx in try Metrics.accuracy(gold: idx.map { gold[$0] }, pred: idx.map { pred[$0] }) }
            case "macro_f1": return { idx in try Metrics.macroF1(gold: idx.map { gold[$0] }, pred: idx.map { pred[$0] }) }
            case "micro_f1": return { idx in try Metrics.microF1(gold: idx.map { gold[$0] }, pred: idx.map { pred[$0] }) }
            default: break
            }
        case (.regression, _):
            let gold = try r.enumerated().map { i, x in try need(x.gold.number, "record \(i + 1) (\(x.id)): gold is not a number") }
            let pred = try r.enumerated().map { i, x in try need(x.predicted.number, "record \(i + 1) (\(x.id)): prediction is not a number") }
            switch name {
            case "pearson": return { idx in try Correlation.pearson(idx.map { pred[$0] }, idx.map { gold[$0] }) }
            case "spearman": return { idx in try Correlation.spearman(idx.map { pred[$0] }, idx.map { gold[$0] }) }
            case "mse": return { idx in
                guard !idx.isEmpty else { return .nan }
                var s = 0.0
                for i in idx { s += (pred[i] - gold[i]) * (pred[i] - gold[i]) }
                return s / Double(idx.count)
            }
            default: break
            }
        case (.tagging, _):
            let gold = try r.enumerated().map { i, x in try need(x.gold.tags, "record \(i + 1) (\(x.id)): gold is not a list of tags") }
            let pred = try r.enumerated().map { i, x in try need(x.predicted.tags, "record \(i + 1) (\(x.id)): prediction is not a list of tags") }
            for i in r.indices where gold[i].count != pred[i].count {
                throw bad("record \(i + 1) (\(r[i].id)): \(gold[i].count) gold tags, \(pred[i].count) predicted")
            }
            switch name {
            case "accuracy": return { idx in try Metrics.tokenAccuracy(gold: idx.map { gold[$0] }, pred: idx.map { pred[$0] }) }
            case "macro_f1": return { idx in try Metrics.macroF1(gold: idx.flatMap { gold[$0] }, pred: idx.flatMap { pred[$0] }) }
            case "span_f1":
                let counts = try SeqEval.sentenceCounts(gold: gold, pred: pred)
                return { idx in SeqEval.microF1(counts, indices: idx) }
            default: break
            }
        case (.spanQA, _):
            let gold = try r.enumerated().map { i, x in try need(x.gold.tags ?? x.gold.label.map { [$0] }, "record \(i + 1) (\(x.id)): gold is not a list of answers") }
            let pred = try r.enumerated().map { i, x in try need(x.predicted.label, "record \(i + 1) (\(x.id)): prediction is not an answer string") }
            let scores = try AnswerOverlap.score(predictions: pred, golds: gold, normalization: normalization)
            let per = name == "exact_match" ? scores.perQuestionExactMatch : scores.perQuestionF1
            if name == "exact_match" || name == "f1" { return { idx in Self.mean(per, idx) } }
        case (.retrieval, _):
            var hits: [Double] = [], reverse: [Double] = [], reciprocal: [Double] = []
            let golds = r.map(\.gold.index)
            for (i, x) in r.enumerated() {
                guard let g = x.gold.index, let p = x.predicted.index else { throw bad("record \(i + 1) (\(x.id)): gold and prediction must be indices") }
                hits.append(g == p ? 1 : 0)
                // The partner retrieved a source whose own partner is this one (the same one, or one with the same text).
                if let q = x.predictedReverse {
                    guard golds.indices.contains(q) else { throw bad("record \(i + 1) (\(x.id)): predicted_reverse \(q) is not a record") }
                    reverse.append(golds[q] == g ? 1 : 0)
                }
                if let rank = x.goldRank { reciprocal.append(1 / Double(rank)) }
            }
            switch name {
            case "accuracy": return { idx in Self.mean(hits, idx) }
            case "accuracy_reverse":
                guard reverse.count == r.count else { throw bad("records lack predicted_reverse") }
                return { idx in Self.mean(reverse, idx) }
            case "mrr":
                guard reciprocal.count == r.count else { throw bad("records lack gold_rank") }
                return { idx in Self.mean(reciprocal, idx) }
            default: break
            }
        case (.mlm, _):
            break
        }
        throw MetricInputError(metric: name, "is not a metric of \(type.rawValue) predictions (have: \(Self.metrics(for: type).joined(separator: ", ")))")
    }

    static func mean(_ v: [Double], _ idx: [Int]) -> Double {
        guard !idx.isEmpty else { return .nan }
        var s = 0.0
        for i in idx { s += v[i] }
        return s / Double(idx.count)
    }

    /// Every named metric on all records (the point values the trainer selects on).
    public func values(_ metrics: [String]) throws -> [String: Double] {
        guard !records.isEmpty else { throw MetricInputError(metric: metrics.first ?? "metric", "\(source): no predictions to score") }
        let all = Array(records.indices)
        var out: [String: Double] = [:]
        for m in metrics { out[m] = try metric(m)(all) }
        return out
    }
}

extension AnswerNormalization {
    /// The normalization a span-QA task scores `language` with: SQuAD v1.1's unless the spec says `mlqa`, which
    /// needs a language MLQA's script knows.
    public static func of(_ spec: TaskSpec, language: String) throws -> AnswerNormalization {
        guard spec.type == .spanQA, spec.answerNormalization == .mlqa else { return .squad }
        guard let l = MLQALanguage(rawValue: language) else {
            throw ConfigError(file: spec.sourcePath, key: "answer_normalization",
                              "mlqa normalization covers \(MLQALanguage.allCases.map(\.rawValue).joined(separator: ", ")), not '\(language)'")
        }
        return .mlqa(l)
    }

    /// The name recorded with results: `squad` or `mlqa`.
    public var family: String {
        if case .squad = self { return "squad" }
        return "mlqa"
    }
}
