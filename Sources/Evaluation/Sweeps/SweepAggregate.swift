import Foundation
import Platform
import Runs
import Data
import Tasks

/// A sweep's results: per point, every task × language score as mean ± sd over the seeds that finished, the
/// zero-shot means, and each point tested against the baseline point by a paired bootstrap over examples.
/// Built from the run folders alone (`summary.json` and the prediction files), so `polyglot report` of a sweep
/// folder rebuilds it.
public struct SweepAggregate: Codable, Equatable, Sendable {
    public struct LanguageResult: Codable, Equatable, Sendable {
        public var language: String
        /// `supervised`, `selected` or `zero-shot` (`TransferRegime`).
        public var regime: String
        public var score: SeedSpread
    }

    public struct TaskResult: Codable, Equatable, Sendable {
        public var task: String
        public var metric: String
        /// The task's zero-shot average (over its zero-shot languages), over seeds.
        public var zeroShot: SeedSpread?
        public var languages: [LanguageResult]

        enum CodingKeys: String, CodingKey { case task, metric, zeroShot = "zero_shot", languages }
    }

    public struct PointResult: Codable, Equatable, Sendable {
        public var id: String
        public var label: String
        public var values: [SweepPoint.Value]
        /// Seeds whose runs are trained and evaluated (the statistics are over these), and those that are not.
        public var seeds: [UInt64]
        public var missing: [UInt64]
        /// The mean over tasks of their zero-shot averages (`overall_zero_shot` of each run), over seeds.
        public var overallZeroShot: SeedSpread?
        public var tasks: [TaskResult]
        /// Runs with stages: backward and forward transfer (GEM) from each run's `forgetting.json`, over seeds.
        public var backwardTransfer: SeedSpread?
        public var forwardTransfer: SeedSpread?

        /// This point's value of an axis key, when it sets it.
        public func value(_ key: String) -> String? { values.first { $0.key == key }?.value }

        enum CodingKeys: String, CodingKey {
            case id, label, values, seeds, missing, overallZeroShot = "overall_zero_shot", tasks
            case backwardTransfer = "backward_transfer", forwardTransfer = "forward_transfer"
        }
    }

    /// One point against the baseline on one task and language.
    public struct Comparison: Codable, Equatable, Sendable {
        public var point: String
        public var task: String
        public var language: String
        public var metric: String
        /// The seeds both points finished; each side's metric is the mean over them.
        public var seeds: [UInt64]
        /// Examples every one of those runs scored.
        public var examples: Int
        public var pointScore: Double
        public var baselineScore: Double
        /// point − baseline with its bootstrap interval and two-sided p-value.
        public var delta: Double
        public var lower: Double
        public var upper: Double
        public var pValue: Double

        enum CodingKeys: String, CodingKey {
            case point, task, language, metric, seeds, examples, pointScore = "point_score", baselineScore = "baseline_score"
            case delta, lower, upper, pValue = "p_value"
        }
    }

    public var name: String
    public var experiment: String
    public var axes: [String]
    public var baseline: String
    public var resamples: Int
    public var bootstrapSeed: UInt64
    public var level: Double
    public var points: [PointResult]
    public var comparisons: [Comparison]
    /// Task/language pairs that could not be compared (no predictions, not scored by both points).
    public var notCompared: [String]

    enum CodingKeys: String, CodingKey {
        case name, experiment, axes, baseline, resamples, bootstrapSeed = "bootstrap_seed", level, points, comparisons
        case notCompared = "not_compared"
    }

