import Runs
import Tasks
import Data
import Engine
import Foundation
import Models
import Platform
import Text

/// Where the trainer finds specs and data, and how it reports.
public struct TrainOptions {
    public var tasksDirectory = "tasks"
    public var languagesDirectory = "languages"
    /// `--data-root`; the experiment's `data_root` wins, then this, then `POLYGLOT_DATA_ROOT`, then `data/`.
    public var dataRoot: String?
    /// `--allow-outside-data-root`: task specs may name files outside the data root.
    public var allowOutsideDataRoot = false
    /// Progress as a redrawn bar (nil: when standard output is a terminal).
    public var interactive: Bool?
    public var write: (String) -> Void = { StandardStreams.output.record($0) }
    /// `--force`: start the run in an existing folder holding other files (none of them deleted).
    public var force = false
    /// `--allow-changed-data`: resume although data files differ from the run's record (recorded in it).
    public var allowChangedData = false
    /// A stop request (SIGINT, SIGTERM), read between steps: the run saves `last` and ends with `TrainingStopped`.
    public var stopRequested: () -> Int32? = { StopSignal.pending }
    public init() {}
}

/// A run stopped on request (SIGINT, SIGTERM) after finishing a step, its `last` checkpoint saved.
public struct TrainingStopped: PolyglotError {
    public let signal: Int32
    public let step: Int
    public let maxSteps: Int
    public let runFolder: URL
    /// Whether `last` holds the stopping step (false only when no step was done yet).
    public let saved: Bool

    public var description: String {
        let at = step == 0 ? "before the first step" : "after step \(step) of \(maxSteps)" + (saved ? ", checkpoints/last saved" : "")
        return "stopped by \(StopSignal.name(signal)) \(at); continue with: polyglot train --resume \(runFolder.path)"
    }

    /// 128 + the signal, as a shell reports a process ended by it (130 for SIGINT, 143 for SIGTERM).
    public var exitStatus: Int32 { 128 + signal }
}

/// What a finished run reports.
public struct TrainingSummary: Sendable {
    public var runFolder: URL
    public var results: TrainingResults
    /// A run with stages: its forgetting matrix (`forgetting.json`).
    public var forgetting: ForgettingMatrix?
}

/// The multi-task training loop: task sampler → batches → encoder + heads → gradient accumulation,
/// clipping, schedule, fine-tuning strategy → optimizer; dev evaluation every N steps, selection and
/// early stopping, `best` and `last` checkpoints, `train.jsonl`. Resumable bitwise from `last`.
/// An experiment with stages trains them one after another on the one model (`Trainer+Stages.swift`).
public final class Trainer {
    let experiment: Experiment
    /// Each stage as an experiment of its own (without stages: the experiment itself, alone).
    let stagePlans: [Experiment]
    let run: RunFolder
    /// Every stage's tasks, stage by stage: a task listed in two stages is two entries, each with its own
    /// training data (its languages) and example iterator.
    let tasks: [TrainingTask]
    /// `tasks` indices of each stage's own tasks.
    let stageTasks: [[Int]]
    let model: MultiTaskModel
    /// The current stage's strategy, schedule, optimizer and what its sampler draws from.
    var stage: StageContext
    /// Store group index for (layer group, weight decay on?); `head` names the head of groups made for a
    /// head whose task sets its own `head_lr_multiplier` (in any stage), which replaces the strategy's.
    /// Adapter and LoRA weights have layer group −1 (`Trainer.adapterLayerGroup`): never frozen, at the scheduled
    /// rate; MAD-X's language adapter has −2 (`Trainer.frozenAdapterLayerGroup`): always frozen.
    let storeGroups: [(layerGroup: Int, decays: Bool, head: String?, index: Int)]
    /// Store entries of each head (its `TaskHeads.parameterPrefix`), and each task's index into it: a step
    /// marks the heads of the tasks it does not train idle, so the optimizer leaves them as torch leaves a
    /// parameter without a gradient (no weight decay, no momentum carried on, no step counted).
    let headEntries: [[Int]]
    /// MAD-X: swaps each dev language's adapter in for its evaluation, the source's back for training.
    let languageAdapters: LanguageAdapterSwitch?
    /// A distributed job: sums the ranks' gradients every step (nothing with one process).
    let gradientSum: GradientAllReduce
    let taskHead: [Int]
    var headTrained: [Bool]
    let masking: BatchAssembly.MaskingTokens?
    let pad: Int32
    let tokenizerFiles: [String: Data]
    /// The forgetting matrix's columns (a run with stages; empty otherwise).
    let units: [StageUnit]
    /// Store entries of the shared encoder (every parameter no head owns), which L2-SP and EWC cover.
    let encoderEntries: [Int]
    var state: TrainerState
    /// The step `last` holds (nil: none written by this process or restored).
    var savedStep: Int?
    /// Steps whose `parameters` record train.jsonl already holds (a resumed run keeps the one its start wrote).
    var parametersLogged: Set<Int> = []
    var log: TrainLog?
    let options: TrainOptions

    public static let checkpointStateFile = RunFolder.trainerStateFile
    public static let optimizerFile = "optimizer.json"

    // MARK: - Entry points

    /// Starts a new run of `experiment` in `outputPath`.
    public static func start(_ written: Experiment, experimentFile: String?, outputPath: String, options: TrainOptions = TrainOptions()) throws -> TrainingSummary {
        try written.validate(file: experimentFile)
        let dataRoot = written.dataRoot ?? RuntimeInfo.dataRoot(options.dataRoot)
        let catalog = try TaskCatalog.load(tasksDirectory: options.tasksDirectory, languagesDirectory: options.languagesDirectory,
                                           allowOutsideDataRoot: options.allowOutsideDataRoot).discoveringLanguages(dataRoot: dataRoot)
        // FLORES-200 codes in the file name their spec's language; the run records the spec codes.
        let experiment = catalog.canonicalizingLanguages(written)
        let specs = try catalog.resolve(experiment, file: experimentFile)
        let raw = try loadExamples(experiment, specs: specs, catalog: catalog, dataRoot: dataRoot)
        let units = try loadUnits(experiment, specs: specs, catalog: catalog, dataRoot: dataRoot)
        // A distributed job: rank 0 alone writes the run folder; the others get its tokenizer and weights.
        let run: RunFolder
        var tokenizer: Tokenizer?
        if Distributed.isRoot {
            run = try RunFolder.create(at: outputPath, force: options.force)
            try run.writeExperiment(experiment)
            tokenizer = try TokenizerSetup.prepare(experiment, examples: raw.flatMap { $0 }, run: run)
        } else {
            run = RunFolder(url: URL(fileURLWithPath: outputPath, isDirectory: true))
        }
        let shared = try TokenizerSetup.shared(experiment, run: run, tokenizer: tokenizer)
        let trainer = try Trainer(experiment: experiment, run: run, specs: specs, raw: raw, units: units, tokenizer: shared.tokenizer,
                                  tokenizerFiles: shared.files, catalog: catalog, dataRoot: dataRoot, options: options)
        try trainer.shareWeights()
        if Distributed.isRoot {
            try run.writeEnvironment(try trainer.environment(specs: specs, catalog: catalog, dataRoot: dataRoot))
            trainer.log = try TrainLog(url: run.trainLog)
        }
        return try trainer.train()
    }


