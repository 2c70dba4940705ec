import Foundation
import Testing
import Data
import Platform
import Runs
import Tasks
import Evaluation

/// The forgetting section of a report on a run folder written by hand: each change is the difference of
/// the two rows' scores counted here, paired over the same examples, and the report and heatmap show it.
@Suite struct ForgettingReportTests {
    /// Rows 0…2 of predictions for unit `a` (trained in stage 1) and `b` (stage 2), 10 examples each: row r
    /// of a task gets `hits[r]` of them right.
    static func write(_ root: URL, hits: [String: [Int]], ids: (String, Int) -> String = { _, i in "x\(i)" }) throws -> ResultsLayout {
        let layout = ResultsLayout(root: root)
        let units = [("a", [1]), ("b", [2])].map { task, trained in
            ForgettingMatrix.Unit(task: task, language: "en", type: "classification", metric: "accuracy", higherIsBetter: true,
                                  split: "test", examples: 10, trainedIn: trained, answerNormalization: nil)
        }
        var scores = [[Double]](repeating: [0, 0], count: 3)
        for (u, unit) in units.enumerated() {
            for row in 0..<3 {
                let right = hits[unit.task]?[row] ?? 0
                let records = (0..<10).map { i in
                    PredictionRecord(id: ids(unit.task, i), gold: .label("g\(i % 3)"), predicted: .label(i < right ? "g\(i % 3)" : "wrong"))
                }
                try PredictionRecord.write(records, to: layout.stagePredictions(row: row, task: unit.task, language: "en"))
                scores[row][u] = Double(right) / 10
            }
        }
        try ForgettingMatrix(stages: ["first", "second"], units: units, scores: scores).write(layout)
        return layout
    }

    @Test func changesArePairedDifferencesOfTheRowsScores() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-forgetting-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let layout = try Self.write(root, hits: ["a": [1, 9, 4], "b": [2, 3, 8]])
        let report = try #require(try ForgettingReport.read(layout, seed: 7, resamples: 300, level: 0.9))
        #expect(report.forgetting.count == 1 && report.forward.count == 1)
        let forgot = report.forgetting[0]
        #expect(forgot.unit.task == "a" && forgot.from == 1 && forgot.to == 2)
        #expect(forgot.fromScore.estimate == 0.9 && forgot.toScore.estimate == 0.4)
        #expect(abs(forgot.test.delta - (-0.5)) < 1e-12)
        // Paired: examples 4…8 went wrong and none went right, so a resample can only lose or stay even.
        #expect(forgot.test.deltaInterval.upper < 0 && forgot.test.pValue < 0.05)
        #expect(forgot.fromScore.lower <= 0.9 && forgot.fromScore.upper >= 0.9 && forgot.fromScore.level == 0.9)
        let forward = report.forward[0]
        #expect(forward.unit.task == "b" && forward.from == 0 && forward.to == 1)
        #expect(abs(forward.test.delta - 0.1) < 1e-12)
        // The same resampling as Bootstrap.pairedTest on the two rows' hit vectors, computed here.
        let before = (0..<10).map { $0 < 2 ? 1.0 : 0.0 }, after = (0..<10).map { $0 < 3 ? 1.0 : 0.0 }
        let direct = try Bootstrap.pairedTest(count: 10, seed: 7, resamples: 300, level: 0.9,
                                              metricA: { idx in idx.reduce(0) { $0 + after[$1] } / Double(idx.count) },
                                              metricB: { idx in idx.reduce(0) { $0 + before[$1] } / Double(idx.count) })
        #expect(forward.test.pValue == direct.pValue && forward.test.deltaInterval == direct.deltaInterval)

        let text = report.markdown(stages: nil, figure: "figures/forgetting.svg")
        #expect(text.contains("Backward transfer (BWT): **-50.0**; forward transfer (FWT): **10.0**"), "\(text)")
        #expect(tableRow(text, startingWith: "after 1 (first)") == ["after 1 (first)", "90.0 †", "30.0"])
        #expect(tableRow(text, startingWith: "after 2 (second)") == ["after 2 (second)", "40.0", "80.0 †"])
        // The per-unit row of task a: task, language, metric, n, when learned, at the end, change, p.
        let row = try #require(text.split(separator: "\n").map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
            .first { $0.first == "a" })
        try #require(row.count == 8)
        #expect(row[4].hasPrefix("90.0 [") && row[5].hasPrefix("40.0 [") && row[6].hasPrefix("-50.0 ["), "\(row)")
        let svg = try #require(try report.heatmap())
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 6)
        #expect(svg.contains("after 2 (second) → a en: 40.0"))
    }

    @Test func predictionsOfOtherExamplesAreRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-forgetting-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let layout = try Self.write(root, hits: ["a": [1, 9, 4]])
        // Row 2 of task a was scored on other examples: no paired change can be made.
        let records = (0..<10).map { PredictionRecord(id: "other\($0)", gold: .label("g"), predicted: .label("g")) }
        try PredictionRecord.write(records, to: layout.stagePredictions(row: 2, task: "a", language: "en"))
        #expect(throws: FileError.self) { _ = try ForgettingReport.read(layout, seed: 1, resamples: 10, level: 0.95) }
        // A run without forgetting.json has no such section.
        let none = ResultsLayout(root: root.appendingPathComponent("none"))
        #expect(try ForgettingReport.read(none, seed: 1, resamples: 10, level: 0.95) == nil)
    }
}
