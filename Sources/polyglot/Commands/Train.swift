import ArgumentParser
import Foundation
import Platform
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one shared encoder with per-task heads on the tasks of an experiment file.",
        discussion: """
        The experiment file (YAML) names the model (from scratch with its size, or a Polyglot or Hugging Face \
        checkpoint), the tokenizer (trained on the fly or read), the tasks with their training and evaluation \
        languages, the task sampler, optimization, fine-tuning strategy, evaluation and the seed; see \
        experiments/ for examples. Unknown keys, tasks or languages and impossible sizes fail before training.

        --set KEY=VALUE overrides any field (dotted keys, typed by the schema; list entries by index or task \
        name), e.g. --set optimization.lr=3e-4 --set tasks.cldr-mlm.weight=2.

        Output: results/<name>-seed<seed>-<UTC time>/ unless --output is given, holding experiment.yaml (the \
        resolved experiment), environment.json (versions, threads, seeds, SHA-256 of every data file), \
        train.jsonl (every step's loss per task and every evaluation), results.json, tokenizer.json and \
        checkpoints/{last,best}/.

        --resume DIR continues a run from its last checkpoint (after a crash or kill); the result is \
        bitwise identical to an uninterrupted run.
        """
    )

    @Argument(help: "The experiment file (not with --resume).")
    var experiment: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a field: KEY=VALUE (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Run folder (default: results/<experiment name>-seed<seed>-<UTC time>).")
    var output: String?

    @Option(help: ArgumentHelp("Continue the run in this folder from its last checkpoint.", valueName: "dir"))
    var resume: String?

    @Option(help: "Root that task data paths are relative to (default: the experiment's data_root, else POLYGLOT_DATA_ROOT, else data/).")
    var dataRoot: String?

    @Option(help: "Folder of task specs.")
    var tasksDir = "tasks"

    @Option(help: "Folder of language specs.")
    var languagesDir = "languages"

    @Flag(help: "Let task specs name data files by absolute paths or outside the data root.")
    var allowOutsideDataRoot = false

    func validate() throws {
        if resume == nil && experiment == nil { throw ValidationError("give an experiment file, or --resume DIR") }
        if resume != nil && (experiment != nil || !overrides.isEmpty || output != nil) {
            throw ValidationError("--resume takes the run folder only: the experiment and output are the run's own")
        }
    }

    func run() throws {
        Threads.configure()
        var options = TrainOptions()
        options.tasksDirectory = tasksDir
        options.languagesDirectory = languagesDir
        options.dataRoot = dataRoot
        options.allowOutsideDataRoot = allowOutsideDataRoot
        do {
            let summary: TrainingSummary
            if let resume {
                summary = try Trainer.resume(resume, options: options)
            } else {
                let file = experiment!
                let e = try ExperimentLoader.load(file: file, overrides: overrides)
                try e.validate(file: file)
                let path = output ?? RunFolder.defaultPath(for: e)
                summary = try Trainer.start(e, experimentFile: file, outputPath: path, options: options)
            }
            let r = summary.results
            print("run: \(summary.runFolder.path)")
            print("steps: \(r.steps)\(r.stoppedEarly ? " (stopped early)" : "")")
            if let step = r.bestStep, let score = r.bestScore {
                print("best: step \(step), \(r.selection) score \(String(format: "%.4f", score)) over \(r.selectionTasks.joined(separator: ", "))")
            }
        } catch {
            fail(error)
        }
    }
}