    /// Every spec and data file the run reads (the list `environment.json` records with checksums).
    static func readFiles(_ experiment: Experiment, specs: [[TaskSpec]], catalog: TaskCatalog, dataRoot: String) throws -> [String] {
        var files: [String] = []
        for (stage, stageSpecs) in zip(experiment.stageExperiments, specs) {
            for (spec, entry) in zip(stageSpecs, stage.tasks) {
                files += TaskCatalog.files(of: spec, languages: entry.trainLanguages, splits: [.train, .dev], dataRoot: dataRoot)
                files += TaskCatalog.files(of: spec, languages: entry.evalLanguages, splits: [.dev], dataRoot: dataRoot)
            }
        }
        for unit in try unitPlan(experiment, specs: specs) {
            files += TaskCatalog.files(of: unit.spec, languages: [unit.language], splits: [unit.split], dataRoot: dataRoot)
        }
        files += experiment.stageExperiments.flatMap { $0.tasks }.flatMap { $0.trainLanguages + $0.evalLanguages }
            .compactMap { catalog.languages[$0]?.sourcePath }.filter { !$0.isEmpty }
        if experiment.tokenizer.source == .file, let p = experiment.tokenizer.path { files.append(p) }
        return files
    }

    /// Continues the run in `path` from its `last` checkpoint (or from the start when none was written).
    /// Nothing is loaded before it is verified: `last` against its manifest, experiment.yaml and the
    /// tokenizer against `environment.json`, and the data files against their recorded SHA-256 (changed
    /// data is refused unless `options.allowChangedData`, which the resume point records).
    ///
    /// A distributed job resumes from the run folder as every rank sees it (one machine, or a shared
    /// filesystem): rank 0 verifies and writes, every rank reads `last`, and rank 0's weights, state and
    /// tokenizer are the ones all ranks continue with. Any N resumes a run trained with any other.
    public static func resume(_ path: String, options: TrainOptions = TrainOptions()) throws -> TrainingSummary {
        let run = try RunFolder.open(path)
        if Distributed.isRoot { try run.checkpoints.recover() }
        try Distributed.barrier()
        let last = run.checkpoints.existing("last")
        if last != nil && Distributed.isRoot { try run.checkpoints.verify("last") }
        try Distributed.barrier()
        let recorded = try run.readEnvironment()
        if let recorded {
            try RunRecord.checkRunFiles(recorded, run: run)
        } else if last != nil {
            throw RunRecord.Refusal(message: "\(run.environmentFile.path): missing, though the run has a checkpoint: the run's record of its experiment and data is gone, so it cannot be verified")
        }
        let experiment = try run.readExperiment()
        try experiment.validate(file: run.experimentFile.path)
        let dataRoot = experiment.dataRoot ?? RuntimeInfo.dataRoot(options.dataRoot)
        let catalog = try TaskCatalog.load(tasksDirectory: options.tasksDirectory, languagesDirectory: options.languagesDirectory,
                                           allowOutsideDataRoot: options.allowOutsideDataRoot).discoveringLanguages(dataRoot: dataRoot)
        let specs = try catalog.resolve(experiment, file: run.experimentFile.path)
        var changes: [DataFileChange] = []
        if let recorded {
            changes = RunRecord.dataChanges(recorded, files: try readFiles(experiment, specs: specs, catalog: catalog, dataRoot: dataRoot), dataRoot: dataRoot)
            if !changes.isEmpty && !options.allowChangedData { throw RunRecord.refusal(changes) }
        }
        let raw = try loadExamples(experiment, specs: specs, catalog: catalog, dataRoot: dataRoot)
        let units = try loadUnits(experiment, specs: specs, catalog: catalog, dataRoot: dataRoot)
        // A run killed before its record was written has nothing to check its tokenizer against: it is made
        // again (the same seed gives the same tokenizer). Otherwise the verified one is read.
        var tokenizer: Tokenizer?
        if Distributed.isRoot {
            tokenizer = recorded != nil
                ? try TokenizerSetup.load(experiment, run: run)
                : try TokenizerSetup.prepare(experiment, examples: raw.flatMap { $0 }, run: run)
        }
        let shared = try TokenizerSetup.shared(experiment, run: run, tokenizer: tokenizer)
        let trainer = try Trainer(experiment: experiment, run: run, specs: specs, raw: raw, units: units, tokenizer: shared.tokenizer,
                                  tokenizerFiles: shared.files, catalog: catalog, dataRoot: dataRoot, options: options)
        var resumedFrom = 0
        if let last {
            try trainer.restore(from: last)
            resumedFrom = trainer.state.step
            trainer.savedStep = resumedFrom
        }
        try trainer.shareWeights()
        guard Distributed.isRoot else { return try trainer.train() }
        var environment: RunEnvironment
        if var saved = recorded {
            if !changes.isEmpty {
                // From now on the run reads the new data: the record follows it, the resume point keeps the history.
                saved.dataFiles = try trainer.environment(specs: specs, catalog: catalog, dataRoot: dataRoot).dataFiles
                saved.dataRoot = dataRoot
            }
            environment = saved
        } else {
            environment = try trainer.environment(specs: specs, catalog: catalog, dataRoot: dataRoot)
        }
        environment.resumedAt.append(.init(time: RunEnvironment.timestamp(), step: resumedFrom,
                                           allowChangedData: options.allowChangedData ? true : nil,
                                           changedDataFiles: changes.isEmpty ? nil : changes,
                                           ranks: Distributed.isActive ? Distributed.size : nil))
        try run.writeEnvironment(environment)
        trainer.log = try TrainLog(url: run.trainLog, resumeAfter: resumedFrom)
        trainer.parametersLogged = Set(try TrainLog.read(run.trainLog).filter { $0["type"] as? String == "parameters" }.compactMap { $0["step"] as? Int })
        return try trainer.train()
    }

