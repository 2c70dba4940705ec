import Foundation
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

    public static func write(_ summary: EvaluationSummary, _ layout: ResultsLayout) throws {
        try FileManager.default.createDirectory(at: layout.tables, withIntermediateDirectories: true)
        for t in summary.tasks { try csv(t).write(to: layout.table(task: t.task)) }
    }
}
