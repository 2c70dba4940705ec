import Data
import Foundation
import Runs
import Tasks
import Platform

/// Per-language differences between two evaluated runs, each tested with a paired bootstrap over the
/// examples both scored (matched by id), recomputed from their prediction files.
public struct RunComparison: Codable, Equatable, Sendable {
    public struct Row: Codable, Equatable, Sendable {
        public var task: String
        public var language: String
        public var metric: String
        public var examples: Int
        public var a: Double
        public var b: Double
        /// a − b with its bootstrap interval and two-sided p-value.
        public var delta: Double
        public var lower: Double
        public var upper: Double
        public var pValue: Double

        enum CodingKeys: String, CodingKey { case task, language, metric, examples, a, b, delta, lower, upper, pValue = "p_value" }
    }

    public var runA: String
    public var runB: String
    public var resamples: Int
    public var seed: UInt64
    public var rows: [Row]
    /// Task/language pairs scored by only one of the runs.
    public var unmatched: [String]

    enum CodingKeys: String, CodingKey { case runA = "run_a", runB = "run_b", resamples, seed, rows, unmatched }

    public static func compare(_ a: ResultsLayout, _ b: ResultsLayout, resamples: Int = 1000, seed: UInt64 = 0,
                               level: Double = 0.95) throws -> RunComparison {
        let sa = try EvaluationSummary.read(a), sb = try EvaluationSummary.read(b)
        var rows: [Row] = [], unmatched: [String] = []
        for ta in sa.tasks {
            guard let tb = sb.tasks.first(where: { $0.task == ta.task }) else { unmatched.append("\(ta.task) (only in A)"); continue }
            guard let type = TaskType(rawValue: ta.type) else { throw FileError(path: a.summary.path, "task \(excerpt(ta.task)): unknown type '\(excerpt(ta.type))' (expected one of: \(TaskType.choices))") }
            for la in ta.languages {
                guard tb.languages.contains(where: { $0.language == la.language }) else { unmatched.append("\(ta.task) \(la.language) (only in A)"); continue }
                let matched = try MatchedPredictions.load([a, b], task: ta.task, language: la.language)
                let normalization: AnswerNormalization = ta.answerNormalization == "mlqa" ? try .mlqa(code: la.language) : .squad
                let fa = try matched.metric(run: 0, type: type, metric: ta.majorMetric, normalization: normalization)
                let fb = try matched.metric(run: 1, type: type, metric: ta.majorMetric, normalization: normalization)
                let shared = matched.ids
                let all = Array(shared.indices)
                let test = try Bootstrap.pairedTest(count: shared.count, seed: seed, resamples: resamples, level: level, metricA: fa, metricB: fb)
                rows.append(Row(task: ta.task, language: la.language, metric: ta.majorMetric, examples: shared.count,
                                a: try fa(all), b: try fb(all), delta: test.delta, lower: test.deltaInterval.lower,
                                upper: test.deltaInterval.upper, pValue: test.pValue))
            }
            for lb in tb.languages where !ta.languages.contains(where: { $0.language == lb.language }) {
                unmatched.append("\(ta.task) \(lb.language) (only in B)")
            }
        }
        for tb in sb.tasks where !sa.tasks.contains(where: { $0.task == tb.task }) { unmatched.append("\(tb.task) (only in B)") }
        return RunComparison(runA: a.root.path, runB: b.root.path, resamples: resamples, seed: seed, rows: rows, unmatched: unmatched)
    }

    /// A Markdown table of the rows (scores ×100 for fractions).
    public func markdown() -> String {
        var t = MarkdownTable(columns: [.init("task"), .init("language"), .init("metric"), .init("n", alignment: .right),
                                        .init("A", alignment: .right), .init("B", alignment: .right), .init("A − B [95% CI]", alignment: .right),
                                        .init("p", alignment: .right)])
        for r in rows {
            let s = PredictionScoring.displayScale(r.metric)
            let f = { (v: Double) in ScoreFormat.number(v, decimals: 1, scale: s) }
            try? t.append([r.task, r.language, r.metric, String(r.examples), f(r.a), f(r.b),
                           "\(f(r.delta)) [\(f(r.lower)), \(f(r.upper))]", ScoreFormat.number(r.pValue, decimals: 3)])
        }
        var out = "A: \(runA)\nB: \(runB)\nPaired bootstrap over shared examples (\(resamples) resamples, seed \(seed)).\n\n" + t.render()
        if !unmatched.isEmpty { out += "\nNot compared (scored by one run only): \(unmatched.joined(separator: "; "))\n" }
        return out
    }
}

/// The prediction records of several evaluated runs for one task and language, kept to the examples every run
/// scored (matched by id, in the first run's order) and checked to have the same gold answers: what a paired
/// test compares.
struct MatchedPredictions {
    var ids: [String]
    /// Per run, the records of `ids` in that order.
    var records: [[PredictionRecord]]
    var sources: [String]

    static func load(_ runs: [ResultsLayout], task: String, language: String) throws -> MatchedPredictions {
        let urls = runs.map { $0.predictions(task: task, language: language) }
        let all = try urls.map { try PredictionRecord.read($0) }
        guard let first = all.first else { return MatchedPredictions(ids: [], records: [], sources: []) }
        let indexes = all.map { records in Dictionary(records.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { x, _ in x }) }
        let shared = first.filter { r in indexes.allSatisfy { $0[r.id] != nil } }
        for (k, index) in indexes.enumerated().dropFirst() {
            guard first.contains(where: { index[$0.id] != nil }) else {
                throw FileError(path: urls[k].path, "shares no example id with \(urls[0].path): the runs scored different data")
            }
        }
        if shared.isEmpty { throw FileError(path: urls[0].path, "no example id is shared by all of \(urls.count) runs: they scored different data") }
        var aligned: [[PredictionRecord]] = [shared]
        for k in 1..<all.count {
            let records = shared.map { all[k][indexes[k][$0.id]!] }
            for (i, r) in shared.enumerated() where r.gold != records[i].gold {
                throw FileError(path: urls[k].path, "example \(r.id): gold differs from \(urls[0].path) (\(r.gold) vs \(records[i].gold))")
            }
            aligned.append(records)
        }
        return MatchedPredictions(ids: shared.map(\.id), records: aligned, sources: urls.map(\.path))
    }

    /// The metric of run `run` over a resample of example positions.
    func metric(run: Int, type: TaskType, metric: String, normalization: AnswerNormalization) throws -> ([Int]) throws -> Double {
        try PredictionScoring(type: type, records: records[run], source: sources[run], normalization: normalization).metric(metric)
    }
}