    // MARK: - Setup

    /// Versions, threads, seed, streams and the checksum of every spec and data file the run reads.
    func environment(specs: [[TaskSpec]], catalog: TaskCatalog, dataRoot: String) throws -> RunEnvironment {
        let files = try Trainer.readFiles(experiment, specs: specs, catalog: catalog, dataRoot: dataRoot)
        return RunEnvironment.current(seed: experiment.seed, randomStreams: streamNames, dataRoot: dataRoot,
                                      dataFiles: try DataFileChecksum.of(files: files), runFiles: try RunRecord.runFiles(run))
    }

    /// Raw examples per task: training examples of every training language, dev examples per language.
    struct RawTask {
        var name: String
        var train: [Example]
        var dev: [String: [Example]]
    }

    /// The raw examples of each stage's tasks (one list without stages).
    static func loadExamples(_ e: Experiment, specs: [[TaskSpec]], catalog: TaskCatalog, dataRoot: String) throws -> [[RawTask]] {
        try zip(e.stageExperiments, specs).enumerated().map { j, pair in
            let (stage, stageSpecs) = pair
            return try zip(stageSpecs, stage.tasks).enumerated().map { i, pair in
                let (spec, entry) = pair
                var train: [Example] = []
                for lang in entry.trainLanguages {
                    var examples = try DatasetLoader.load(task: spec, language: lang, split: .train, dataRoot: dataRoot, languages: catalog.languages)
                    if let cap = e.data.maxTrainExamples, examples.count > cap { examples = Array(examples.prefix(cap)) }
                    train += examples
                }
                if train.isEmpty {
                    throw ConfigError(key: e.stageKey(j) + "tasks.\(i).train_languages", "task '\(spec.name)' has no training examples in \(entry.trainLanguages.joined(separator: ", "))")
                }
                var dev: [String: [Example]] = [:]
                for lang in Set(entry.trainLanguages + entry.evalLanguages).sorted() where spec.splits(for: lang).contains(.dev) {
                    var examples = try DatasetLoader.load(task: spec, language: lang, split: .dev, dataRoot: dataRoot, languages: catalog.languages)
                    if let cap = e.data.maxEvalExamples, examples.count > cap { examples = Array(examples.prefix(cap)) }
                    if !examples.isEmpty { dev[lang] = examples }
                }
                return RawTask(name: spec.name, train: train, dev: dev)
            }
        }
    }

