import Data
import Foundation
import Runs
import Tasks
import Platform

/// The run's SVG figures, built from the results files' data structures.
public enum ResultFigures {
    /// Major metric of every task (rows, "task ← sources") in every language (columns), ×100 where the
    /// metric is a fraction. Rows from other runs of the same tasks make it a source × target matrix.
    public static func transferHeatmap(_ matrices: [TransferMatrix]) throws -> String? {
        let rows = matrices.flatMap { m in m.sources.indices.map { (m, $0) } }
        guard !rows.isEmpty else { return nil }
        let targets = Array(Set(matrices.flatMap(\.targets))).sorted()
        guard !targets.isEmpty else { return nil }
        let values = rows.map { m, r in
            targets.map { t -> Double in
                guard let c = m.targets.firstIndex(of: t) else { return .nan }
                return m.values[r][c] * PredictionScoring.displayScale(m.metric)
            }
        }
        let labels = rows.map { m, r in "\(m.task) (\(m.metric)) ← \(m.sources[r])" }
        return try SVGChart.heatmap(HeatmapSpec(title: "Cross-lingual transfer (major metric per task)", rowLabels: labels,
                                                columnLabels: targets, values: values, rowAxisTitle: "task ← source languages",
                                                columnAxisTitle: "target language"))
    }

    /// Per-language scores grouped by family: one bar per task with its 95% interval.
    public static func languagesByFamily(_ summary: EvaluationSummary) throws -> String? {
        let tasks = summary.tasks.filter { PredictionScoring.higherIsBetter($0.majorMetric) }
        guard !tasks.isEmpty else { return nil }
        var family: [String: String] = [:]
        for t in tasks { for l in t.languages { family[l.language] = ResultTables.familyName(l) } }
        let families = Set(family.values).sorted()
        let groups: [BarGroup] = families.map { f in
            let langs = family.filter { $0.value == f }.map(\.key).sorted()
            return BarGroup(name: f, categories: langs.map { lang in
                BarCategory(label: lang, values: tasks.map { t in
                    guard let ci = t.languages.first(where: { $0.language == lang })?.metrics[t.majorMetric] else { return BarValue(.nan) }
                    let s = PredictionScoring.displayScale(t.majorMetric)
                    return BarValue(ci.estimate * s, lower: ci.lower.isFinite ? ci.lower * s : nil, upper: ci.upper.isFinite ? ci.upper * s : nil)
                })
            })
        }
        return try SVGChart.groupedBars(GroupedBarSpec(title: "Scores per language, grouped by family (95% CI)",
                                                       yAxisTitle: "major metric (×100)", series: tasks.map { "\($0.task) (\($0.majorMetric))" },
                                                       groups: groups))
    }

    /// Mean major metric of every family, one bar per task, the whiskers the family's lowest and highest language
    /// (not a confidence interval); the labels give the number of languages. Readable with ~40 families.
    public static func familyMeans(_ summary: EvaluationSummary) throws -> String? {
        let tasks = summary.tasks.filter { PredictionScoring.higherIsBetter($0.majorMetric) }
        let rows = tasks.map { ResultTables.groups($0, by: ResultTables.familyName) }
        var families: [String] = []
        for r in rows { for g in r where !families.contains(g.group) { families.append(g.group) } }
        guard !families.isEmpty else { return nil }
        let ordered = families.sorted { a, b in
            (a == LanguageSpec.unknownFamily ? 1 : 0, a) < (b == LanguageSpec.unknownFamily ? 1 : 0, b)
        }
        let categories = ordered.map { f in
            let n = rows.map { $0.first { $0.group == f }?.languages ?? 0 }.max() ?? 0
            return BarCategory(label: "\(f) (\(n))", values: zip(tasks, rows).map { t, r in
                guard let g = r.first(where: { $0.group == f }) else { return BarValue(.nan) }
                let s = PredictionScoring.displayScale(t.majorMetric)
                return BarValue(g.mean * s, lower: g.min * s, upper: g.max * s)
            })
        }
        return try SVGChart.groupedBars(GroupedBarSpec(title: "Mean score per language family (whiskers: lowest and highest language)",
                                                       yAxisTitle: "major metric (×100)", series: tasks.map { "\($0.task) (\($0.majorMetric))" },
                                                       groups: [BarGroup(name: "family (languages)", categories: categories)]))
    }

