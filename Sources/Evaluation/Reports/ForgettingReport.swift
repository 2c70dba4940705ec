import Data
import Foundation
import Platform
import Runs
import Tasks

/// The sequential-transfer part of a run's report, from `forgetting.json` and the predictions each row
/// kept (`stages/<row>/predictions/`): the matrix, backward and forward transfer, and per unit the change
/// each measure averages with a paired-bootstrap interval (both rows scored on the same resampled examples).
public struct ForgettingReport: Sendable {
    /// One unit's change between two rows of the matrix.
    public struct Change: Sendable {
        public var unit: ForgettingMatrix.Unit
        /// The rows compared: `to − from` is the change (final − learned for forgetting, before − start for
        /// forward transfer).
        public var from: Int
        public var to: Int
        public var fromScore: ConfidenceInterval
        public var toScore: ConfidenceInterval
        /// metric(to) − metric(from), with its interval and two-sided p-value.
        public var test: PairedBootstrapResult
    }

    public var matrix: ForgettingMatrix
    /// Units a later stage could make forget: last trained before the last stage.
    public var forgetting: [Change]
    /// Units an earlier stage could help: first trained after stage 1.
    public var forward: [Change]
    public var resamples: Int
    public var level: Double
    public var seed: UInt64

    /// Reads the matrix and its predictions; nil when the run has no `forgetting.json`.
    public static func read(_ layout: ResultsLayout, seed: UInt64, resamples: Int, level: Double) throws -> ForgettingReport? {
        guard FileManager.default.fileExists(atPath: layout.forgetting.path) else { return nil }
        let matrix = try ForgettingMatrix.read(layout)
        let last = matrix.scores.count - 1
        var forgetting: [Change] = [], forward: [Change] = []
        for unit in matrix.units where unit.counts {
            if let rows = ForgettingMatrix.forgettingRows(unit, stageCount: matrix.stages.count), rows.final <= last {
                forgetting.append(try change(unit, from: rows.learned, to: rows.final, layout: layout, seed: seed, resamples: resamples, level: level))
            }
            if let rows = ForgettingMatrix.forwardRows(unit), rows.before <= last {
                forward.append(try change(unit, from: rows.start, to: rows.before, layout: layout, seed: seed, resamples: resamples, level: level))
            }
        }
        return ForgettingReport(matrix: matrix, forgetting: forgetting, forward: forward, resamples: resamples, level: level, seed: seed)
    }

    /// Scores a unit in two rows from their predictions, with intervals and the paired test of the change.
    static func change(_ unit: ForgettingMatrix.Unit, from: Int, to: Int, layout: ResultsLayout,
                       seed: UInt64, resamples: Int, level: Double) throws -> Change {
        let a = try scoring(unit, row: to, layout: layout), b = try scoring(unit, row: from, layout: layout)
        guard a.records.map(\.id) == b.records.map(\.id) else {
            throw FileError(path: layout.stagePredictions(row: to, task: unit.task, language: unit.language).path,
                            "holds other examples than row \(from)'s predictions of the same task and language")
        }
        let metricA = try a.metric(unit.metric), metricB = try b.metric(unit.metric)
        let n = a.records.count
        return Change(unit: unit, from: from, to: to,
                      fromScore: try Bootstrap.confidenceInterval(count: n, seed: seed, resamples: resamples, level: level, metric: metricB),
                      toScore: try Bootstrap.confidenceInterval(count: n, seed: seed, resamples: resamples, level: level, metric: metricA),
                      test: try Bootstrap.pairedTest(count: n, seed: seed, resamples: resamples, level: level, metricA: metricA, metricB: metricB))
    }

    /// The unit's predictions in a row, scored as its task type scores them.
    static func scoring(_ unit: ForgettingMatrix.Unit, row: Int, layout: ResultsLayout) throws -> PredictionScoring {
        let url = layout.stagePredictions(row: row, task: unit.task, language: unit.language)
        guard let type = TaskType(rawValue: unit.type) else {
            throw FileError(path: layout.forgetting.path, "unit \(unit.label): unknown task type '\(excerpt(unit.type))'")
        }
        let normalization: AnswerNormalization = unit.answerNormalization == "mlqa" ? try .mlqa(code: unit.language) : .squad
        let records = try PredictionRecord.read(url)
        guard records.count == unit.examples else {
            throw FileError(path: url.path, "has \(records.count) predictions, forgetting.json counts \(unit.examples) examples")
        }
        return PredictionScoring(type: type, records: records, source: url.path, normalization: normalization)
    }

    /// The row's label: `start`, or `after <n> (<name>)`.
    public func rowLabel(_ row: Int) -> String {
        row == 0 ? "start" : "after \(row) (\(matrix.stages[row - 1]))"
    }

    /// The matrix as a heatmap (rows the start and each stage, columns `task language`), ×100 where the
    /// metric is a fraction; nil when no unit was scored (every task masked LM).
    public func heatmap() throws -> String? {
        guard !matrix.units.isEmpty else { return nil }
        let values = matrix.scores.map { row in zip(row, matrix.units).map { $0 * PredictionScoring.displayScale($1.metric) } }
        return try SVGChart.heatmap(HeatmapSpec(title: "Scores after each stage (major metric)",
                                                rowLabels: matrix.scores.indices.map(rowLabel),
                                                columnLabels: matrix.units.map(\.label), values: values,
                                                rowAxisTitle: "weights", columnAxisTitle: "task, language"))
    }

