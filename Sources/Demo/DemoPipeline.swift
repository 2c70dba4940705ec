import Data
import Evaluation
import Foundation
import Platform
import Runs
import Tasks
import Training

/// What a finished demo reports.
public struct DemoOutcome: Sendable {
    public var runFolder: URL
    public var split: DemoLanguageSplit
    public var table: DemoTable
    public var probe: ProbeRun?
    public var report: URL
    /// The task specs folder the run was trained with (the built-in specs and the generated label-matching
    /// task): `polyglot eval --tasks-dir` needs it to re-evaluate the run.
    public var tasksDirectory: URL
}

/// `polyglot demo` as a composition of the Training and Evaluation APIs: choose languages by
/// `DemoLanguageSplit`, write the label-matching pair task, train one multi-task experiment
/// (`Trainer.start`), turn its pair head into the label-matching head, evaluate zero-shot on the held-out
/// languages and the held-out task (`RunEvaluator`), run a few-shot curve (`ProbeRunner`), and summarize.
public enum DemoPipeline {
    public struct Locations: Sendable {
        public var tasksDirectory = "tasks"
        public var languagesDirectory = "languages"
        public init() {}
    }

    /// `output` (default `results/demo-seed<seed>-<UTC time>`) is a new run folder under the output policy: a new or
    /// empty folder, or with `force` a folder of other files (none of them deleted); never an existing run.
    public static func run(_ settings: DemoSettings, output: String?, force: Bool = false, locations: Locations = Locations(),
                           trainOptions: TrainOptions = TrainOptions(),
                           log: @escaping @Sendable (String) -> Void = { StandardStreams.output.record($0 + "\n") }) throws -> DemoOutcome {
        let catalog = try TaskCatalog.load(tasksDirectory: locations.tasksDirectory, languagesDirectory: locations.languagesDirectory)
        var covered: Set<String>? = nil
        for name in settings.allTasks {
            guard let spec = catalog.tasks[name] else {
                throw ConfigError(key: "tasks", "the demo needs task '\(name)', not found in \(locations.tasksDirectory)")
            }
            guard spec.format == .builtin else { throw ConfigError(key: "tasks", "the demo runs on the built-in suite; '\(name)' reads files") }
            let codes = Set(spec.languageCodes)
            covered = covered.map { $0.intersection(codes) } ?? codes
        }
        var candidates = covered ?? []
        if let asked = settings.candidateLanguages { candidates = candidates.intersection(asked) }
        let split = try DemoLanguageSplit.alternating(Array(candidates), languages: catalog.languages)
        guard split.training.count >= 2, !split.heldOut.isEmpty else {
            throw ConfigError(key: "languages", "the demo needs languages on both sides; candidates: \(candidates.sorted().joined(separator: ", "))")
        }
        log("languages: \(split.training.count) training (\(split.training.joined(separator: " "))), \(split.heldOut.count) held out (\(split.heldOut.joined(separator: " ")))")

        // The run folder holds the generated task (data and specs) beside the trainer's files.
        let provisional = try ExperimentLoader.decode(yaml: try settings.experimentYAML(split: split, dataRoot: "."), file: "demo")
        let path = output ?? RunFolder.defaultPath(for: provisional)
        let runURL = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        if PathEntry(path: runURL.appendingPathComponent("experiment.yaml").path) != .missing {
            throw FileError(path: runURL.path, "already holds a run; choose another --output")
        }
        _ = try OutputPolicy.checkFolder(runURL.path, kind: RunFolder.outputKind, force: force)
        let dataRoot = runURL.appendingPathComponent("demo-data", isDirectory: true)
        let specFolder = dataRoot.appendingPathComponent("tasks", isDirectory: true)
        try FileManager.default.createDirectory(at: specFolder, withIntermediateDirectories: true)
        for name in settings.allTasks {
            guard let spec = catalog.tasks[name] else { throw ConfigError(key: "tasks", "the demo needs task '\(name)', not found in \(locations.tasksDirectory)") }
            let source = URL(fileURLWithPath: spec.sourcePath)
            try AtomicFile.write(try InputFile.readData(source.path, limit: InputLimits.yamlBytes, what: "task spec"), to: specFolder.appendingPathComponent(source.lastPathComponent))
        }
        let sources = try settings.classificationTasks.map { name -> TaskSpec in
            guard let spec = catalog.tasks[name] else { throw ConfigError(key: "tasks", "the demo needs task '\(name)', not found in \(locations.tasksDirectory)") }
            return spec
        }
        let counts = try settings.pairs.write(sources: sources, languages: split.training,
                                              registry: catalog.languages, dataRoot: dataRoot, specFolder: specFolder)
        log("label matching (\(settings.pairs.scoring.rawValue)): \(counts[.train] ?? 0) training pairs from \(settings.classificationTasks.joined(separator: ", "))")

        // Train.
        let experiment = try ExperimentLoader.decode(yaml: try settings.experimentYAML(split: split, dataRoot: dataRoot.path), file: "demo")
        var options = trainOptions
        options.tasksDirectory = specFolder.path
        options.languagesDirectory = locations.languagesDirectory
        // The folder passed the policy above; it now holds the generated task beside the run.
        options.force = true
        let trained = try Trainer.start(experiment, experimentFile: nil, outputPath: runURL.path, options: options)
        log("trained: \(trained.results.steps) steps; best step \(trained.results.bestStep.map(String.init) ?? "–")")

        // The checkpoint evaluation reads gets its label-matching head.
        let store = RunFolder(url: runURL).checkpoints
        guard let checkpoint = store.existing("best") ?? store.existing("last") else {
            throw FileError(path: store.root.path, "training wrote no checkpoint")
        }
        if settings.pairs.scoring == .crossEncoder {
            try LabelMatchingConversion.convert(checkpoint: checkpoint.appendingPathComponent("model"), head: settings.pairs.taskName)
        }

        // Evaluate: the trained tasks in their training and held-out languages, then the held-out task everywhere.
        var eval = EvaluationOptions()
        eval.locations.tasksDirectory = specFolder.path
        eval.locations.languagesDirectory = locations.languagesDirectory
        eval.resamples = settings.resamples
        eval.labelText = settings.pairs.labelText
        eval.tasks = settings.classificationTasks + settings.taggingTasks
        log("evaluating \((settings.classificationTasks + settings.taggingTasks).joined(separator: ", ")) in \(split.training.count + split.heldOut.count) languages")
        _ = try RunEvaluator.evaluate(run: runURL.path, options: eval)
        eval.tasks = [settings.heldOutTask]
        eval.languages = split.training + split.heldOut
        log("evaluating the held-out task \(settings.heldOutTask) through label matching")
        let summary = try RunEvaluator.evaluate(run: runURL.path, options: eval)

        // Few-shot curve where zero-shot transfer of the probe task is weakest.
        var probe: ProbeRun? = nil
        if let task = summary.tasks.first(where: { $0.task == settings.probeTask }) {
            let weakest = task.languages.filter { $0.regime == .zeroShot }
                .min { ($0.metrics[task.majorMetric]?.estimate ?? 0, $0.language) < ($1.metrics[task.majorMetric]?.estimate ?? 0, $1.language) }
            if let language = weakest?.language {
                var p = ProbeOptions(task: settings.probeTask)
                p.language = language
                p.ks = settings.probeShots
                p.seeds = settings.probeSeeds
                p.method = .linear
                p.locations = eval.locations
                p.resamples = settings.resamples
                log("few-shot linear probe: \(settings.probeTask) in \(language), k = \(settings.probeShots.map(String.init).joined(separator: ", ")), \(settings.probeSeeds) seeds")
                probe = try ProbeRunner.run(path: runURL.path, options: p)
            }
        }

        let layout = ResultsLayout(root: runURL)
        let final = try EvaluationSummary.read(layout)
        let table = try DemoTable.build(summary: final, layout: layout, split: split, languages: catalog.languages)
        try writeDemoSection(table: table, split: split, probe: probe, settings: settings, layout: layout, languages: catalog.languages)
        return DemoOutcome(runFolder: runURL, split: split, table: table, probe: probe, report: layout.report, tasksDirectory: specFolder)
    }

