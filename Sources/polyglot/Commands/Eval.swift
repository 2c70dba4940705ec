import ArgumentParser
import Data
import Evaluation
import Foundation
import Runs
import Tasks
import Models
import Platform

/// Options every evaluation command shares: where specs and data are.
struct SpecLocationOptions: ParsableArguments {
    @Option(help: "Root that task data paths are relative to (default: the experiment's data_root, else POLYGLOT_DATA_ROOT, else data/).")
    var dataRoot: String?
    @Option(help: "Folder of task specs.") var tasksDir = "tasks"
    @Option(help: "Folder of language specs.") var languagesDir = "languages"
    @Flag(help: "Let task specs name data files by absolute paths or outside the data root.")
    var allowOutsideDataRoot = false

    var locations: EvaluationPaths {
        var l = EvaluationPaths()
        l.dataRoot = dataRoot; l.tasksDirectory = tasksDir; l.languagesDirectory = languagesDir
        l.allowOutsideDataRoot = allowOutsideDataRoot
        return l
    }
}

/// Splits `a,b c` style lists given once or repeated.
func commaList(_ values: [String]) -> [String] {
    values.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
}

struct Eval: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained run on every task and language: zero-shot transfer, held-out tasks, retrieval.",
        discussion: """
        Loads the run's best checkpoint (else last), verified against its manifest, and scores each task of the experiment (masked LM aside) in \
        its training and evaluation languages, on the test split where the language has one, else dev. --tasks may \
        name tasks the run never trained: retrieval tasks (Tatoeba) are scored by cosine nearest neighbour over \
        pooled embeddings (--layer, --pooling), classification tasks through the model's label-matching head.

        Every score has a 95% percentile-bootstrap interval. A language whose labelled data trained the task, or \
        whose dev data chose the checkpoint (selection: target-dev), is marked supervised or selected and never \
        counted as zero-shot. Writes into the run folder: predictions/<task>/<lang>.jsonl, metrics.jsonl, \
        summary.json, tables/<task>.csv, figures/*.svg and report.md. The output, summary.json ("training") and \
        report.md state the checkpoint's training step and mark a run whose training did not finish.
        """
    )

    @Argument(help: "The run folder (results/<run>).") var runFolder: String
    @Option(parsing: .upToNextOption, help: "Tasks to evaluate (default: the experiment's).") var tasks: [String] = []
    @Option(parsing: .upToNextOption, help: "Languages (default: each task's training and evaluation languages).") var languages: [String] = []
    @OptionGroup var specs: SpecLocationOptions
    @Option(name: .customLong("adapter"), help: ArgumentHelp("Load an exported adapter folder into one of the model's adapter slots, e.g. task=DIR or (MAD-X) language=DIR; repeatable.", valueName: "SLOT=DIR"))
    var adapterArguments: [String] = []
    @Option(help: "Checkpoint: best or last, or a run with stages' start or stage-<n> (default: best when kept).") var checkpoint: String?
    @Option(help: "Split to score: test or dev (default: test where present, else dev).") var split: String?
    @Option(help: "Examples per task and language (default: the experiment's max_eval_examples; 0 = all).") var maxExamples: Int?
    @Option(help: "Sequences per forward pass (default: the experiment's evaluation batch size).") var batchSize: Int?
    @Option(help: "Bootstrap resamples for the confidence intervals.") var resamples = 1000
    @Option(help: "Retrieval and dual-encoder label matching: pool this layer's output (0 = embeddings; default the last).") var layer: Int?
    @Option(help: "Retrieval: pooling, mean or cls (default: the model's sentence-transformers pooling, else mean).") var pooling: String?
    @Option(help: "Retrieval and dual-encoder label matching: text prepended to every sentence, e.g. \"query: \" (default: the model's sentence-transformers default prompt, if any).") var prompt: String?
    @Option(help: "Retrieval and dual-encoder label matching: name of one of the model's sentence-transformers prompts.") var promptName: String?
    @Option(help: "Label matching: what stands for a label: name, description, or localized (month and weekday names in the text's language for the built-in dates tasks, else the description).") var labelText = "name"

    func validate() throws {
        if let maxExamples { try OptionRange.atLeast(0, maxExamples, "--max-examples", meaning: "0 = all") }
        if let batchSize { try OptionRange.positive(batchSize, "--batch-size") }
        try OptionRange.positive(resamples, "--resamples")
        if let layer { try OptionRange.atLeast(0, layer, "--layer", meaning: "0 = embeddings") }
        if prompt != nil && promptName != nil { throw ValidationError("give --prompt or --prompt-name, not both") }
    }

    func run() throws {
        Threads.configure()
        do {
            try OutputPolicy.requireRunFolder(runFolder)
            var o = EvaluationOptions()
            o.tasks = tasks.isEmpty ? nil : commaList(tasks)
            o.languages = languages.isEmpty ? nil : commaList(languages)
            o.locations = specs.locations
            o.adapters = try adapterArguments.map { try AdapterOverride(argument: $0) }
            o.checkpoint = checkpoint
            if let split {
                guard let s = Split(rawValue: split), s != .train else { throw ValidationError("--split must be test or dev, got \(split)") }
                o.split = s
            }
            o.maxExamples = maxExamples
            o.batchSize = batchSize
            o.resamples = resamples
            var p: Pooling?
            if let pooling {
                guard let chosen = Pooling(rawValue: pooling) else { throw ValidationError("--pooling must be mean or cls, got \(pooling)") }
                p = chosen
            }
            o.retrieval = RetrievalSettings(layer: layer, pooling: p, prompt: prompt, promptName: promptName)
            guard let lt = LabelText(rawValue: labelText) else { throw ValidationError("--label-text must be name, description or localized, got \(labelText)") }
            o.labelText = lt
            // A distributed job: the ranks split each language's examples; rank 0 reports and writes.
            o.log = { if Distributed.isRoot { note($0) } }
            let summary = try RunEvaluator.evaluate(run: runFolder, options: o)
            guard Distributed.isRoot else { return }
            if let training = summary.training { try say("evaluated: \(training.line(checkpoint: summary.checkpoint))") }
            for t in summary.tasks {
                let avg = { (v: Double?) in v.map { ScoreFormat.number($0, decimals: 1, scale: PredictionScoring.displayScale(t.majorMetric)) } ?? "–" }
                try say("\(t.task) [\(t.evaluation)] \(t.majorMetric): source \(avg(t.sourceAverage)), zero-shot \(avg(t.zeroShotAverage)), gap \(avg(t.transferGap))")
            }
            try say("report: \(ResultsLayout(path: runFolder).report.path)")
        } catch {
            fail(error)
        }
    }
}