    /// Reads every finished run of the sweep and aggregates it.
    public static func build(_ folder: SweepFolder, plan: SweepPlan, bootstrapSeed: UInt64 = 0, level: Double = 0.95) throws -> SweepAggregate {
        var points: [PointResult] = []
        var summaries: [String: [UInt64: EvaluationSummary]] = [:]
        for point in plan.points {
            var done: [UInt64: EvaluationSummary] = [:]
            for seed in plan.seeds where folder.isDone(point, seed: seed) {
                done[seed] = try EvaluationSummary.read(ResultsLayout(root: folder.run(point, seed: seed)))
            }
            summaries[point.id] = done
            var p = result(point, plan: plan, summaries: done)
            var matrices: [UInt64: ForgettingMatrix] = [:]
            for seed in p.seeds {
                let layout = ResultsLayout(root: folder.run(point, seed: seed))
                if PathEntry(path: layout.forgetting.path) == .file { matrices[seed] = try ForgettingMatrix.read(layout) }
            }
            func spread(_ value: (ForgettingMatrix) -> Double?) -> SeedSpread? {
                let pairs = p.seeds.compactMap { s in matrices[s].flatMap(value).map { (s, $0) } }
                return pairs.isEmpty ? nil : SeedSpread(seeds: pairs.map(\.0), values: pairs.map(\.1))
            }
            p.backwardTransfer = spread(\.backwardTransfer)
            p.forwardTransfer = spread(\.forwardTransfer)
            points.append(p)
        }
        var aggregate = SweepAggregate(name: plan.name, experiment: plan.experiment, axes: plan.axisKeys, baseline: plan.baseline,
                                       resamples: plan.resamples, bootstrapSeed: bootstrapSeed, level: level, points: points,
                                       comparisons: [], notCompared: [])
        if let base = plan.baselinePoint, let baseRuns = summaries[base.id] {
            for point in plan.points where point.id != base.id {
                guard let runs = summaries[point.id] else { continue }
                try aggregate.compare(point, runs, against: base, baseRuns, folder: folder, plan: plan)
            }
        }
        return aggregate
    }

    static func result(_ point: SweepPoint, plan: SweepPlan, summaries: [UInt64: EvaluationSummary]) -> PointResult {
        let seeds = plan.seeds.filter { summaries[$0] != nil }
        func spread(_ value: (EvaluationSummary) -> Double?) -> SeedSpread? {
            let pairs = seeds.compactMap { s in summaries[s].flatMap(value).map { (s, $0) } }
            return pairs.isEmpty ? nil : SeedSpread(seeds: pairs.map(\.0), values: pairs.map(\.1))
        }
        var tasks: [TaskResult] = []
        if let first = seeds.first.flatMap({ summaries[$0] }) {
            for t in first.tasks {
                func task(_ s: EvaluationSummary) -> TaskResults? { s.tasks.first { $0.task == t.task } }
                let languages = t.languages.compactMap { l -> LanguageResult? in
                    guard let score = spread({ task($0)?.major(l.language) }) else { return nil }
                    return LanguageResult(language: l.language, regime: l.regime.rawValue, score: score)
                }
                tasks.append(TaskResult(task: t.task, metric: t.majorMetric, zeroShot: spread { task($0)?.zeroShotAverage }, languages: languages))
            }
        }
        return PointResult(id: point.id, label: point.label, values: point.values, seeds: seeds,
                           missing: plan.seeds.filter { summaries[$0] == nil }, overallZeroShot: spread(\.overallZeroShot), tasks: tasks,
                           backwardTransfer: nil, forwardTransfer: nil)
    }