    /// demo.md, also appended to report.md: the language rule and split, the table and the misses.
    static func writeDemoSection(table: DemoTable, split: DemoLanguageSplit, probe: ProbeRun?, settings: DemoSettings,
                                 layout: ResultsLayout, languages: LanguageRegistry) throws {
        func describe(_ codes: [String]) -> String {
            codes.map { c in languages[c].map { "\(c) (\($0.name), \($0.family), \($0.scripts.first ?? ""))" } ?? c }.joined(separator: "; ")
        }
        var md = "## Demo summary\n\n"
        md += "Languages: every language all demo tasks cover, sorted by family, genus, script and code; every other one trains "
        md += "(the first trains), the rest are held out: never trained on, never used to pick checkpoints.\n\n"
        md += "- training (\(split.training.count)): \(describe(split.training))\n"
        md += "- held out (\(split.heldOut.count)): \(describe(split.heldOut))\n\n"
        let labelWording: String
        switch settings.pairs.labelText {
        case .localized: labelWording = "label text: the label's name in the text's language where CLDR has one (month and weekday names), else its English description"
        case .description: labelWording = "label text: the English description"
        case .name: labelWording = "label text: the label's name"
        }
        let scoringWording: String
        switch settings.pairs.scoring {
        case .crossEncoder: scoringWording = "a cross-encoder (TARS) trained on (label text, text) pairs"
        case .pooled: scoringWording = "a dual encoder (mean-pooled vectors) trained contrastively to embed each text next to its label text, with the batch's other label texts as negatives,"
        case .lateInteraction: scoringWording = "a dual encoder scored by late interaction (ColBERT MaxSim over token vectors), trained contrastively to score each text highest with its label text, with the batch's other label texts as negatives,"
        }
        md += "Held-out task `\(settings.heldOutTask)`: never trained; scored through label matching, \(scoringWording) of "
        md += "\(settings.classificationTasks.joined(separator: ", ")) (\(labelWording)), by ranking its labels' texts the same way. "
        md += "Its in-language column is the training languages (the task is unseen, the languages are not).\n\n"
        md += "Scores ×100 (\(Set(table.metric.values).sorted().joined(separator: ", "))); majority = the share of the most frequent gold "
        md += "label (tag, for tagging) in the same evaluation examples, averaged over the group's languages.\n\n"
        md += try table.markdown() + "\n"
        let misses = table.missLines()
        if misses.isEmpty {
            md += "Every held-out language beats its majority baseline on every task.\n"
        } else {
            md += "Held-out languages at or below their majority baseline:\n\n" + misses.map { "- \($0)" }.joined(separator: "\n") + "\n"
        }
        if let probe {
            md += "\nFew-shot linear probe, \(probe.task) in \(probe.language) (the held-out language where zero-shot was weakest): "
            md += probe.aggregates.map { "k=\($0.k): \(String(format: "%.1f", $0.mean * 100)) ± \(String(format: "%.1f", $0.sd * 100))" }.joined(separator: ", ") + ".\n"
        }
        try ResultsLayout.write(md, to: layout.root.appendingPathComponent("demo.md"))
        let report = (try? String(contentsOf: layout.report, encoding: .utf8)) ?? ""
        try ResultsLayout.write(report + (report.hasSuffix("\n") || report.isEmpty ? "" : "\n") + "\n" + md, to: layout.report)
    }
}
