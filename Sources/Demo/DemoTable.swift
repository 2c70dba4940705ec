import Data
import Evaluation
import Foundation
import Runs
import Tasks
import Platform

/// The demo's closing table: per task and group of held-out languages (by how they relate to the training
/// languages), the mean zero-shot score against the mean in-language score (the training languages) and
/// the majority-class baseline of the same evaluation examples; and every held-out language that does not
/// beat its baseline.
public struct DemoTable: Sendable {
    public struct Row: Sendable, Equatable {
        public var task: String
        /// `cross-lingual` (the task trained) or `held-out-task` (label matching).
        public var evaluation: String
        public var group: DemoLanguageSplit.Relation
        public var languages: Int
        public var inLanguage: Double?
        public var zeroShot: Double
        public var majority: Double
        /// Held-out languages of the group whose score beats their majority baseline.
        public var aboveMajority: Int
    }

    public struct Miss: Sendable, Equatable {
        public var task: String
        public var language: String
        public var group: DemoLanguageSplit.Relation
        public var score: Double
        public var majority: Double
    }

    public var rows: [Row]
    public var misses: [Miss]
    public var metric: [String: String]

    /// Majority-class baseline of one language's predictions: the share of the most frequent gold label
    /// (or, for tagging, of the most frequent gold tag over all words) — what always predicting it scores
    /// in accuracy.
    public static func majorityBaseline(_ records: [PredictionRecord]) -> Double {
        var counts: [String: Int] = [:]
        var total = 0
        for r in records {
            switch r.gold {
            case .label(let l): counts[l, default: 0] += 1; total += 1
            case .tags(let tags): for t in tags { counts[t, default: 0] += 1 }; total += tags.count
            case .number, .index: break
            }
        }
        return total == 0 ? .nan : Double(counts.values.max() ?? 0) / Double(total)
    }

    public static func build(summary: EvaluationSummary, layout: ResultsLayout, split: DemoLanguageSplit,
                             languages: LanguageRegistry) throws -> DemoTable {
        var rows: [Row] = [], misses: [Miss] = []
        var metric: [String: String] = [:]
        let heldOut = Set(split.heldOut)
        for task in summary.tasks {
            metric[task.task] = task.majorMetric
            let trainedScores = task.languages.filter { split.training.contains($0.language) }.compactMap { $0.metrics[task.majorMetric]?.estimate }
            let inLanguage = trainedScores.isEmpty ? nil : trainedScores.reduce(0, +) / Double(trainedScores.count)
            var byGroup: [DemoLanguageSplit.Relation: [(score: Double, majority: Double)]] = [:]
            for l in task.languages where heldOut.contains(l.language) && l.regime == .zeroShot {
                guard let score = l.metrics[task.majorMetric]?.estimate else { continue }
                let records = try PredictionRecord.read(layout.predictions(task: task.task, language: l.language))
                let majority = majorityBaseline(records)
                let group = split.relation(of: l.language, languages: languages)
                byGroup[group, default: []].append((score, majority))
                if !(score > majority) {
                    misses.append(Miss(task: task.task, language: l.language, group: group, score: score, majority: majority))
                }
            }
            for group in DemoLanguageSplit.Relation.allCases {
                guard let v = byGroup[group], !v.isEmpty else { continue }
                let n = Double(v.count)
                rows.append(Row(task: task.task, evaluation: task.evaluation, group: group, languages: v.count, inLanguage: inLanguage,
                                zeroShot: v.map(\.score).reduce(0, +) / n, majority: v.map(\.majority).reduce(0, +) / n,
                                aboveMajority: v.filter { $0.score > $0.majority }.count))
            }
        }
        return DemoTable(rows: rows, misses: misses, metric: metric)
    }

    /// The table as aligned Markdown (scores ×100).
    public func markdown() throws -> String {
        var t = MarkdownTable(columns: [.init("task"), .init("held-out languages"), .init("n", alignment: .right),
                                        .init("in-language", alignment: .right), .init("zero-shot", alignment: .right),
                                        .init("majority", alignment: .right), .init("above majority", alignment: .right)])
        func pct(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.1f", $0 * 100) : "–" } ?? "–" }
        for r in rows {
            let name = r.evaluation == "held-out-task" ? "\(r.task) (held-out task)" : r.task
            try t.append([name, r.group.rawValue, "\(r.languages)", pct(r.inLanguage), pct(r.zeroShot), pct(r.majority),
                          "\(r.aboveMajority)/\(r.languages)"])
        }
        return t.render()
    }

    /// One line per task listing the held-out languages at or below their majority baseline.
    public func missLines() -> [String] {
        var out: [String] = []
        for task in Array(Set(misses.map(\.task))).sorted() {
            let m = misses.filter { $0.task == task }
            out.append("\(task): " + m.map { "\($0.language) \(String(format: "%.1f", $0.score * 100)) ≤ \(String(format: "%.1f", $0.majority * 100))" }.joined(separator: ", "))
        }
        return out
    }
}