    mutating func compare(_ point: SweepPoint, _ runs: [UInt64: EvaluationSummary], against base: SweepPoint,
                          _ baseRuns: [UInt64: EvaluationSummary], folder: SweepFolder, plan: SweepPlan) throws {
        let seeds = plan.seeds.filter { runs[$0] != nil && baseRuns[$0] != nil }
        guard let first = seeds.first, let summary = runs[first] else { return }
        for t in summary.tasks {
            guard let type = TaskType(rawValue: t.type) else {
                throw FileError(path: folder.run(point, seed: first).path, "task \(excerpt(t.task)): unknown type '\(excerpt(t.type))' (expected one of: \(TaskType.choices))")
            }
            for l in t.languages {
                let layouts = seeds.map { ResultsLayout(root: folder.run(point, seed: $0)) } + seeds.map { ResultsLayout(root: folder.run(base, seed: $0)) }
                let files = layouts.map { $0.predictions(task: t.task, language: l.language) }
                if let absent = files.first(where: { PathEntry(path: $0.path) != .file }) {
                    notCompared.append("\(point.id) \(t.task) \(l.language) (no \(absent.lastPathComponent) in \(absent.deletingLastPathComponent().path))")
                    continue
                }
                let matched = try MatchedPredictions.load(layouts, task: t.task, language: l.language)
                let normalization: AnswerNormalization = t.answerNormalization == "mlqa" ? try .mlqa(code: l.language) : .squad
                let metrics = try layouts.indices.map { try matched.metric(run: $0, type: type, metric: t.majorMetric, normalization: normalization) }
                let k = seeds.count
                let pointMetric: ([Int]) throws -> Double = { idx in try metrics[0..<k].map { try $0(idx) }.reduce(0, +) / Double(k) }
                let baseMetric: ([Int]) throws -> Double = { idx in try metrics[k...].map { try $0(idx) }.reduce(0, +) / Double(k) }
                let all = Array(matched.ids.indices)
                let test = try Bootstrap.pairedTest(count: all.count, seed: bootstrapSeed, resamples: resamples, level: level,
                                                    metricA: pointMetric, metricB: baseMetric)
                comparisons.append(Comparison(point: point.id, task: t.task, language: l.language, metric: t.majorMetric, seeds: seeds,
                                              examples: all.count, pointScore: try pointMetric(all), baselineScore: try baseMetric(all),
                                              delta: test.delta, lower: test.deltaInterval.lower, upper: test.deltaInterval.upper,
                                              pValue: test.pValue))
            }
        }
    }

    // MARK: - Tables and figures

    /// The Markdown report: the points with their zero-shot means, every task × language, the tests against the baseline.
    public func markdown() -> String {
        let baseLabel = points.first { $0.id == baseline }.map { "\($0.id) (\($0.label))" } ?? baseline
        var out = "# Sweep \(name)\n\nExperiment `\(experiment)`; \(points.count) point\(points.count == 1 ? "" : "s")"
        out += axes.isEmpty ? " (seeds only)" : " over \(axes.map { "`\($0)`" }.joined(separator: ", "))"
        out += "; baseline \(baseLabel).\n\nScores are each task's major metric (×100 for fractions), mean ± sample sd over the seeds a point finished.\n\n"

        var columns: [MarkdownTable.Column] = [.init("point")] + axes.map { .init(Self.short($0)) }
        columns += [.init("seeds"), .init("zero-shot, all tasks", alignment: .right)]
        let taskNames = orderedTasks()
        columns += taskNames.map { .init("\($0.task) zero-shot", alignment: .right) }
        let staged = points.contains { $0.backwardTransfer != nil || $0.forwardTransfer != nil }
        if staged { columns += [.init("BWT", alignment: .right), .init("FWT", alignment: .right)] }
        var table = MarkdownTable(columns: columns)
        for p in points {
            var row = [p.id] + axes.map { p.value($0) ?? "—" } + [p.seeds.isEmpty ? "none" : p.seeds.map(String.init).joined(separator: ", ")]
            row.append(p.overallZeroShot?.text(scale: 100) ?? "—")
            for t in taskNames {
                let r = p.tasks.first { $0.task == t.task }
                row.append(r?.zeroShot?.text(scale: PredictionScoring.displayScale(t.metric)) ?? "—")
            }
            if staged { row += [p.backwardTransfer?.text(scale: 100) ?? "—", p.forwardTransfer?.text(scale: 100) ?? "—"] }
            try? table.append(row)
        }
        out += "## Points\n\n" + table.render()
        if staged {
            out += "\nBWT and FWT: backward and forward transfer of each run's stages (`forgetting.json`, GEM's definitions; ×100), mean ± sd over seeds.\n"
        }

        for t in taskNames {
            out += "\n## \(t.task) (\(t.metric))\n\n"
            var languages: [(String, String)] = []
            for p in points { for l in p.tasks.first(where: { $0.task == t.task })?.languages ?? [] where !languages.contains(where: { $0.0 == l.language }) {
                languages.append((l.language, l.regime))
            } }
            var lt = MarkdownTable(columns: [.init("language"), .init("regime")] + points.map { .init("\($0.id) \($0.label)", alignment: .right) })
            let scale = PredictionScoring.displayScale(t.metric)
            for (language, regime) in languages {
                let cells = points.map { p in p.tasks.first { $0.task == t.task }?.languages.first { $0.language == language }?.score.text(scale: scale) ?? "—" }
                try? lt.append([language, regime] + cells)
            }
            out += lt.render()
        }

        if !comparisons.isEmpty {
            out += "\n## Against the baseline, \(baseLabel)\n\n"
            out += "Paired bootstrap over the examples every compared run scored (\(resamples) resamples, seed \(bootstrapSeed), "
            out += "\(Int((level * 100).rounded()))% interval); each side is the mean of its runs over the seeds both points finished. "
            out += "It measures the uncertainty of the evaluation data; the ± above is the spread over seeds.\n\n"
            var ct = MarkdownTable(columns: [.init("point"), .init("task"), .init("language"), .init("seeds", alignment: .right),
                                             .init("n", alignment: .right), .init("point", alignment: .right), .init("baseline", alignment: .right),
                                             .init("Δ [95% CI]", alignment: .right), .init("p", alignment: .right)])
            for c in comparisons {
                let s = PredictionScoring.displayScale(c.metric)
                let f = { (v: Double) in ScoreFormat.number(v, decimals: 1, scale: s) }
                try? ct.append([c.point, c.task, c.language, String(c.seeds.count), String(c.examples), f(c.pointScore), f(c.baselineScore),
                                "\(f(c.delta)) [\(f(c.lower)), \(f(c.upper))]", ScoreFormat.number(c.pValue, decimals: 3)])
            }
            out += ct.render()
        }
        let missing = points.filter { !$0.missing.isEmpty }
        if !missing.isEmpty {
            out += "\nNot finished: " + missing.map { "\($0.id) seed\($0.missing.count == 1 ? "" : "s") \($0.missing.map(String.init).joined(separator: ", "))" }.joined(separator: "; ") + ".\n"
        }
        if !notCompared.isEmpty { out += "\nNot compared: \(notCompared.joined(separator: "; ")).\n" }
        return out
    }

