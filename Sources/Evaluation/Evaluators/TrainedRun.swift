import Data
import Foundation
import Models
import Platform
import Text
import Runs
import Tasks

/// Where evaluation finds specs and data.
public struct EvaluationPaths: Sendable {
    public var tasksDirectory = "tasks"
    public var languagesDirectory = "languages"
    /// `--data-root`; the experiment's `data_root` wins, then this, then `POLYGLOT_DATA_ROOT`, then `data/`.
    public var dataRoot: String?
    /// `--allow-outside-data-root`: task specs may name files outside the data root.
    public var allowOutsideDataRoot = false
    public init() {}
}

/// `--adapter SLOT=DIR`: an exported adapter loaded into one of the model's adapter slots.
public struct AdapterOverride: Equatable, Sendable {
    public var slot: String
    public var path: String
    public init(slot: String, path: String) { self.slot = slot; self.path = path }

    /// Parses `SLOT=DIR`.
    public init(argument: String, flag: String = "--adapter") throws {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex, argument.index(after: eq) != argument.endIndex else {
            throw ConfigError(key: flag, "expected SLOT=DIR (an adapter slot of the model, e.g. task or language, and an adapter folder), got '\(excerpt(argument))'")
        }
        slot = String(argument[..<eq]); path = String(argument[argument.index(after: eq)...])
    }
}

/// A training run opened for evaluation (finished or not: `training` says): its resolved experiment, the checkpoint's model and
/// tokenizer, the task and language specs, and which languages the model saw.
public final class TrainedRun {
    public let layout: ResultsLayout
    public let experiment: Experiment
    public let catalog: TaskCatalog
    public let dataRoot: String
    public let model: MultiTaskModel
    public var tokenizer: Tokenizer
    /// `best` or `last` (a run with stages also has `start` and `stage-<n>`).
    public let checkpoint: String
    public let checkpointDirectory: URL
    /// How far training got and the step of the checkpoint (marks a run whose training did not finish).
    public let training: TrainingStatus
    public let seen: SeenLanguages
    public let batchSize: Int

    /// Opens `path`; `checkpoint` nil takes `best` when the run kept one, else `last`. `minBatch` raises the
    /// encoder's batch capacity (label matching puts every label of a text in one batch).
    public init(path: String, locations: EvaluationPaths, checkpoint: String? = nil, batchSize: Int? = nil, minBatch: Int = 1) throws {
        let run = try RunFolder.open(path)
        layout = ResultsLayout(root: run.url)
        experiment = try run.readExperiment()
        dataRoot = experiment.dataRoot ?? RuntimeInfo.dataRoot(locations.dataRoot)
        catalog = try TaskCatalog.load(tasksDirectory: locations.tasksDirectory, languagesDirectory: locations.languagesDirectory,
                                       allowOutsideDataRoot: locations.allowOutsideDataRoot).discoveringLanguages(dataRoot: dataRoot)
        let store = run.checkpoints
        let name: String
        if let checkpoint {
            guard store.existing(checkpoint) != nil else { throw FileError(path: store.url(checkpoint).path, "no such checkpoint in the run") }
            name = checkpoint
        } else if store.existing("best") != nil {
            name = "best"
        } else if store.existing("last") != nil {
            name = "last"
        } else {
            throw FileError(path: store.root.path, "the run has no checkpoint (neither best nor last): train it first")
        }
        self.checkpoint = name
        checkpointDirectory = store.url(name).appendingPathComponent("model")
        training = try TrainingStatus.of(run, checkpoint: name)
        let size = batchSize ?? experiment.evaluation.batchSize
        self.batchSize = size
        model = try ModelCheckpoint.load(checkpointDirectory, maxBatch: max(size, minBatch), maxLength: experiment.data.maxLength)
        // Evaluated in the arithmetic it was trained with.
        if experiment.model.precision == .bf16, let reason = BF16.unsupportedReason { throw ConfigError(key: "model.precision", reason) }
        try model.store.setPrecision(experiment.model.precision)
        var tok = try Tokenizer.load(from: ModelCheckpoint.tokenizerURL(checkpointDirectory))
        tok.maxLength = min(experiment.data.maxLength, model.encoder.maxLength)
        tokenizer = tok
        let specs = catalog.tasks
        // A stage checkpoint has seen the stages up to it only; `start`, none.
        var seenBy = experiment
        if experiment.isStaged, let row = RunFolder.stageRow(checkpoint: name), row <= experiment.stages.count {
            seenBy = experiment.throughStage(row)
        }
        let all = SeenLanguages.of(seenBy, headOf: { specs[$0].map(TaskCatalog.headName) ?? $0 }, isMaskedLM: { specs[$0]?.type == .mlm })
        seen = experiment.isStaged && RunFolder.stageRow(checkpoint: name) == 0
            ? SeenLanguages(training: [:], selection: [], unlabelled: [], selectionMode: all.selectionMode) : all
    }

    /// Loads each `--adapter SLOT=DIR` into the model's adapter slot (refused when the model has no such slot,
    /// another configuration, or another base model).
    public func loadAdapters(_ adapters: [AdapterOverride]) throws -> [EvaluationSummary.LoadedAdapter] {
        try adapters.map { a in
            let dir = URL(fileURLWithPath: a.path)
            let header = try AdapterFile.load(dir, into: model, slot: a.slot)
            return EvaluationSummary.LoadedAdapter(slot: a.slot, path: a.path, name: header.name, sha256: try AdapterFile.weightsSHA256(dir))
        }
    }

    /// MAD-X: the switch that loads each language's adapter before it is scored (nil for other strategies, or
    /// when `--adapter` fixes the language slot).
    public func languageAdapterSwitch(overrides: [AdapterOverride]) throws -> LanguageAdapterSwitch? {
        guard let source = experiment.madxSource, !overrides.contains(where: { $0.slot == StrategySettings.languageSlot }) else { return nil }
        let strategy = experiment.strategy
        return try LanguageAdapterSwitch(model: model, slot: StrategySettings.languageSlot, sourceLanguage: source.language,
                                         path: { strategy.languageAdapter(for: $0) })
    }

    /// The padding id batches use.
    public var pad: Int32 { Int32(model.config.padTokenId) }

    public func spec(_ task: String) throws -> TaskSpec {
        guard let s = catalog.tasks[task] else {
            throw ConfigError(key: "tasks", "unknown task '\(task)' (known: \(catalog.tasks.names.sorted().joined(separator: ", ")))")
        }
        return s
    }

    /// The spec of a language, or for a language with no spec one with family unknown and the dominant script of
    /// `examples` (`unknown` is then true).
    public func language(_ code: String, examples: [Example]) -> (spec: LanguageSpec, unknown: Bool) {
        if let spec = catalog.languages[code] { return (spec, false) }
        let script = Script.dominant(amongTexts: examples.lazy.map(\.ownText))
        return (LanguageSpec.unknown(code: code, script: script?.iso15924 ?? Script.common.iso15924), true)
    }

    /// Examples of a task in a language and split, the first `cap` when given.
    public func examples(_ spec: TaskSpec, language: String, split: Split, cap: Int?) throws -> [Example] {
        var e = try DatasetLoader.load(task: spec, language: language, split: split, dataRoot: dataRoot, languages: catalog.languages)
        if let cap, e.count > cap { e = Array(e.prefix(cap)) }
        guard !e.isEmpty else { throw ConfigError(key: "languages", "task '\(spec.name)' has no \(split.rawValue) examples in '\(language)'") }
        return e
    }
}
