import Data
import Foundation
import Models
import Platform
import Runs
import Tasks

/// Writes `report.md`, `tables/*.csv` and `figures/*.svg` of a run from its results files (summary.json,
/// probes/, train.jsonl, forgetting.json with its stage predictions), so `polyglot report` can rebuild them at any time
/// without the model.
public enum ReportBuilder {
    public struct Output: Sendable {
        public var report: URL
        public var figures: [URL]
        public var tables: [URL]
        /// How far the run's training got (and the evaluated checkpoint's step), when known.
        public var training: String?
    }

    /// `others` are run folders of the same tasks trained from other source languages: their rows join
    /// the transfer matrix.
    @discardableResult
    public static func regenerate(_ layout: ResultsLayout, others: [ResultsLayout] = []) throws -> Output {
        let fm = FileManager.default
        let summary = fm.fileExists(atPath: layout.summary.path) ? try EvaluationSummary.read(layout) : nil
        let probes = try ProbeRun.readAll(layout)
        let log = fm.fileExists(atPath: layout.trainLog.path) ? try TrainLog.read(layout.trainLog) : []
        // A run with stages: its forgetting matrix, intervals as the evaluation's (else eval's defaults) with its seed.
        var forgetting: ForgettingReport?
        var experiment: Experiment?
        if fm.fileExists(atPath: layout.forgetting.path) {
            let e = try RunFolder(url: layout.root).readExperiment()
            let defaults = EvaluationOptions()
            forgetting = try ForgettingReport.read(layout, seed: summary?.bootstrap.seed ?? e.seed,
                                                   resamples: summary?.bootstrap.resamples ?? defaults.resamples,
                                                   level: summary?.bootstrap.level ?? defaults.level)
            experiment = e
        }
        guard summary != nil || !probes.isEmpty || !log.isEmpty || forgetting != nil else {
            throw FileError(path: layout.root.path, "has no results to report (no summary.json, probes/ or train.jsonl): run polyglot eval or polyglot probe first")
        }
        var figures: [URL] = [], tables: [URL] = []
        func figure(_ name: String, _ svg: String?) throws {
            guard let svg else { return }
            let url = layout.figure(name)
            try ResultsLayout.write(svg, to: url)
            figures.append(url)
        }

        var matrices: [TransferMatrix] = []
        if let summary {
            try ResultTables.write(summary, layout)
            tables = summary.tasks.map { layout.table(task: $0.task) } + [layout.languageTable]
            let otherSummaries = try others.map { try EvaluationSummary.read($0) }
            for t in summary.tasks where t.evaluation != "retrieval" {
                let rows = [t] + otherSummaries.compactMap { s in s.tasks.first { $0.task == t.task } }
                matrices.append(TransferMatrix.of(task: t.task, rows: rows))
            }
            try figure("transfer", try ResultFigures.transferHeatmap(matrices))
            if !isLarge(summary) { try figure("languages-by-family", try ResultFigures.languagesByFamily(summary)) }
            try figure("families", try ResultFigures.familyMeans(summary))
        }
        try figure("forgetting", try forgetting?.heatmap())
        let probeGroups = Dictionary(grouping: probes) { "\($0.task)\u{1F}\($0.language)" }
        for key in probeGroups.keys.sorted() {
            let group = probeGroups[key]!
            let (task, lang) = (group[0].task, group[0].language)
            try figure("few-shot-\(task)-\(lang)", try ResultFigures.fewShotCurves(task: task, language: lang, probes: group))
            for p in group where p.layers == "all" { try figure("layers-\(p.method.rawValue)-\(task)-\(lang)", try ResultFigures.layerCurve(p)) }
        }
        var majors: [String: String] = [:]
        for t in summary?.tasks ?? [] { majors[t.task] = t.majorMetric }
        for r in log where (r["type"] as? String) == "eval" {
            for (task, splits) in (r["metrics"] as? [String: Any]) ?? [:] where majors[task] == nil {
                let names = ((splits as? [String: Any])?["dev"] as? [String: Any])?.values.compactMap { ($0 as? [String: Any])?.keys.sorted().first }
                majors[task] = names?.first ?? "accuracy"
            }
        }
        try figure("training-loss", try ResultFigures.trainingLoss(log))
        for task in majors.keys.sorted() { try figure("dev-\(task)", try ResultFigures.devCurve(log, task: task, metric: majors[task]!)) }

        // The evaluation's record of training; without an evaluation, the run folder's state now.
        let training = summary == nil ? try? TrainingStatus.of(RunFolder(url: layout.root), checkpoint: nil) : summary?.training
        let text = markdown(layout: layout, summary: summary, training: training, matrices: matrices, probes: probes, figures: figures, tables: tables,
                            forgetting: forgetting, experiment: experiment, cost: TrainingCost.of(log))
        try ResultsLayout.write(text, to: layout.report)
        return Output(report: layout.report, figures: figures, tables: tables, training: training?.line(checkpoint: summary?.checkpoint))
    }