    /// One row per point, task and language (and the zero-shot means as language `zero-shot mean`): the axis
    /// values, the metric, the seeds, mean, sd and every seed's value (fractions as the summaries hold them).
    public func csv() throws -> String {
        var w = CSVWriter(header: ["point"] + axes + ["task", "language", "regime", "metric", "seeds", "mean", "sd", "values"])
        func append(_ p: PointResult, _ task: String, _ language: String, _ regime: String, _ metric: String, _ s: SeedSpread) throws {
            try w.append([p.id] + axes.map { p.value($0) ?? "" } + [task, language, regime, metric, s.seeds.map(String.init).joined(separator: " "),
                                                           "\(s.mean)", s.sd.map { "\($0)" } ?? "", s.values.map { "\($0)" }.joined(separator: " ")])
        }
        for p in points {
            if let s = p.overallZeroShot { try append(p, "all tasks", "zero-shot mean", "zero-shot", "major", s) }
            if let s = p.backwardTransfer { try append(p, "all stages", "backward transfer", "", "major", s) }
            if let s = p.forwardTransfer { try append(p, "all stages", "forward transfer", "", "major", s) }
            for t in p.tasks {
                if let s = t.zeroShot { try append(p, t.task, "zero-shot mean", "zero-shot", t.metric, s) }
                for l in t.languages { try append(p, t.task, l.language, l.regime, t.metric, l.score) }
            }
        }
        return w.render()
    }

