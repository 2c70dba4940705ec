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
                let ua = a.predictions(task: ta.task, language: la.language), ub = b.predictions(task: ta.task, language: la.language)
                let pa = try PredictionRecord.read(ua), pb = try PredictionRecord.read(ub)
                let indexB = Dictionary(pb.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { x, _ in x })
                let shared = pa.filter { indexB[$0.id] != nil }
                guard !shared.isEmpty else {
                    throw FileError(path: ub.path, "shares no example id with \(ua.path): the runs scored different data")
                }
                let alignedB = shared.map { pb[indexB[$0.id]!] }
                for (i, r) in shared.enumerated() where r.gold != alignedB[i].gold {
                    throw FileError(path: ub.path, "example \(r.id): gold differs from \(ua.path) (\(r.gold) vs \(alignedB[i].gold))")
                }
                let normalization: AnswerNormalization = ta.answerNormalization == "mlqa" ? try .mlqa(code: la.language) : .squad
                let fa = try PredictionScoring(type: type, records: shared, source: ua.path, normalization: normalization).metric(ta.majorMetric)
                let fb = try PredictionScoring(type: type, records: alignedB, source: ub.path, normalization: normalization).metric(ta.majorMetric)
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