    /// Above this many languages in a task, report.md shows a task's languages by family and script only (every
    /// language stays in `tables/`), and the per-language figure is left out.
    public static let perLanguageLimit = 40

    static func isLarge(_ summary: EvaluationSummary) -> Bool {
        summary.tasks.contains { $0.languages.count > perLanguageLimit }
    }

    static func relative(_ url: URL, _ layout: ResultsLayout) -> String {
        let root = layout.root.standardizedFileURL.path
        let p = url.standardizedFileURL.path
        return p.hasPrefix(root + "/") ? String(p.dropFirst(root.count + 1)) : p
    }

    /// The adapters the scores were made with: folders loaded with `--adapter`, and MAD-X's language adapter per
    /// language (its own, or the source's where it has none). Empty when the model ran as trained.
    static func adapterSection(_ s: EvaluationSummary) -> String {
        var choices: [String: LanguageAdapterSwitch.Choice] = [:]
        for t in s.tasks { for l in t.languages { if let a = l.adapter { choices[l.language] = a } } }
        guard s.adapters != nil || !choices.isEmpty else { return "" }
        var out = "## Adapters\n\n"
        if let loaded = s.adapters {
            var table = MarkdownTable(columns: [.init("slot"), .init("adapter"), .init("folder"), .init("weights SHA-256")])
            for a in loaded { try? table.append([a.slot, a.name, "`\(a.path)`", String(a.sha256.prefix(16)) + "…"]) }
            out += "Loaded into the model for every language (`--adapter`):\n\n" + table.render() + "\n"
        }
        if !choices.isEmpty {
            let fallbacks = choices.values.filter(\.fallback).map(\.language).sorted()
            out += "MAD-X: each language was scored with its own language adapter under the task adapter"
            out += fallbacks.isEmpty ? ".\n\n" : "; \(fallbacks.joined(separator: ", ")) had none and used the source language's adapter (**fallback**).\n\n"
            var table = MarkdownTable(columns: [.init("language"), .init("language adapter"), .init("folder")])
            for (l, c) in choices.sorted(by: { $0.key < $1.key }) {
                try? table.append([l, c.fallback ? "\(c.adapterLanguage) (fallback)" : c.adapterLanguage, "`\(c.path)`"])
            }
            out += table.render() + "\n"
        }
        return out
    }