    /// One SVG per axis: the zero-shot mean of every task and of all tasks against the axis value, with a band of
    /// ± one sd over seeds (numeric axes; a log2 axis when the values span a factor of 8 or more), or bars
    /// (other axes). With several axes, each figure holds the others at the baseline's values.
    public func figures() throws -> [String: String] {
        var out: [String: String] = [:]
        guard let base = points.first(where: { $0.id == baseline }) else { return out }
        func seriesOf(_ slice: [PointResult]) -> [(String, (PointResult) -> SeedSpread?)] {
            var series: [(String, (PointResult) -> SeedSpread?)] = [("all tasks", { $0.overallZeroShot })]
            for t in orderedTasks() where PredictionScoring.higherIsBetter(t.metric) {
                series.append((t.task, { p in p.tasks.first { $0.task == t.task }?.zeroShot }))
            }
            return series.filter { s in slice.contains { s.1($0) != nil } }
        }
        func bars(_ slice: [PointResult], label: (PointResult) -> String, group: String, title: String) throws -> String? {
            let series = seriesOf(slice)
            if series.isEmpty || slice.isEmpty { return nil }
            let categories = slice.map { p in
                BarCategory(label: label(p), values: series.map { _, value in
                    value(p).map { BarValue($0.mean * 100, lower: ($0.mean - ($0.sd ?? 0)) * 100, upper: ($0.mean + ($0.sd ?? 0)) * 100) } ?? BarValue(.nan)
                })
            }
            return try SVGChart.groupedBars(GroupedBarSpec(title: title, yAxisTitle: "zero-shot score (mean ± sd over seeds)",
                                                          series: series.map(\.0), groups: [BarGroup(name: group, categories: categories)]))
        }
        if !points.allSatisfy({ p in axes.allSatisfy { p.value($0) != nil } }) {
            // Listed points (an ablation): one figure with a bar group per point.
            out["points"] = try bars(points, label: { "\($0.id) \($0.label)" }, group: "points", title: "Zero-shot score by point")
            return out
        }
        for (a, key) in axes.enumerated() {
            let slice = points.filter { p in p.values.indices.allSatisfy { $0 == a || SweepPoint.same(p.values[$0].value, base.values[$0].value) } }
            let numeric = slice.allSatisfy { Double($0.values[a].value) != nil }
            let series = seriesOf(slice)
            if series.isEmpty || slice.isEmpty { continue }
            let title = "Zero-shot score against \(key)"
            if numeric {
                let xs = slice.compactMap { Double($0.values[a].value) }
                let log = (xs.min() ?? 0) > 0 && (xs.max() ?? 0) / (xs.min() ?? 1) >= 8
                let lines = series.map { name, value in
                    LineSeries(name: name, points: slice.compactMap { p -> LinePoint? in
                        guard let x = Double(p.values[a].value), let s = value(p) else { return nil }
                        return LinePoint(x: x, mean: s.mean * 100, sd: (s.sd ?? 0) * 100)
                    }.sorted { $0.x < $1.x })
                }.filter { !$0.points.isEmpty }
                out[key] = try SVGChart.lines(LineChartSpec(title: title, xAxisTitle: key, yAxisTitle: "zero-shot score (mean ± sd over seeds)",
                                                            xScale: log ? .log2 : .linear, series: lines))
            } else {
                out[key] = try bars(slice, label: { $0.values[a].value }, group: key, title: title)
            }
        }
        return out
    }

    /// Writes `aggregate.json`, `sweep.md`, `sweep.csv` and `figures/<axis>.svg` into the sweep folder.
    public func write(to folder: SweepFolder) throws {
        try AtomicFile.write(try ResultsJSON.encoder(pretty: true).encode(self), to: folder.aggregateFile)
        try AtomicFile.write(markdown(), to: folder.markdownFile)
        try AtomicFile.write(try csv(), to: folder.csvFile)
        let figures = try figures()
        if !figures.isEmpty {
            try FileManager.default.createDirectory(at: folder.figures, withIntermediateDirectories: true)
            for (axis, svg) in figures {
                try AtomicFile.write(svg, to: folder.figures.appendingPathComponent("\(ResultsLayout.fileSafe(axis)).svg"))
            }
        }
    }

    /// Tasks in the order the points first list them, with their metric.
    func orderedTasks() -> [(task: String, metric: String)] {
        var out: [(task: String, metric: String)] = []
        for p in points { for t in p.tasks where !out.contains(where: { $0.task == t.task }) { out.append((t.task, t.metric)) } }
        return out
    }

    static func short(_ key: String) -> String { key.split(separator: ".").last.map(String.init) ?? key }
}