    init(experiment e: Experiment, run: RunFolder, specs: [[TaskSpec]], raw: [[RawTask]], units rawUnits: [RawUnit], tokenizer: Tokenizer,
         tokenizerFiles: [String: Data], catalog: TaskCatalog, dataRoot: String, options: TrainOptions) throws {
        experiment = e
        let plans = e.stageExperiments
        stagePlans = plans
        self.run = run
        self.options = options
        self.tokenizerFiles = tokenizerFiles
        guard let padID = tokenizer.specialTokenIDs.pad else {
            throw ConfigError(file: run.experimentFile.path, key: "tokenizer", "the tokenizer has no padding token ([PAD] or <pad>)")
        }
        pad = Int32(padID)

        var maskingTokens: BatchAssembly.MaskingTokens?
        if specs.joined().contains(where: { $0.type == .mlm }) {
            guard let maskID = tokenizer.specialTokenIDs.mask else {
                throw ConfigError(key: "tokenizer", "a masked-LM task needs a mask token ([MASK] or <mask>) in the tokenizer")
            }
            maskingTokens = .init(mask: Int32(maskID), vocabSize: tokenizer.vocabSize)
        }
        masking = maskingTokens

        var encoded: [TrainingTask] = []
        var stageTasks: [[Int]] = []
        var heads: [String: HeadSpec] = [:]
        for (j, stage) in plans.enumerated() {
            var indices: [Int] = []
            for (i, (spec, entry)) in zip(specs[j], stage.tasks).enumerated() {
                let labels = try LabelSet.of(spec, dataRoot: dataRoot)
                let family = TaskFamilies.make(spec, labels: labels, seed: e.seed, masking: maskingTokens)
                let head = family.head
                if let existing = heads[head.name], existing != head {
                    throw ConfigError(key: e.stageKey(j) + "tasks.\(i).name", "task '\(spec.name)' shares head '\(head.name)' but needs a different one (labels or kind differ)")
                }
                heads[head.name] = head
                let train = try family.encode(raw[j][i].train, tokenizer: tokenizer)
                var dev: [String: EncodedExamples] = [:]
                for (lang, examples) in raw[j][i].dev { dev[lang] = try family.encode(examples, tokenizer: tokenizer) }
                indices.append(encoded.count)
                encoded.append(TrainingTask(family: family, entry: entry, stage: j, train: train, dev: dev))
            }
            stageTasks.append(indices)
        }
        tasks = encoded
        self.stageTasks = stageTasks
        let headSpecs = heads.keys.sorted().compactMap { heads[$0] }

        // A retrieval feature encodes a source and its partner, a multiple-choice feature one sequence per choice.
        let trainSequences = encoded.map { $0.family.sequencesPerFeature * $0.batchSize(plans[$0.stage].optimization) }.max() ?? 1
        let maxBatch = max(trainSequences, (plans + [e]).map(\.evaluation.batchSize).max() ?? 1)
        model = try ModelSetup.build(e, tokenizer: tokenizer, heads: headSpecs, maxBatch: maxBatch)
        let layers = model.config.encoder.numLayers
        for (j, stage) in plans.enumerated() where stage.strategy.kind == .freezeLower && stage.strategy.freezeLayers > layers {
            throw ConfigError(key: e.stageKey(j) + "strategy.freeze_layers", "cannot freeze \(stage.strategy.freezeLayers) layers of a \(layers)-layer model")
        }
        let groupCount = FineTuningPlan(settings: e.strategy, layerCount: layers).groupCount

        // One store group per (layer group, decay): biases and LayerNorm weights take no weight decay, as in BERT.
        // A head whose task sets its own learning-rate multiplier (in any stage) gets its own pair of groups in the
        // top layer group; each stage sets their rates (`StageContext.headMultipliers`).
        var headPrefixes: [String: String] = [:]
        for (j, indices) in stageTasks.enumerated() {
            _ = try Trainer.headMultipliers(encoded, indices: indices, keyPrefix: e.stageKey(j))
            for i in indices where encoded[i].entry.headLRMultiplier != nil {
                headPrefixes[encoded[i].headName] = TaskHeads.parameterPrefix(of: encoded[i].family.head)
            }
        }
        var groups: [(layerGroup: Int, decays: Bool, head: String?, index: Int)] = []
        var layerGroupIndex: [Int: [Bool: Int]] = [:], headGroupIndex: [String: [Bool: Int]] = [:]
        let store = model.store
        let weightDecay = Float(plans[0].optimization.weightDecay)
        func addGroup(_ name: String, layerGroup: Int, decays: Bool, head: String?) -> Int {
            let index = store.addGroup(ParameterGroup(name: "\(name)-\(decays ? "decay" : "no-decay")", weightDecay: decays ? weightDecay : 0))
            groups.append((layerGroup, decays, head, index))
            return index
        }
        for g in 0..<groupCount {
            for decays in [true, false] { layerGroupIndex[g, default: [:]][decays] = addGroup("layers-\(g)", layerGroup: g, decays: decays, head: nil) }
        }
        for head in headPrefixes.keys.sorted() {
            for decays in [true, false] {
                headGroupIndex[head, default: [:]][decays] = addGroup("head-\(head)", layerGroup: groupCount - 1, decays: decays, head: head)
            }
        }
        var adapterGroupIndex: [Bool: Int] = [:], languageAdapterGroupIndex: [Bool: Int] = [:]
        let languageSlot = Set(AdapterFile.names(of: StrategySettings.languageSlot, kind: .bottleneck, in: store))
        if store.entries.contains(where: { AdapterSetup.isAdapterWeight($0.name) }) {
            for decays in [true, false] { adapterGroupIndex[decays] = addGroup("adapters", layerGroup: Trainer.adapterLayerGroup, decays: decays, head: nil) }
        }
        if e.strategy.kind == .madx {
            for decays in [true, false] {
                languageAdapterGroupIndex[decays] = addGroup("language-adapter", layerGroup: Trainer.frozenAdapterLayerGroup, decays: decays, head: nil)
            }
        }
        for entry in store.entries {
            let decays = !(entry.name.hasSuffix(".bias") || entry.name.contains("LayerNorm") || entry.name.contains("layer_norm"))
            let head = headPrefixes.first { entry.name.hasPrefix($0.value) }?.key
            let g = FineTuningPlan.group(ofParameter: entry.name, layerCount: layers)
            let adapterGroup = !AdapterSetup.isAdapterWeight(entry.name) ? nil
                : languageSlot.contains(entry.name) && e.strategy.kind == .madx ? languageAdapterGroupIndex[decays] : adapterGroupIndex[decays]
            if let index = adapterGroup ?? head.flatMap({ headGroupIndex[$0]?[decays] }) ?? layerGroupIndex[g]?[decays] {
                try store.assign(group: index) { $0 == entry.name }
            }
        }
        // A frozen base model computes no gradients for its own weights (adapters and LoRA train alone).
        model.encoder.trainsBase = !plans.contains { $0.strategy.kind.isParameterEfficient }
        if let source = e.madxSource {
            // MAD-X: the source language's adapter under the task adapter, frozen; loaded once here.
            let languageSwitch = try LanguageAdapterSwitch(model: model, slot: StrategySettings.languageSlot, sourceLanguage: source.language,
                                                           path: { e.strategy.languageAdapter(for: $0) })
            try languageSwitch.restoreSource()
            languageAdapters = languageSwitch
        } else {
            languageAdapters = nil
        }
        storeGroups = groups
        gradientSum = GradientAllReduce(store: store)
        let headNames = headSpecs.map(\.name)
        headEntries = headSpecs.map { spec in
            let prefix = TaskHeads.parameterPrefix(of: spec)
            return store.entries.indices.filter { store.entries[$0].name.hasPrefix(prefix) }
        }
        taskHead = encoded.map { task in headNames.firstIndex(of: task.headName) ?? 0 }
        headTrained = [Bool](repeating: false, count: headSpecs.count)
        let owned = Set(headEntries.joined())
        encoderEntries = store.entries.indices.filter { !owned.contains($0) }
        // EWC's Fisher is computed one feature at a time; a retrieval feature alone has no in-batch negatives.
        for (j, indices) in stageTasks.enumerated() where plans.indices.contains(where: { $0 > j && plans[$0].strategy.ewc > 0 }) {
            for (i, t) in indices.map({ encoded[$0] }).enumerated() where t.spec.type == .retrieval {
                throw ConfigError(key: e.stageKey(j) + "tasks.\(i).name",
                                  "task '\(t.spec.name)' is retrieval: a later stage's EWC needs this stage's Fisher information, computed one example at a time, and a retrieval example alone has no in-batch negatives")
            }
        }

        units = try rawUnits.map { raw in
            let labels = try LabelSet.of(raw.plan.spec, dataRoot: dataRoot)
            let family = TaskFamilies.make(raw.plan.spec, labels: labels, seed: e.seed, masking: maskingTokens)
            return StageUnit(record: raw.record, spec: raw.plan.spec, family: family,
                             encoded: try family.encode(raw.examples, tokenizer: tokenizer))
        }

        stage = try Trainer.stageContext(0, of: e, plans: plans, tasks: encoded, stageTasks: stageTasks, store: store, layers: layers)
        let iterators = try encoded.map { try EpochIterator(count: $0.train.features.count, seed: e.seed, name: $0.iteratorName) }
        state = TrainerState(step: 0, sampler: try Trainer.sampler(stage, tasks: encoded, seed: e.seed), iterators: iterators,
                             masking: RandomStream(seed: e.seed, name: "mlm-masking"),
                             encoderDropout: model.encoder.dropoutStream, headDropout: model.headDropoutStream,
                             tracker: SelectionTracker(patience: plans[0].evaluation.patience), tokensSeen: 0, stoppedEarly: false,
                             bestEvaluation: nil, lastEvaluation: nil, stages: e.isStaged ? StageProgress() : nil)
        // The model holds its starting weights: L2-SP's anchor for the first stage.
        stage.penalties = try penalties(stage: 0, startingNow: true)
    }

