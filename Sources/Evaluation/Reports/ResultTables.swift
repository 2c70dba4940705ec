import Data
import Foundation
import Platform
import Runs
import Tasks

/// `tables/<task>.csv`: one row per language, columns the language's family and regime, the number of
/// examples, then each metric with its interval bounds.
public enum ResultTables {
    public static func csv(_ t: TaskResults) throws -> CSVWriter {
        var header = ["language", "family", "regime", "split", "examples"]
        for m in t.metrics { header += [m, "\(m)_lower", "\(m)_upper"] }
        var w = CSVWriter(header: header)
        for l in t.languages {
            var row = [l.language, l.family, l.regime.rawValue, l.split, String(l.examples)]
            for m in t.metrics {
                if let ci = l.metrics[m] { row += [number(ci.estimate), number(ci.lower), number(ci.upper)] } else { row += ["", "", ""] }
            }
            try w.append(row)
        }
        return w
    }

    /// Full precision, `nan` for undefined values (as numpy writes them).
    static func number(_ v: Double) -> String { v.isNaN ? "nan" : String(v) }

    /// `tables/languages.csv`: one row per task and language with the language's name, family, genus, script and
    /// glottocode and the task's major metric with its interval, for sorting and filtering hundreds of languages.
    public static func languagesCSV(_ summary: EvaluationSummary) throws -> CSVWriter {
        var w = CSVWriter(header: ["task", "language", "name", "family", "genus", "script", "glottocode", "regime", "split",
                                   "metric", "score", "ci_low", "ci_high", "examples"])
        for t in summary.tasks {
            for l in t.languages {
                let ci = l.metrics[t.majorMetric]
                try w.append([t.task, l.language, l.name ?? "", familyName(l), l.genus ?? "", l.script ?? "", l.glottocode ?? "",
                              l.regime.rawValue, l.split, t.majorMetric, ci.map { number($0.estimate) } ?? "",
                              ci.map { number($0.lower) } ?? "", ci.map { number($0.upper) } ?? "", String(l.examples)])
            }
        }
        return w
    }

    /// The family a report groups a language under ("unknown" for a language with no spec or no family recorded).
    public static func familyName(_ l: LanguageScores) -> String { l.family.isEmpty ? LanguageSpec.unknownFamily : l.family }
    /// The script a report groups a language under ("unknown" in summaries that did not record it).
    public static func scriptName(_ l: LanguageScores) -> String { l.script ?? LanguageSpec.unknownFamily }

    /// One family's (or script's) scores of a task: how many languages have a major-metric score, their mean,
    /// lowest and highest, and the mean over its zero-shot languages.
    public struct GroupRow: Equatable, Sendable {
        public var group: String
        public var languages: Int
        public var mean: Double
        public var min: Double
        public var max: Double
        public var zeroShotMean: Double?
    }

    /// A task's languages grouped by `key` (family or script), sorted by name with "unknown" last.
    public static func groups(_ t: TaskResults, by key: (LanguageScores) -> String) -> [GroupRow] {
        var scores: [String: [(Double, Bool)]] = [:]
        for l in t.languages {
            guard let v = l.metrics[t.majorMetric]?.estimate, v.isFinite else { continue }
            scores[key(l), default: []].append((v, l.regime == .zeroShot))
        }
        func mean(_ v: [Double]) -> Double? { v.isEmpty ? nil : v.reduce(0, +) / Double(v.count) }
        return scores.keys.sorted { a, b in
            (a == LanguageSpec.unknownFamily ? 1 : 0, a) < (b == LanguageSpec.unknownFamily ? 1 : 0, b)
        }.compactMap { g in
            let values = scores[g, default: []].map(\.0)
            guard let m = mean(values), let lo = values.min(), let hi = values.max() else { return nil }
            return GroupRow(group: g, languages: values.count, mean: m, min: lo, max: hi,
                            zeroShotMean: mean(scores[g, default: []].filter(\.1).map(\.0)))
        }
    }

    public static func write(_ summary: EvaluationSummary, _ layout: ResultsLayout) throws {
        try FileManager.default.createDirectory(at: layout.tables, withIntermediateDirectories: true)
        if let clash = summary.tasks.first(where: { layout.table(task: $0.task) == layout.languageTable }) {
            throw ConfigError(key: "tasks", "task '\(clash.task)' would write its table over \(layout.languageTable.path), the table of every language; rename the task")
        }
        for t in summary.tasks { try csv(t).write(to: layout.table(task: t.task)) }
        try languagesCSV(summary).write(to: layout.languageTable)
    }
}
