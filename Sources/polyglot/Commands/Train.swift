import ArgumentParser
import Foundation
import Platform
import Runs
import Tasks
import Training

struct Train: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one shared encoder with per-task heads on the tasks of an experiment file.",
        discussion: """
        The experiment file (YAML) names the model (from scratch with its size, or a Polyglot or Hugging Face \
        checkpoint), the tokenizer (trained on the fly or read), the tasks with their training and evaluation \
        languages, the task sampler, optimization, fine-tuning strategy, evaluation and the seed; see \
        experiments/ for examples. Unknown keys, tasks or languages and impossible sizes fail before training.

        --set KEY=VALUE overrides any field (dotted keys, typed by the schema; list entries by index or task \
        name), e.g. --set optimization.lr=3e-4 --set tasks.cldr-mlm.weight=2.

        Output: results/<name>-seed<seed>-<UTC time>/ unless --output is given (a new or empty folder; an existing \
        run is refused, as is a folder of other files unless --force), holding experiment.yaml (the \
        resolved experiment), environment.json (versions, threads, seeds, SHA-256 of every data file), \
        train.jsonl (every step's loss per task and every evaluation), results.json, tokenizer.json and \
        checkpoints/{last,best}/.

        An experiment with stages: [...] trains them one after another from the same model, each stage giving \
        its own tasks, sampler, optimization, strategy and evaluation over the top-level ones; after each (and \
        before the first) every task of every stage is scored, giving forgetting.json (the forgetting matrix, \
        backward and forward transfer), stages/<row>/predictions/ and checkpoints/{start,stage-<n>}/. A stage's \
        strategy may add l2_sp, ewc and replay against forgetting (experiments/README.md).

        --resume DIR continues a run from its last checkpoint (after a crash or kill); the result is \
        bitwise identical to an uninterrupted run. Before anything is loaded, the checkpoint is verified \
        against its manifest (size and SHA-256 of every file, nothing missing or added), experiment.yaml and \
        tokenizer.json against the SHA-256 environment.json recorded, and every data file against its recorded \
        SHA-256; a mismatch is refused naming the file. --allow-changed-data continues on changed data files \
        anyway and records them, and the flag, in environment.json.

        Under mpirun -np N (Open MPI) the run is one data-parallel job: each rank computes a share of every batch, the \
        gradients are summed each step, rank 0 writes the run folder; POLYGLOT_THREADS is per rank (README: Several \
        processes and machines).

        SIGINT (Ctrl-C) or SIGTERM ends the run after the current step: checkpoints/last is saved, one line says \
        where it stopped and how to resume, and the exit status is 130 or 143. A second signal exits at once.
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

    @Flag(help: "With --resume: continue although data files differ from their recorded SHA-256 (recorded in environment.json).")
    var allowChangedData = false

    @Option(help: "Root that task data paths are relative to (default: the experiment's data_root, else POLYGLOT_DATA_ROOT, else data/).")
    var dataRoot: String?

    @Option(help: "Folder of task specs.")
    var tasksDir = "tasks"

    @Option(help: "Folder of language specs.")
    var languagesDir = "languages"

    @Flag(help: "Start the run in an existing --output folder that holds other files (none of them is deleted or moved).")
    var force = false
    @Flag(help: "Let task specs name data files by absolute paths or outside the data root.")
    var allowOutsideDataRoot = false

    func validate() throws {
        if resume == nil && experiment == nil { throw ValidationError("give an experiment file, or --resume DIR") }
        if resume != nil && (experiment != nil || !overrides.isEmpty || output != nil) {
            throw ValidationError("--resume takes the run folder only: the experiment and output are the run's own")
        }
        if force && output == nil { throw ValidationError("--force applies to --output DIR only") }
        if allowChangedData && resume == nil { throw ValidationError("--allow-changed-data is for --resume DIR only") }
    }

    func run() throws {
        StopSignal.install()
        Threads.configure()
        var options = TrainOptions()
        options.tasksDirectory = tasksDir
        options.languagesDirectory = languagesDir
        options.dataRoot = dataRoot
        options.force = force
        options.allowChangedData = allowChangedData
        options.allowOutsideDataRoot = allowOutsideDataRoot
        do {
            let summary: TrainingSummary
            if let resume {
                summary = try Trainer.resume(resume, options: options)
            } else {
                guard let file = experiment else { throw ValidationError("give an experiment file, or --resume DIR") }
                let e = try ExperimentLoader.load(file: file, overrides: overrides)
                try e.validate(file: file)
                // A distributed job: rank 0's default folder name (its clock) for every rank.
                let chosen = output ?? RunFolder.defaultPath(for: e)
                let path = try Distributed.broadcast(Distributed.isRoot ? [chosen] : nil).first ?? chosen
                summary = try Trainer.start(e, experimentFile: file, outputPath: path, options: options)
            }
            guard Distributed.isRoot else { return }
            let r = summary.results
            try say("run: \(summary.runFolder.path)")
            try say("steps: \(r.steps)\(r.stoppedEarly ? " (stopped early)" : "")")
            if let step = r.bestStep, let score = r.bestScore {
                try say("best: step \(step), \(r.selection) score \(String(format: "%.4f", score)) over \(r.selectionTasks.joined(separator: ", "))"
                        + (r.stages == nil ? "" : " (the last stage's)"))
            }
            if let f = summary.forgetting {
                let value = { (v: Double?) in v.map { String(format: "%+.4f", $0) } ?? "n/a" }
                try say("stages: \(f.stages.count); backward transfer \(value(f.backwardTransfer)), forward transfer \(value(f.forwardTransfer)) "
                        + "(forgetting.json; polyglot report \(summary.runFolder.path) writes the table and figure)")
            }
        } catch let stopped as TrainingStopped {
            // Every rank of a distributed job stops at the same step; rank 0 says so.
            if Distributed.isRoot { StandardStreams.error.record("\(stopped)\n") }
            Distributed.finish()
            Foundation.exit(stopped.exitStatus)
        } catch {
            fail(error)
        }
    }
}