    /// What encoding split or left out, per task and part ("train", "dev/<language>"; a later stage's parts
    /// as "stage<n>/train", the forgetting matrix's as "scored/<split>/<language>"); parts with nothing to
    /// report are absent.
    var encodingReport: [String: [String: [String: Int]]] {
        var out: [String: [String: [String: Int]]] = [:]
        for task in tasks {
            let prefix = task.stage == 0 ? "" : "stage\(task.stage + 1)/"
            var parts = out[task.spec.name] ?? [:]
            if !task.train.report.isEmpty { parts[prefix + "train"] = task.train.report.counts }
            for (lang, dev) in task.dev where !dev.report.isEmpty { parts[prefix + "dev/\(lang)"] = dev.report.counts }
            if !parts.isEmpty { out[task.spec.name] = parts }
        }
        for unit in units where !unit.encoded.report.isEmpty {
            out[unit.record.task, default: [:]]["scored/\(unit.record.split)/\(unit.record.language)"] = unit.encoded.report.counts
        }
        return out
    }

    var streamNames: [String] {
        var names = ["sampler", "mlm-masking", "dropout", "head_dropout", "init/<parameter>"]
        names += (1..<max(1, stagePlans.count)).map { Trainer.samplerStream(stage: $0) }
        names += tasks.map(\.iteratorName)
        for j in stagePlans.indices where fisherExamples(stage: j) != nil {
            names += ["fisher/stage\(j + 1)"] + (stageTasks[j].contains { tasks[$0].spec.type == .mlm } ? ["fisher/stage\(j + 1)/mlm-masking"] : [])
        }
        for t in tasks where t.spec.type == .mlm {
            for lang in t.dev.keys.sorted() where !names.contains("mlm-dev/\(t.spec.name)/\(lang)") { names.append("mlm-dev/\(t.spec.name)/\(lang)") }
        }
        return names
    }

    static func samplingRule(_ e: Experiment) -> TaskSamplingRule {
        let s = e.sampler
        switch s.kind {
        case .uniform: return .uniform
        case .proportional: return s.cap.map { .temperature(1, examplesCap: $0) } ?? .proportional
        case .temperature: return .temperature(s.temperature, examplesCap: s.cap)
        case .specified: return .specified(e.tasks.map(\.weight))
        case .annealedTemperature:
            return .annealedTemperature(from: s.temperature, to: s.endTemperature ?? s.temperature, steps: s.annealSteps ?? 1, examplesCap: s.cap)
        }
    }

    // MARK: - The loop

    /// Steps done in the current stage (every step, without stages): what the schedule, the strategy, the
    /// sampler and the evaluation cadence count.
    var stageStep: Int { state.step - (state.stages?.startStep ?? 0) }

    /// The current stage's index: the stages finished so far (0 without stages).
    var stageIndex: Int { state.stages?.finished.count ?? 0 }

    func train() throws -> TrainingSummary {
        let e = experiment
        // A distributed job reports once, from rank 0.
        let progress = ProgressDisplay(totalSteps: e.totalMaxSteps, startStep: state.step,
                                       interactive: Distributed.isRoot && (options.interactive ?? (isatty(1) != 0)),
                                       write: Distributed.isRoot ? options.write : { _ in })
        for (task, parts) in encodingReport.sorted(by: { $0.key < $1.key }) {
            for (part, counts) in parts.sorted(by: { $0.key < $1.key }) {
                progress.note("encode \(task) \(part): " + counts.keys.sorted().map { "\($0)=\(counts[$0] ?? 0)" }.joined(separator: " "))
            }
        }
        if e.isStaged {
            try startStages(progress: progress)
        } else if e.optimization.maxSteps == 0 && savedStep != 0 {
            // No training asked for: the starting model (an imported checkpoint, new heads) is the run's model.
            try saveLast()
        }
        while stageIndex < stagePlans.count {
            try trainStage(progress: progress)
            guard e.isStaged else { break }
            try finishStage(progress: progress)
        }
        progress.finish()
        let current = stage.experiment
        let finished = state.stages?.finished
        let results = TrainingResults(
            experiment: e.name, seed: e.seed, steps: state.step,
            stoppedEarly: finished.map { $0.contains { $0.stoppedEarly } } ?? state.stoppedEarly,
            selection: current.evaluation.selection.rawValue, selectionTasks: stage.selectionTasks,
            bestStep: state.tracker.bestStep, bestScore: state.tracker.bestScore,
            best: state.bestEvaluation, last: state.lastEvaluation, encoding: encodingReport.isEmpty ? nil : encodingReport,
            stages: finished)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if Distributed.isRoot { try AtomicFile.write(encoder.encode(results), to: run.resultsFile) }
        try log?.sync()
        return TrainingSummary(runFolder: run.url, results: results,
                               forgetting: e.isStaged && Distributed.isRoot ? try ForgettingMatrix.read(ResultsLayout(root: run.url)) : nil)
    }

    /// The current stage's steps, from where it stands to its `max_steps` or early stop.
    func trainStage(progress: ProgressDisplay) throws {
        let e = stage.experiment
        applyGroupSettings(step: stageStep)
        if experiment.isStaged {
            progress.resetLosses()
            let first = state.stages?.startStep ?? 0
            progress.note("stage \(stage.index + 1) of \(stagePlans.count) (\(experiment.stageName(stage.index))): "
                          + e.tasks.map { "\($0.name) [\($0.trainLanguages.joined(separator: ", "))]" }.joined(separator: ", ")
                          + "; steps \(first + 1)–\(first + e.optimization.maxSteps)")
        }
        if stageStep == 0 && !parametersLogged.contains(state.step) {
            try log?.append(parametersRecord())
            parametersLogged.insert(state.step)
        }
        let evalEvery = e.evaluation.every
        let checkpointEvery = e.checkpoint.every ?? evalEvery
        while stageStep < e.optimization.maxSteps && !state.stoppedEarly {
            if let signal = try stopRequest() {
                // The step before finished (with its evaluation); keep it, then stop.
                if state.step > 0 && savedStep != state.step { try saveLast() }
                progress.finish()
                try log?.sync()
                throw TrainingStopped(signal: signal, step: state.step, maxSteps: experiment.totalMaxSteps,
                                      runFolder: run.url, saved: state.step > 0)
            }
            if stage.plan.changes(at: stageStep) { applyGroupSettings(step: stageStep) }
            let record = try trainStep()
            try log?.append(record)
            progress.update(step: state.step, tokens: record.tokens, losses: record.loss)
            let done = stageStep
            let last = done == e.optimization.maxSteps
            if done % evalEvery == 0 || last {
                let improved = try evaluate(progress: progress)
                if improved && e.checkpoint.keepBest { try saveBest() }
            }
            if done % checkpointEvery == 0 || last || state.stoppedEarly { try saveLast() }
        }
    }