    /// Few-shot learning curves of one task and language: one line per method (and layer), mean ± sd over seeds.
    public static func fewShotCurves(task: String, language: String, probes: [ProbeRun]) throws -> String? {
        var series: [LineSeries] = []
        for p in probes {
            let layers = Array(Set(p.aggregates.map { $0.layer ?? -1 })).sorted()
            let showLayer = p.layers == "all"
            for layer in layers where !showLayer || layer == layers.last {
                let points = p.aggregates.filter { ($0.layer ?? -1) == layer }.sorted { $0.k < $1.k }.map {
                    LinePoint(x: Double($0.k), mean: $0.mean * PredictionScoring.displayScale(p.metric), sd: $0.sd * PredictionScoring.displayScale(p.metric))
                }
                guard !points.isEmpty else { continue }
                let name = p.method.rawValue + (p.method == .finetune || p.layers == "last" ? "" : " (layer \(layer))")
                series.append(LineSeries(name: name, points: points))
            }
        }
        guard !series.isEmpty else { return nil }
        let metric = probes.first?.metric ?? ""
        let unit = probes.first?.unit.rawValue ?? ""
        return try SVGChart.lines(LineChartSpec(title: "Few-shot \(task), \(language) (mean ± sd over seeds)",
                                                xAxisTitle: "shots k (\(unit))", yAxisTitle: "\(metric) (×100)", xScale: .log2,
                                                uncertainty: .band, series: series))
    }

    /// Layer-wise probing curve: score per layer, one line per k.
    public static func layerCurve(_ p: ProbeRun) throws -> String? {
        let ks = Array(Set(p.aggregates.map(\.k))).sorted()
        let scale = PredictionScoring.displayScale(p.metric)
        let series = ks.map { k in
            LineSeries(name: "k = \(k)", points: p.aggregates.filter { $0.k == k && $0.layer != nil }.sorted { $0.layer! < $1.layer! }
                .map { LinePoint(x: Double($0.layer!), mean: $0.mean * scale, sd: $0.sd * scale) })
        }.filter { !$0.points.isEmpty }
        guard !series.isEmpty else { return nil }
        return try SVGChart.lines(LineChartSpec(title: "Layer-wise \(p.method.rawValue) probe, \(p.task) \(p.language)",
                                                xAxisTitle: "layer (0 = embeddings)", yAxisTitle: "\(p.metric) (×100)",
                                                series: series))
    }

    /// Training loss per task against the step (from train.jsonl "step" records).
    public static func trainingLoss(_ log: [[String: Any]]) throws -> String? {
        var points: [String: [LinePoint]] = [:]
        for r in log where (r["type"] as? String) == "step" {
            guard let step = r["step"] as? Int, let losses = r["loss"] as? [String: Any] else { continue }
            for (task, v) in losses { if let x = v as? Double { points[task, default: []].append(LinePoint(x: Double(step), y: x)) } }
        }
        guard !points.isEmpty else { return nil }
        let series = points.keys.sorted().map { LineSeries(name: $0, points: smooth(points[$0]!)) }
        return try SVGChart.lines(LineChartSpec(title: "Training loss per task (moving mean over 10 draws)", xAxisTitle: "step",
                                                yAxisTitle: "loss", series: series, markers: false))
    }

    /// Dev major metric of one task per language against the step (from train.jsonl "eval" records).
    public static func devCurve(_ log: [[String: Any]], task: String, metric: String) throws -> String? {
        var points: [String: [LinePoint]] = [:]
        for r in log where (r["type"] as? String) == "eval" {
            guard let step = r["step"] as? Int, let metrics = r["metrics"] as? [String: Any],
                  let dev = (metrics[task] as? [String: Any])?["dev"] as? [String: Any] else { continue }
            for (lang, values) in dev {
                guard let v = (values as? [String: Any])?[metric] as? Double else { continue }
                points[lang, default: []].append(LinePoint(x: Double(step), y: v * PredictionScoring.displayScale(metric)))
            }
        }
        guard !points.isEmpty else { return nil }
        let series = points.keys.sorted().map { LineSeries(name: $0, points: points[$0]!.sorted { $0.x < $1.x }) }
        let scaled = PredictionScoring.displayScale(metric) == 100 ? " (×100)" : ""
        return try SVGChart.lines(LineChartSpec(title: "Dev \(metric) of \(task) during training", xAxisTitle: "step",
                                                yAxisTitle: metric + scaled, series: series))
    }

    /// Tasks are drawn on different steps; a moving mean of 10 of a task's own points keeps the curve legible.
    static func smooth(_ p: [LinePoint]) -> [LinePoint] {
        let s = p.sorted { $0.x < $1.x }
        return s.indices.map { i in
            let lo = max(0, i - 9)
            let m = s[lo...i].map(\.y).reduce(0, +) / Double(i - lo + 1)
            return LinePoint(x: s[i].x, y: m)
        }
    }
}