    /// A stage's strategy in a few words: its kind and the settings against forgetting it uses.
    static func strategy(_ s: StrategySettings) -> String {
        var parts = [s.kind == .freezeLower ? "freeze-lower \(s.freezeLayers)" : s.kind.rawValue]
        if s.l2SP > 0 { parts.append("L2-SP α \(s.l2SP)") }
        if s.ewc > 0 { parts.append("EWC λ \(s.ewc)") }
        if s.replay > 0 { parts.append("replay \(s.replay)") }
        return parts.joined(separator: ", ")
    }

    /// The report section: stages, the matrix, BWT and FWT with their definitions, and the per-unit changes.
    public func markdown(stages experiment: Experiment?, figure: String?) -> String {
        func pct(_ v: Double, _ metric: String) -> String {
            v.isFinite ? ScoreFormat.number(v, decimals: 1, scale: PredictionScoring.displayScale(metric)) : "–"
        }
        let m = matrix
        let t = m.stages.count
        var out = "## Sequential transfer: forgetting\n\n"
        out += "The run trained \(t) stage\(t == 1 ? "" : "s") one after another, each starting from the weights the one before ended with. "
        out += "After each, every task of every stage was scored in each of its languages on the split `polyglot eval` scores "
        out += "(test where there is one, else dev); the predictions are in `stages/<row>/predictions/`, the matrix in `forgetting.json`.\n\n"
        if let e = experiment, e.isStaged {
            var table = MarkdownTable(columns: [.init("stage"), .init("tasks (training languages)"), .init("steps", alignment: .right),
                                               .init("lr", alignment: .right), .init("strategy")])
            for (j, s) in e.stageExperiments.enumerated() {
                try? table.append([e.stages[j].name.map { "\(j + 1) \($0)" } ?? "\(j + 1)",
                                   s.tasks.map { "\($0.name) (\($0.trainLanguages.joined(separator: ", ")))" }.joined(separator: "; "),
                                   String(s.optimization.maxSteps), "\(s.optimization.lr)", Self.strategy(s.strategy)])
            }
            out += table.render() + "\n"
        }
        if m.units.isEmpty {
            out += "No task of the stages has predictions to score (masked LM is scored in train.jsonl only).\n\n"
            return out
        }
        if !m.isComplete {
            out += "**Unfinished:** \(m.scores.count - 1) of \(t) stages have their row.\n\n"
        }
        var table = MarkdownTable(columns: [.init("weights")] + m.units.map { .init("\($0.label) (\($0.metric))", alignment: .right) })
        for (r, row) in m.scores.enumerated() {
            try? table.append([rowLabel(r)] + zip(row, m.units).map { v, u in pct(v, u.metric) + (u.trainedIn.contains(r) ? " †" : "") })
        }
        out += table.render() + "\n"
        out += "† trained in that stage. Fractions ×100.\n\n"
        if let figure { out += "![scores after each stage](\(figure))\n\n" }
        let fmt = { (v: Double?) in v.map { ScoreFormat.number($0, decimals: 1, scale: 100) } ?? "n/a" }
        out += "Backward transfer (BWT): **\(fmt(m.backwardTransfer))**; forward transfer (FWT): **\(fmt(m.forwardTransfer))** (×100). "
        out += "As in GEM (Lopez-Paz & Ranzato 2017), over the units whose metric rises with quality: BWT is the mean of R[T, u] − R[ℓ(u), u] over units "
        out += "last trained in a stage ℓ(u) before the last, T (negative: forgetting); FWT the mean of R[f(u) − 1, u] − b(u) over units first trained "
        out += "in a stage f(u) after the first, where b(u) = R[start, u] is the score at the starting weights: the encoder before stage 1 with every "
        out += "head as initialized. A task's head is untrained until its stage, so FWT reads what earlier stages did to the encoder through a "
        out += "random head. Units only evaluated (never trained) are in the matrix, not in either mean.\n\n"
        let level = Int((self.level * 100).rounded())
        func changes(_ title: String, _ list: [Change], _ fromName: String, _ toName: String) {
            guard !list.isEmpty else { return }
            out += "### \(title)\n\n"
            out += "Percentile-bootstrap \(level)% intervals (\(resamples) resamples of the examples, seed \(seed)); the change is paired: "
            out += "both rows are scored on the same resampled examples, with a two-sided p-value.\n\n"
            var table = MarkdownTable(columns: [.init("task"), .init("language"), .init("metric"), .init("n", alignment: .right),
                                               .init(fromName, alignment: .right), .init(toName, alignment: .right),
                                               .init("change [\(level)% CI]", alignment: .right), .init("p", alignment: .right)])
            for c in list {
                let scale = PredictionScoring.displayScale(c.unit.metric)
                let d = c.test.deltaInterval
                try? table.append([c.unit.task, c.unit.language, c.unit.metric, String(c.unit.examples),
                                   "\(ScoreFormat.interval.format(c.fromScore, decimals: 1, scale: scale)) (\(rowLabel(c.from)))",
                                   "\(ScoreFormat.interval.format(c.toScore, decimals: 1, scale: scale)) (\(rowLabel(c.to)))",
                                   "\(pct(c.test.delta, c.unit.metric)) [\(pct(d.lower, c.unit.metric)), \(pct(d.upper, c.unit.metric))]",
                                   ScoreFormat.number(c.test.pValue, decimals: 3)])
            }
            out += table.render() + "\n"
        }
        changes("Forgetting per unit (what BWT averages)", forgetting, "when learned", "at the end")
        changes("Forward transfer per unit (what FWT averages)", forward, "at the start (b)", "before its stage")
        return out
    }
}