    /// A stop request (SIGINT, SIGTERM) between steps; in a distributed job every rank stops at the same step
    /// when any rank received one (mpirun forwards the signal to all, which may see it a step apart).
    func stopRequest() throws -> Int32? {
        let local = options.stopRequested()
        guard Distributed.isActive else { return local }
        let seen = try Distributed.range([Int64(local ?? 0)]).max[0]
        return seen > 0 ? Int32(seen) : nil
    }

    // MARK: - Distributed jobs

    /// Rank 0's weights on every rank (one process: nothing): the starting model, or the one a resumed run restored.
    func shareWeights() throws {
        guard Distributed.isActive else { return }
        let values = model.store.values
        try Distributed.broadcast(UnsafeMutableBufferPointer(start: values.data, count: values.count))
    }

    /// Checks, before a checkpoint is written, that every rank holds the same weights (they compute the same
    /// update from the same summed gradient); a difference ends the job naming the step.
    func checkRanksAgree() throws {
        guard Distributed.isActive else { return }
        let values = model.store.values
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let words = UnsafeRawPointer(values.data).assumingMemoryBound(to: UInt32.self)
        for i in 0..<values.count { hash = (hash ^ UInt64(words[i])) &* 0x0000_0100_0000_01b3 }
        var bytes: [UInt8] = []
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: hash >> (8 * UInt64(k)))) }
        guard try Distributed.agree(bytes) else {
            throw Distributed.Failure(description: "the ranks' weights differ at step \(state.step): the job cannot continue (no checkpoint written)")
        }
    }

    /// What trains as the current stage starts (its group settings applied): every parameter, those not frozen, their optimizer state.
    func parametersRecord() -> ParametersRecord {
        let store = model.store
        let trainable = store.entries.filter { !store.groups[$0.group].frozen }.reduce(0) { $0 + $1.shape.count }
        return ParametersRecord(step: state.step, strategy: stage.experiment.strategy.kind.rawValue, total: store.count, trainable: trainable,
                                optimizerStateBytes: trainable * stage.optimizer.stateFloatsPerParameter * MemoryLayout<Float>.size)
    }

    /// Frozen flags, learning-rate multipliers and weight decay of every store group at `step` of the current stage.
    func applyGroupSettings(step: Int) {
        let decay = Float(stage.experiment.optimization.weightDecay)
        for g in storeGroups {
            let setting = g.layerGroup == Trainer.frozenAdapterLayerGroup ? GroupSetting(lrMultiplier: 1, frozen: true)
                : g.layerGroup == Trainer.adapterLayerGroup ? GroupSetting(lrMultiplier: 1, frozen: false)
                : stage.plan.setting(group: g.layerGroup, step: step)
            model.store.updateGroup(g.index) {
                $0.frozen = setting.frozen
                $0.learningRateScale = Float(g.head.flatMap { stage.headMultipliers[$0] } ?? setting.lrMultiplier)
                $0.weightDecay = g.decays ? decay : 0
            }
        }
    }

    /// One optimizer step: `grad_accumulation` micro-batches, each of one task (task-per-step) or of
    /// tasks drawn per example (mixed); the gradient is the example-weighted mean over the step.
    func trainStep() throws -> StepRecord {
        let started = DispatchTime.now().uptimeNanoseconds
        let o = stage.experiment.optimization
        let store = model.store
        let local = stageStep
        store.zeroGradients()
        var scale = GradientWeighting()
        var lossSum: [String: Double] = [:], lossCount: [String: Int] = [:], examples: [String: Int] = [:]
        var tokens = 0
        for h in headTrained.indices { headTrained[h] = false }
        let stepTask = stage.experiment.sampler.batching == .taskPerStep ? stage.draws[state.sampler.nextTask(step: local)] : -1
        // Examples per micro-batch: the step's task's own batch size under task-per-step batching.
        let batchSize = stepTask >= 0 ? tasks[stepTask].batchSize(o) : o.batchSize
        for _ in 0..<o.gradAccumulation {
            var parts: [(task: Int, count: Int)] = []
            if stepTask >= 0 {
                parts = [(stepTask, batchSize)]
            } else {
                var counts = [Int](repeating: 0, count: stage.draws.count)
                for t in state.sampler.nextTasks(step: local, count: o.batchSize) { counts[t] += 1 }
                parts = counts.enumerated().filter { $0.element > 0 }.map { (stage.draws[$0.offset], $0.element) }
            }
            for part in parts {
                let task = tasks[part.task]
                let indices = state.iterators[part.task].next(batch: part.count)
                let chosen = indices.map { task.train.features[$0] }
                let collated = BatchAssembly.collate(chosen, pad: pad, masking: masking, random: &state.masking)
                let batch = collated.batch
                let weight = Float(part.count) / Float(batchSize * o.gradAccumulation)
                // One process: the whole batch. A distributed job: this rank's share, weighted by its part of the loss.
                let share = BatchShare(collated, features: part.count)
                if let mine = share.part {
                    scale.prepare(weight: share.isWhole ? weight : weight * Float(share.fraction), store: store)
                    let loss = try model.loss(head: task.headName, batch: mine.batch, targets: mine.targets, candidateMask: mine.candidateMask,
                                              training: true, backward: true, rowOffset: share.rowOffset)
                    lossSum[task.spec.name, default: 0] += share.isWhole ? Double(loss) : Double(loss) * share.fraction
                } else {
                    try model.skipTrainingDraws(batch)
                    lossSum[task.spec.name, default: 0] += 0
                }
                if Distributed.isActive && model.encoder.trainsBase {
                    // Every rank flags the rows of the whole batch, so all send the same rows of the table.
                    batch.ids.withUnsafeBufferPointer { ids in
                        if let first = ids.baseAddress { store.markGradientRows(model.encoder.wordEmbeddingID, rows: first, count: ids.count) }
                    }
                }
                headTrained[taskHead[part.task]] = true
                lossCount[task.spec.name, default: 0] += 1
                examples[task.spec.name, default: 0] += part.count
                tokens += BatchAssembly.tokenCount(batch)
            }
        }
        scale.finish(store: store)
        // A distributed job: the step's gradient is the sum of the ranks' (penalties are added after, once).
        try gradientSum.run()
        if Distributed.isActive {
            let names = lossSum.keys.sorted()
            var sums = names.map { lossSum[$0] ?? 0 }
            try Distributed.sum(&sums)
            for (name, value) in zip(names, sums) { lossSum[name] = value }
        }
        // Penalties against forgetting: their gradients join the loss's before clipping.
        var penalty: [String: Double]?
        if !stage.penalties.isEmpty {
            var values: [String: Double] = [:]
            for p in stage.penalties { values[p.name] = p.penalty.addGradient(store) }
            penalty = values
        }
        let norm: Float
        if let clip = o.clipNorm {
            norm = try GradientClipping.clip(store, maxNorm: Float(clip))
        } else {
            norm = GradientClipping.globalNorm(store)
        }
        let lr = stage.schedule.rate(base: Float(o.lr), step: local)
        for (h, entries) in headEntries.enumerated() {
            for i in entries { store.setIdle(i, !headTrained[h]) }
        }
        stage.optimizer.step(learningRate: lr)
        state.step += 1
        state.tokensSeen += tokens
        var losses: [String: Double] = [:]
        for (k, s) in lossSum { losses[k] = s / Double(lossCount[k] ?? 1) }
        var record = StepRecord(step: state.step, loss: losses, examples: examples, lr: Double(lr), tokens: tokens, gradNorm: Double(norm),
                                penalty: penalty)
        record.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if Distributed.isActive {
            record.allReduceSeconds = gradientSum.lastSeconds
            record.allReduceBytes = gradientSum.lastFloats * MemoryLayout<Float>.size
        }
        return record
    }

    /// The layer group of trained adapter and LoRA weights, and of MAD-X's frozen language adapter.
    static let adapterLayerGroup = -1, frozenAdapterLayerGroup = -2

    // MARK: - Evaluation

    /// Evaluates the dev data of every task of the current stage, records it, updates selection; true when
    /// this is the best so far (in this stage).
    func evaluate(progress: ProgressDisplay) throws -> Bool {
        let e = stage.experiment
        var metrics: [String: [String: [String: [String: Double]]]] = [:]
        var majors: [MajorMetric] = []
        for task in stageTasks[stage.index].map({ tasks[$0] }) {
            var byLanguage: [String: [String: Double]] = [:]
            for lang in task.dev.keys.sorted() {
                try languageAdapters?.use(lang)
                byLanguage[lang] = try evaluate(task, language: lang)
            }
            try languageAdapters?.restoreSource()
            metrics[task.spec.name] = ["dev": byLanguage]
            if stage.selectionTasks.contains(task.spec.name) {
                let langs = e.evaluation.selection == .sourceDev ? task.entry.trainLanguages : task.entry.evalLanguages
                let values = langs.compactMap { byLanguage[$0]?[task.spec.majorMetric] }
                let mean = values.isEmpty ? Double.nan : values.reduce(0, +) / Double(values.count)
                majors.append(MajorMetric(task: task.spec.name, name: task.spec.majorMetric, value: mean,
                                          higherIsBetter: PredictionScoring.higherIsBetter(task.spec.majorMetric)))
            }
        }
        let score = SelectionTracker.score(majors)
        let outcome = state.tracker.record(step: state.step, score: score)
        let record = EvaluationRecord(step: state.step, metrics: metrics, selection: e.evaluation.selection.rawValue,
                                      selectionScore: score, best: outcome.improved)
        try log?.append(record)
        state.lastEvaluation = record
        if outcome.improved { state.bestEvaluation = record }
        if outcome.stop { state.stoppedEarly = true }
        let summary = majors.map { "\($0.task) \($0.name)=\(String(format: "%.4f", $0.value))" }.joined(separator: " ")
        progress.note("eval step \(state.step): \(e.evaluation.selection.rawValue) score \(score.map { String(format: "%.4f", $0) } ?? "n/a")"
                      + (outcome.improved ? " (best)" : "") + (summary.isEmpty ? "" : " | " + summary)
                      + (outcome.stop ? " | early stop" : ""))
        return outcome.improved
    }

    /// A task's dev metrics in one language, through the same family code `polyglot eval` runs.
    func evaluate(_ task: TrainingTask, language: String) throws -> [String: Double] {
        guard let dev = task.dev[language] else { return [:] }
        let wanted = Array(Set(task.spec.metrics + [task.spec.majorMetric]).intersection(TaskCatalog.selectableMetrics(task.spec.type))).sorted()
        return try task.family.evaluate(dev, model: model, batchSize: stage.experiment.evaluation.batchSize, metrics: wanted)
    }

    // MARK: - Checkpoints

    func saveLast() throws {
        try checkRanksAgree()
        guard Distributed.isRoot else { savedStep = state.step; return }
        try log?.sync()
        // The model owns its dropout streams while training; the state carries them to disk.
        state.encoderDropout = model.encoder.dropoutStream
        state.headDropout = model.headDropoutStream
        let stateData = try Trainer.jsonEncoder().encode(state)
        let optimizerState = stage.optimizer.exportState()
        try run.checkpoints.save("last") { dir in
            try ModelCheckpoint.save(model, tokenizerJSON: tokenizerFiles[TokenizerSetup.fileName],
                                     to: dir.appendingPathComponent("model"), extraFiles: tokenizerFiles.filter { $0.key != TokenizerSetup.fileName })
            var header = OptimizerHeader(kind: optimizerState.kind, step: optimizerState.step, buffers: optimizerState.buffers.keys.sorted(),
                                         parameterSteps: optimizerState.parameterSteps.isEmpty ? nil : optimizerState.parameterSteps)
            header.buffers = header.buffers.filter { !$0.contains("/") }
            try AtomicFile.write(Trainer.jsonEncoder().encode(header), to: dir.appendingPathComponent(Trainer.optimizerFile))
            for name in header.buffers {
                let values = optimizerState.buffers[name] ?? []
                let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
                try AtomicFile.write(data, to: dir.appendingPathComponent("optimizer.\(name).f32"))
            }
            try AtomicFile.write(stateData, to: dir.appendingPathComponent(Trainer.checkpointStateFile))
            try CheckpointInfo(step: state.step).write(to: dir)
        }
        savedStep = state.step
    }

    func saveBest() throws { try saveModel("best") }

    /// Checkpoint `name` with the model (weights, structure, tokenizer) at the current step; `extra` writes
    /// more files into the folder before its manifest.
    ///
    /// A distributed job: rank 0 writes it while the others wait, so that afterwards every rank can read it (a later
    /// stage's EWC reads the stage checkpoints' weights and Fisher).
    func saveModel(_ name: String, extra: (URL) throws -> Void = { _ in }) throws {
        try checkRanksAgree()
        if Distributed.isRoot {
            try run.checkpoints.save(name) { dir in
                try ModelCheckpoint.save(model, tokenizerJSON: tokenizerFiles[TokenizerSetup.fileName],
                                         to: dir.appendingPathComponent("model"), extraFiles: tokenizerFiles.filter { $0.key != TokenizerSetup.fileName })
                try extra(dir)
                try CheckpointInfo(step: state.step).write(to: dir)
            }
        }
        try Distributed.barrier()
    }

    struct OptimizerHeader: Codable {
        var kind: String
        var step: Int
        var buffers: [String]
        /// Parameters whose own step count is not `step` (absent when there are none, and in checkpoints
        /// written before counts were per parameter, when every parameter took part in every step).
        var parameterSteps: [String: Int]?
        enum CodingKeys: String, CodingKey { case kind, step, buffers, parameterSteps = "parameter_steps" }
    }

    /// Loads weights, optimizer moments and trainer state from a `last` checkpoint.
    func restore(from dir: URL) throws {
        let weights = dir.appendingPathComponent("model").appendingPathComponent(ModelCheckpoint.weightsFile)
        let file = try SafetensorsFile(url: weights)
        for entry in model.store.entries {
            guard file.entry(entry.name) != nil else { throw FileError(path: weights.path, "has no tensor \(entry.name)") }
            try model.store.set(entry.name, values: try file.floats(entry.name))
        }
        // The trainer state says which stage the run is in, and so which optimizer the saved moments are for.
        let stateURL = dir.appendingPathComponent(Trainer.checkpointStateFile)
        do {
            state = try StrictJSON.decode(TrainerState.self, path: stateURL.path, decoder: Trainer.jsonDecoder())
        } catch {
            throw FileError(path: stateURL.path, "cannot read trainer state: \(error)")
        }
        guard state.iterators.count == tasks.count else {
            throw FileError(path: stateURL.path, "was written for \(state.iterators.count) tasks, the experiment has \(tasks.count)")
        }
        if experiment.isStaged {
            guard let p = state.stages, p.finished.count <= stagePlans.count, p.scores.count == p.finished.count + 1,
                  p.scores.allSatisfy({ $0.count == units.count }) else {
                throw FileError(path: stateURL.path, "does not hold the progress of this experiment's \(stagePlans.count) stages")
            }
            // A run killed after its last stage but before results.json keeps that stage's optimizer.
            let j = min(p.finished.count, stagePlans.count - 1)
            stage = try Trainer.stageContext(j, of: experiment, plans: stagePlans, tasks: tasks,
                                             stageTasks: stageTasks, store: model.store, layers: model.config.encoder.numLayers)
            stage.penalties = try penalties(stage: j, startingNow: false)
        } else if state.stages != nil {
            throw FileError(path: stateURL.path, "holds the progress of stages, but the experiment has none")
        }
        guard state.sampler.taskCount == stage.draws.count else {
            throw FileError(path: stateURL.path, "was written for a sampler over \(state.sampler.taskCount) tasks, the stage draws from \(stage.draws.count)")
        }
        let headerURL = dir.appendingPathComponent(Trainer.optimizerFile)
        let header = try StrictJSON.decode(OptimizerHeader.self, path: headerURL.path)
        var buffers: [String: [Float]] = [:]
        for name in header.buffers {
            let url = dir.appendingPathComponent("optimizer.\(name).f32")
            // Sized by the model (verified against the checkpoint manifest before restoring).
            let data = try InputFile.readData(url.path, limit: Int.max, what: "optimizer state")
            guard data.count % 4 == 0 else { throw FileError(path: url.path, "is \(data.count) bytes, not whole floats") }
            buffers[name] = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        do {
            try stage.optimizer.importState(OptimizerState(kind: header.kind, step: header.step, buffers: buffers, parameterSteps: header.parameterSteps ?? [:]))
        } catch let error as EngineError {
            throw FileError(path: headerURL.path, "\(error)")
        }
        model.encoder.dropoutStream = state.encoderDropout
        model.headDropoutStream = state.headDropout
    }

    static func jsonDecoder() -> JSONDecoder { RunJSON.decoder() }
    static func jsonEncoder() -> JSONEncoder { RunJSON.encoder() }
}