    static func markdown(layout: ResultsLayout, summary: EvaluationSummary?, training: TrainingStatus? = nil, matrices: [TransferMatrix],
                         probes: [ProbeRun], figures: [URL], tables: [URL], forgetting: ForgettingReport? = nil, experiment: Experiment? = nil,
                         cost: TrainingCost? = nil) -> String {
        var out = "# Evaluation report: \(summary?.run ?? layout.root.lastPathComponent)\n\n"
        if let training {
            let line = training.line(checkpoint: summary?.checkpoint)
            out += training.finished ? line.prefix(1).uppercased() + line.dropFirst() + ".\n\n" : "**Unfinished run:** \(line).\n\n"
        }
        func fig(_ name: String, _ caption: String) {
            if let u = figures.first(where: { $0.lastPathComponent == "\(ResultsLayout.fileSafe(name)).svg" }) {
                out += "![\(caption)](\(relative(u, layout)))\n\n"
            }
        }
        func pct(_ v: Double?, _ metric: String) -> String {
            guard let v, v.isFinite else { return "–" }
            return ScoreFormat.number(v, decimals: 1, scale: PredictionScoring.displayScale(metric))
        }
        if let s = summary {
            out += "Checkpoint: `\(s.checkpoint)`. Every score has a \(Int((s.bootstrap.level * 100).rounded()))% percentile-bootstrap "
            out += "confidence interval (\(s.bootstrap.resamples) resamples of the examples, seed \(s.bootstrap.seed)); fractions are shown ×100. "
            out += "Per-example predictions are in `predictions/<task>/<language>.jsonl`, per-task tables in `tables/`.\n\n"
            out += "## Languages seen in training and model selection\n\n"
            out += "Scores in these languages are not zero-shot: they are marked in the tables and left out of the zero-shot averages and transfer gaps.\n\n"
            var seen = MarkdownTable(columns: [.init("use"), .init("languages")])
            for head in s.seen.training.keys.sorted() {
                try? seen.append(["labelled training data (head `\(head)`)", s.seen.training[head]!.joined(separator: ", ")])
            }
            try? seen.append(["model selection (\(s.seen.selectionMode))", s.seen.selection.isEmpty ? "–" : s.seen.selection.joined(separator: ", ")])
            try? seen.append(["unlabelled text (masked LM; allowed in zero-shot)", s.seen.unlabelled.isEmpty ? "–" : s.seen.unlabelled.joined(separator: ", ")])
            out += seen.render() + "\n"
            if s.seen.selectionMode == "target-dev" {
                out += "**Model selection used target-language dev data (`target-dev`): scores in \(s.seen.selection.joined(separator: ", ")) are marked `selected`, not zero-shot.**\n\n"
            }

            out += adapterSection(s)

            out += "## Summary (XTREME-style: language → task → family → overall)\n\n"
            var summaryTable = MarkdownTable(columns: [.init("task"), .init("evaluation"), .init("metric"), .init("sources"),
                                                       .init("source avg", alignment: .right), .init("zero-shot avg", alignment: .right),
                                                       .init("transfer gap", alignment: .right), .init("all languages", alignment: .right)])
            for t in s.tasks {
                try? summaryTable.append([t.task, t.evaluation, t.majorMetric, t.sources.isEmpty ? "–" : t.sources.joined(separator: ", "),
                                          pct(t.sourceAverage, t.majorMetric), pct(t.zeroShotAverage, t.majorMetric),
                                          pct(t.transferGap, t.majorMetric), pct(t.allAverage, t.majorMetric)])
            }
            out += summaryTable.render() + "\n"
            if !s.familyAverages.isEmpty {
                var fam = MarkdownTable(columns: [.init("family"), .init("zero-shot mean over tasks", alignment: .right)])
                for f in s.familyAverages.keys.sorted() { try? fam.append([f.isEmpty ? LanguageSpec.unknownFamily : f, pct(s.familyAverages[f], "accuracy")]) }
                out += fam.render() + "\n"
            }
            out += "Overall zero-shot score (mean over tasks): **\(pct(s.overallZeroShot, "accuracy"))**; over every language: \(pct(s.overallAll, "accuracy")).\n\n"
            fig("transfer", "transfer heatmap")
            fig("languages-by-family", "scores per language grouped by family")

            out += "## Languages by family and script\n\n"
            out += "Families are Glottolog's (see `languages/README.md`); a language with no spec is in family `unknown` under the "
            out += "script found in its text. Major metric over each group's languages; the zero-shot mean leaves out languages seen in training "
            out += "or selection. One row per task and language, with name, genus, script and glottocode: `\(relative(layout.languageTable, layout))`.\n\n"
            fig("families", "mean score per family")
            for t in s.tasks {
                for (title, key) in [("family", ResultTables.familyName), ("script", ResultTables.scriptName)] as [(String, (LanguageScores) -> String)] {
                    let rows = ResultTables.groups(t, by: key)
                    guard !rows.isEmpty else { continue }
                    var table = MarkdownTable(columns: [.init(title), .init("languages", alignment: .right), .init("mean", alignment: .right),
                                                        .init("min", alignment: .right), .init("max", alignment: .right),
                                                        .init("zero-shot mean", alignment: .right)])
                    for r in rows {
                        try? table.append([r.group, String(r.languages), pct(r.mean, t.majorMetric), pct(r.min, t.majorMetric),
                                           pct(r.max, t.majorMetric), pct(r.zeroShotMean, t.majorMetric)])
                    }
                    out += "### \(t.task) by \(title) (\(t.majorMetric))\n\n" + table.render() + "\n"
                }
            }

            for t in s.tasks {
                out += "## \(t.task) (\(t.type), \(t.evaluation))\n\n"
                if t.languages.count > perLanguageLimit {
                    out += "\(t.languages.count) languages: see the family and script tables above; every language's scores with their intervals "
                    out += "are in `\(relative(layout.table(task: t.task), layout))` and `\(relative(layout.languageTable, layout))`.\n\n"
                    continue
                }
                var cols: [MarkdownTable.Column] = [.init("language"), .init("family"), .init("regime"), .init("n", alignment: .right)]
                cols += t.metrics.map { .init($0 + (PredictionScoring.displayScale($0) == 100 ? " ×100" : ""), alignment: .right) }
                var table = MarkdownTable(columns: cols)
                for l in t.languages {
                    let mark = l.regime == .supervised ? " †" : (l.regime == .selected ? " ‡" : "")
                    var row = [l.language + mark, l.family.isEmpty ? "–" : l.family, l.regime.rawValue, String(l.examples)]
                    row += t.metrics.map { m in l.metrics[m].map { ScoreFormat.interval.format($0, decimals: 1, scale: PredictionScoring.displayScale(m)) } ?? "–" }
                    try? table.append(row)
                }
                out += table.render() + "\n"
                out += "† labelled training data of this task; ‡ dev data used for model selection. Table: `\(relative(layout.table(task: t.task), layout))`.\n\n"
                let encoded = t.languages.filter { !($0.encoding ?? [:]).isEmpty }
                if !encoded.isEmpty {
                    if let norm = t.answerNormalization { out += "Answers normalized as the \(norm == "mlqa" ? "MLQA" : "SQuAD v1.1") evaluation script does. " }
                    out += "What encoding split or cut, per language: "
                    out += encoded.map { l in l.language + " " + (l.encoding ?? [:]).sorted { $0.key < $1.key }.filter { $0.value > 0 }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
                        .joined(separator: "; ") + ".\n\n"
                }
            }
            if matrices.contains(where: { $0.sources.count > 1 }) {
                out += "## Transfer matrices (source × target)\n\n"
                for m in matrices where m.sources.count > 1 {
                    var table = MarkdownTable(columns: [.init("source")] + m.targets.map { .init($0, alignment: .right) } + [.init("gap", alignment: .right)])
                    for (r, src) in m.sources.enumerated() {
                        try? table.append([src] + m.values[r].map { pct($0, m.metric) } + [pct(m.gaps[r], m.metric)])
                    }
                    out += "### \(m.task) (\(m.metric))\n\n" + table.render() + "\n"
                }
            }
        }
        if let cost { out += cost.markdown() }
        if let forgetting {
            let figure = figures.first { $0.lastPathComponent == "forgetting.svg" }.map { relative($0, layout) }
            out += forgetting.markdown(stages: experiment, figure: figure)
        }
        if !probes.isEmpty {
            out += "## Few-shot probes\n\n"
            out += "Shot sets are drawn with the seed and saved in each probe file (`probes/<task>/<language>/<method>.json`); mean ± sd over seeds.\n\n"
            for p in probes {
                out += "### \(p.task), \(p.language): \(p.method.rawValue)\(p.method == .finetune ? "" : ", layer \(p.layers)") (\(p.unit.rawValue), \(p.seeds.count) seeds, \(p.metric) on \(p.evalSplit))\n\n"
                var table = MarkdownTable(columns: [.init("layer"), .init("k", alignment: .right), .init("mean ± sd ×100", alignment: .right), .init("seeds", alignment: .right)])
                for a in p.aggregates {
                    try? table.append([a.layer.map(String.init) ?? "–", String(a.k),
                                       "\(pct(a.mean, p.metric)) ± \(pct(a.sd, p.metric))", String(a.seeds)])
                }
                out += table.render() + "\n"
            }
            for name in Set(probes.map { "few-shot-\($0.task)-\($0.language)" }).sorted() { fig(name, "few-shot learning curve") }
            for p in probes where p.layers == "all" { fig("layers-\(p.method.rawValue)-\(p.task)-\(p.language)", "layer-wise probe") }
        }
        if figures.contains(where: { $0.lastPathComponent.hasPrefix("training-") || $0.lastPathComponent.hasPrefix("dev-") }) {
            out += "## Training curves\n\n"
            fig("training-loss", "training loss")
            for u in figures where u.lastPathComponent.hasPrefix("dev-") {
                out += "![dev metric during training](\(relative(u, layout)))\n\n"
            }
        }
        return out
    }
}
