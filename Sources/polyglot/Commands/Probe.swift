import ArgumentParser
import Evaluation
import Foundation
import Runs
import Tasks
import Models
import Platform

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Few-shot probes of a trained run: linear, nearest-centroid or fine-tuning on k shots, over seeds.",
        discussion: """
        For each k and each seed 0..<--seeds, a shot set (k examples per class, or per language) is drawn from the \
        target language's train split (else dev) with a seeded stream and saved in the results; the probe is fit on \
        it and scored on the language's test split (else dev) with a 95% bootstrap interval. linear: logistic \
        regression on frozen pooled features of --layer (all: every layer, a layer-wise curve); centroid: nearest \
        class centroid by cosine; finetune: the whole model continues training from the run's checkpoint on the \
        shots (few-shot transfer). Writes probes/<task>/<lang>/<method>.json, metrics.jsonl, report.md and figures.
        """
    )

    @Argument(help: "The run folder (results/<run>).") var runFolder: String
    @Option(help: "Task to probe.") var task: String
    @Option(help: "Shots per class (or per language), comma-separated.") var k = "1,2,4,8,16,32"
    @Option(help: "Number of seeds (0..<N).") var seeds = 5
    @Option(help: "linear, centroid or finetune.") var method = "linear"
    @Option(help: "Feature layer: a number (0 = embeddings), last or all.") var layer = "last"
    @Option(help: "Target language (default: the task's first evaluation language).") var language: String?
    @Option(help: "What k counts: per-class or per-language.") var unit = "per-class"
    @Option(help: "Pooling of features: mean or cls.") var pooling = "mean"
    @OptionGroup var specs: SpecLocationOptions
    @Option(name: .customLong("adapter"), help: ArgumentHelp("Load an exported adapter folder into one of the model's adapter slots, e.g. task=DIR or (MAD-X) language=DIR; repeatable.", valueName: "SLOT=DIR"))
    var adapterArguments: [String] = []
    @Option(help: "Checkpoint: best or last, or a run with stages' start or stage-<n> (default: best when kept).") var checkpoint: String?
    @Option(help: "Scored examples (default: the experiment's max_eval_examples; 0 = all).") var maxExamples: Int?
    @Option(help: "Linear probe: full-batch steps.") var steps = 300
    @Option(help: "Fine-tuning: optimizer steps on the shots.") var finetuneSteps = 30
    @Option(help: "Fine-tuning: AdamW learning rate.") var finetuneLr = 1e-4
    @Option(help: "Bootstrap resamples.") var resamples = 1000

    /// `--k` as numbers: each 1 or more.
    var shots: [Int] {
        get throws {
            let ks = try commaList([k]).map { s -> Int in
                guard let v = Int(s), v > 0 else { throw ValidationError("--k takes integers 1 or more, comma-separated, got '\(s)'") }
                return v
            }
            guard !ks.isEmpty else { throw ValidationError("--k is empty: give shot counts 1 or more, comma-separated") }
            return ks
        }
    }

    func validate() throws {
        _ = try shots
        try OptionRange.positive(seeds, "--seeds")
        if let maxExamples { try OptionRange.atLeast(0, maxExamples, "--max-examples", meaning: "0 = all") }
        try OptionRange.positive(steps, "--steps")
        try OptionRange.positive(finetuneSteps, "--finetune-steps")
        try OptionRange.positive(finetuneLr, "--finetune-lr")
        try OptionRange.positive(resamples, "--resamples")
        if layer != "last" && layer != "all" {
            guard let n = Int(layer), n >= 0 else { throw ValidationError("--layer takes a layer number 0 or more (0 = embeddings), last or all, got '\(layer)'") }
        }
    }

    func run() throws {
        Threads.configure()
        do {
            try OutputPolicy.requireRunFolder(runFolder)
            var o = ProbeOptions(task: task)
            o.ks = try shots
            o.seeds = seeds
            guard let m = ProbeMethod(rawValue: method) else { throw ValidationError("--method must be linear, centroid or finetune, got \(method)") }
            o.method = m
            o.layer = try LayerChoice(parsing: layer)
            if m == .finetune && o.layer != .last { throw ValidationError("--layer applies to linear and centroid probes") }
            o.language = language
            guard let u = ShotUnit(rawValue: unit) else { throw ValidationError("--unit must be per-class or per-language, got \(unit)") }
            o.unit = u
            guard let p = Pooling(rawValue: pooling) else { throw ValidationError("--pooling must be mean or cls, got \(pooling)") }
            o.pooling = p
            o.locations = specs.locations
            o.adapters = try adapterArguments.map { try AdapterOverride(argument: $0) }
            o.checkpoint = checkpoint
            o.maxEvalExamples = maxExamples
            o.linear.steps = steps
            o.finetuneSteps = finetuneSteps
            o.finetuneLearningRate = finetuneLr
            o.resamples = resamples
            o.log = { note($0) }
            let result = try ProbeRunner.run(path: runFolder, options: o)
            for a in result.aggregates {
                let s = PredictionScoring.displayScale(result.metric)
                try say("\(result.method.rawValue) \(result.task) \(result.language)\(a.layer.map { " layer \($0)" } ?? "") k=\(a.k): \(result.metric) \(ScoreFormat.number(a.mean, decimals: 1, scale: s)) ± \(ScoreFormat.number(a.sd, decimals: 1, scale: s)) over \(a.seeds) seeds")
            }
            try say("results: \(ResultsLayout(path: runFolder).probe(task: result.task, language: result.language, name: result.name).path)")
        } catch {
            fail(error)
        }
    }
}