/// Sums gradients of parts with different weights in the one gradient slab: the slab holds the
/// weighted sum divided by the current part's weight, rescaled when the weight changes, so each
/// backward pass adds its plain gradient and no second slab is needed.
struct GradientWeighting {
    private var current: Float?

    mutating func prepare(weight: Float, store: ParameterStore) {
        if let c = current, c != weight { scale(store, by: c / weight) }
        current = weight
    }

    mutating func finish(store: ParameterStore) {
        if let c = current, c != 1 { scale(store, by: c) }
        current = nil
    }

    private func scale(_ store: ParameterStore, by factor: Float) { store.scaleGradients(by: factor) }
}

/// One task of the run: its family, its experiment entry, the stage it belongs to (0 without stages),
/// training features and dev features per language.
struct TrainingTask {
    let family: TaskFamily
    let entry: TaskEntry
    let stage: Int
    var train: EncodedExamples
    /// Dev features by language.
    var dev: [String: EncodedExamples]

    var spec: TaskSpec { family.spec }
    var headName: String { family.head.name }
    /// Examples per micro-batch when a step trains this task.
    func batchSize(_ o: OptimizationSettings) -> Int { entry.batchSize ?? o.batchSize }
    /// The stream of its example iterator: `examples/<task>`, prefixed `stage<n>/` in a later stage.
    var iteratorName: String { (stage == 0 ? "" : "stage\(stage + 1)/") + "examples/\(spec.name)" }
}
