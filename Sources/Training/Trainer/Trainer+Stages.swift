import Data
import Engine
import Foundation
import Models
import Platform
import Runs
import Tasks

/// What training needs of the stage it is in: the stage as an experiment of its own, its fine-tuning plan,
/// schedule and optimizer (new at every stage: moments start at zero), its selection tasks, the learning
/// rates of heads whose task sets its own, and the `tasks` indices its sampler draws from. Without
/// stages there is one, the experiment's.
struct StageContext {
    let index: Int
    let experiment: Experiment
    let plan: FineTuningPlan
    let schedule: LearningRateSchedule
    let optimizer: Optimizer
    let selectionTasks: [String]
    /// Head name → `head_lr_multiplier` of the stage's task training it.
    let headMultipliers: [String: Double]
    /// `tasks` indices the stage's sampler draws from (the sampler's task i is `tasks[draws[i]]`): the stage's
    /// own tasks, then with `strategy.replay` every earlier stage's.
    let draws: [Int]
    /// Penalties against forgetting (`l2_sp`, `ewc`) added to every step's loss.
    var penalties: [(name: String, penalty: AnchorPenalty)] = []
}

/// Which (task, language) pairs a run with stages scores after each stage, on which split, and which
/// stages train each (counted from 1).
struct UnitPlan {
    let spec: TaskSpec
    let language: String
    let split: Split
    var trainedIn: [Int]
}

/// A unit's examples as loaded.
struct RawUnit {
    let plan: UnitPlan
    let examples: [Example]

    var record: ForgettingMatrix.Unit {
        let normalization: String? = plan.spec.type == .spanQA ? (plan.spec.answerNormalization ?? .squad).rawValue : nil
        return ForgettingMatrix.Unit(task: plan.spec.name, language: plan.language, type: plan.spec.type.rawValue,
                                     metric: plan.spec.majorMetric, higherIsBetter: PredictionScoring.higherIsBetter(plan.spec.majorMetric),
                                     split: plan.split.rawValue, examples: examples.count, trainedIn: plan.trainedIn,
                                     answerNormalization: normalization)
    }
}

/// A column of the forgetting matrix, encoded for prediction through its task's head.
struct StageUnit {
    let record: ForgettingMatrix.Unit
    let spec: TaskSpec
    let family: TaskFamily
    let encoded: EncodedExamples
}

extension Trainer {
    /// The sampler's stream in stage `index` (0-based): `sampler` in the first, `stage<n>/sampler` later.
    static func samplerStream(stage index: Int) -> String { index == 0 ? "sampler" : "stage\(index + 1)/sampler" }

    /// The head learning-rate multipliers the tasks `indices` set; tasks sharing a head must agree.
    static func headMultipliers(_ tasks: [TrainingTask], indices: [Int], keyPrefix: String) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for (i, t) in indices.map({ tasks[$0] }).enumerated() {
            guard let m = t.entry.headLRMultiplier else { continue }
            if let other = out[t.headName], other != m {
                throw ConfigError(key: keyPrefix + "tasks.\(i).head_lr_multiplier",
                                  "task '\(t.spec.name)' shares head '\(t.headName)' with a task whose head_lr_multiplier is \(other), not \(m)")
            }
            out[t.headName] = m
        }
        return out
    }

    /// Everything stage `index` trains with, a new optimizer included.
    static func stageContext(_ index: Int, of experiment: Experiment, plans: [Experiment], tasks: [TrainingTask], stageTasks: [[Int]],
                             store: ParameterStore, layers: Int) throws -> StageContext {
        let e = plans[index]
        let o = e.optimization
        let optimizer: Optimizer
        switch o.optimizer {
        case .adamw:
            optimizer = try AdamW(store: store, config: .init(beta1: Float(o.beta1), beta2: Float(o.beta2), epsilon: Float(o.eps)))
        case .sgd:
            optimizer = try SGD(store: store, config: .init(momentum: Float(o.momentum)))
        }
        let schedule: LearningRateSchedule
        switch o.schedule {
        case .constant: schedule = .constant
        case .linear: schedule = .linear(warmupSteps: o.warmupSteps, totalSteps: o.maxSteps)
        case .cosine: schedule = .cosine(warmupSteps: o.warmupSteps, totalSteps: o.maxSteps)
        }
        let own = stageTasks[index]
        let selection = e.selectionTaskNames { name in own.first { tasks[$0].spec.name == name }.map { tasks[$0].spec.type == .mlm } ?? false }
        let prefix = experiment.stageKey(index)
        let replayed = e.strategy.replay > 0 ? stageTasks[..<index].flatMap { $0 } : []
        return StageContext(index: index, experiment: e, plan: FineTuningPlan(settings: e.strategy, layerCount: layers),
                            schedule: schedule, optimizer: optimizer, selectionTasks: selection,
                            headMultipliers: try headMultipliers(tasks, indices: own, keyPrefix: prefix), draws: own + replayed)
    }

    /// A new sampler for the stage, over its own tasks by its rule and, with replay, earlier stages' tasks in
    /// proportion to their training features.
    static func sampler(_ stage: StageContext, tasks: [TrainingTask], seed: UInt64) throws -> TaskSampler {
        let own = stage.experiment.tasks.count
        let counts = stage.draws.map { tasks[$0].train.features.count }
        let replay = own < counts.count
            ? TaskSampler.Replay(fraction: stage.experiment.strategy.replay, exampleCounts: Array(counts[own...])) : nil
        return try TaskSampler(rule: samplingRule(stage.experiment), exampleCounts: Array(counts[..<own]),
                               seed: seed, stream: samplerStream(stage: stage.index), replay: replay)
    }

    // MARK: - Penalties against forgetting

    /// The stage's L2-SP and EWC penalties on the shared encoder. L2-SP's anchor is the weights the stage
    /// started from: the store's now when the stage is just beginning, else (a run restored inside it) its
    /// starting checkpoint's. EWC's terms come from every earlier stage's checkpoint: its weights and the
    /// Fisher saved with it.
    func penalties(stage j: Int, startingNow: Bool) throws -> [(name: String, penalty: AnchorPenalty)] {
        let s = stagePlans[j].strategy
        var out: [(name: String, penalty: AnchorPenalty)] = []
        let store = model.store
        if s.l2SP > 0 {
            let anchor = startingNow ? AnchorPenalty.values(store, entries: encoderEntries)
                                     : try checkpointTensors(RunFolder.stageCheckpoint(row: j), file: "model/" + ModelCheckpoint.weightsFile)
            out.append(("l2_sp", try AnchorPenalty(store: store, entries: encoderEntries, coefficient: Float(s.l2SP), anchor: anchor, weights: nil)))
        }
        if s.ewc > 0 {
            // Σₖ Fₖ(θ − θ*ₖ)² has the gradient of F(θ − μ) with F = ΣFₖ, μ = ΣFₖθ*ₖ / F (θ* of the latest stage where F = 0).
            var f: [Double] = [], weighted: [Double] = [], latest: [Float] = []
            for k in 1...max(1, j) where k <= j {
                let name = RunFolder.stageCheckpoint(row: k)
                let weights = try checkpointTensors(name, file: "model/" + ModelCheckpoint.weightsFile)
                let fisher = try checkpointTensors(name, file: Trainer.fisherFile)
                if f.isEmpty { f = [Double](repeating: 0, count: fisher.count); weighted = f }
                for i in fisher.indices {
                    f[i] += Double(fisher[i])
                    weighted[i] += Double(fisher[i]) * Double(weights[i])
                }
                latest = weights
            }
            let anchor = f.indices.map { f[$0] > 0 ? Float(weighted[$0] / f[$0]) : latest[$0] }
            out.append(("ewc", try AnchorPenalty(store: store, entries: encoderEntries, coefficient: Float(s.ewc), anchor: anchor,
                                                 weights: f.map { Float($0) })))
        }
        return out
    }

    /// The file that holds a stage checkpoint's diagonal Fisher (when a later stage uses EWC).
    static let fisherFile = "fisher.safetensors"

    /// The shared encoder's tensors in a file of checkpoint `name` (verified against its manifest first), in
    /// `encoderEntries` order.
    func checkpointTensors(_ name: String, file: String) throws -> [Float] {
        guard run.checkpoints.existing(name) != nil else {
            throw FileError(path: run.checkpoints.url(name).path, "missing: the stage's checkpoint is needed to continue (its weights or Fisher)")
        }
        try run.checkpoints.verify(name)
        let url = run.checkpoints.url(name).appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FileError(path: url.path, "missing: the checkpoint was saved without it")
        }
        let tensors = try SafetensorsFile(url: url)
        var out: [Float] = []
        for i in encoderEntries {
            let e = model.store.entries[i]
            guard let stored = tensors.entry(e.name), stored.shape == e.shape.dims else {
                throw FileError(path: url.path, "has no tensor \(e.name) of shape \(e.shape.dims)")
            }
            out += try tensors.floats(e.name)
        }
        return out
    }

    /// How many training features the Fisher of stage `j` (0-based) is computed from: the `ewc_examples` of
    /// the first later stage that uses EWC; nil when no later stage does (no Fisher is needed).
    func fisherExamples(stage j: Int) -> Int? {
        stagePlans.indices.first { $0 > j && stagePlans[$0].strategy.ewc > 0 }.map { stagePlans[$0].strategy.ewcExamples }
    }

    /// The diagonal Fisher of the shared encoder over stage `j`'s own training features: `examples` of them
    /// drawn without replacement from `fisher/stage<n>` (all when there are fewer).
    func fisher(stage j: Int, examples: Int) throws -> [Float] {
        let parts = stageTasks[j]
        let sizes = parts.map { tasks[$0].train.features.count }
        let total = sizes.reduce(0, +)
        var random = RandomStream(seed: experiment.seed, name: "fisher/stage\(j + 1)")
        var order = Array(0..<total)
        let n = min(examples, total)
        for i in 0..<n { order.swapAt(i, i + random.nextInt(below: total - i)) }
        var items: [FisherInformation.Item] = []
        for k in order.prefix(n) {
            var p = 0, offset = k
            while offset >= sizes[p] { offset -= sizes[p]; p += 1 }
            let task = tasks[parts[p]]
            items.append(.init(head: task.headName, feature: task.train.features[offset]))
        }
        var masks = RandomStream(seed: experiment.seed, name: "fisher/stage\(j + 1)/mlm-masking")
        return try FisherInformation.diagonal(model: model, items: items, entries: encoderEntries, pad: pad, masking: masking, random: &masks)
    }

    // MARK: - The forgetting matrix's units

    /// The units of a run with stages (none without): every (task, language) a stage trains or evaluates, in
    /// order of first appearance, masked LM aside (it has no predictions), each on the split `polyglot eval`
    /// scores there.
    static func unitPlan(_ e: Experiment, specs: [[TaskSpec]]) throws -> [UnitPlan] {
        guard e.isStaged else { return [] }
        var out: [UnitPlan] = []
        for (j, (stage, stageSpecs)) in zip(e.stageExperiments, specs).enumerated() {
            for (i, (spec, entry)) in zip(stageSpecs, stage.tasks).enumerated() where spec.type != .mlm {
                guard PredictionScoring.metrics(for: spec.type).contains(spec.majorMetric) else {
                    throw ConfigError(key: e.stageKey(j) + "tasks.\(i).name",
                                      "task '\(spec.name)': its major metric \(spec.majorMetric) is not scored from predictions, so the forgetting matrix cannot hold it")
                }
                let languages = entry.trainLanguages + entry.evalLanguages
                for (k, lang) in languages.enumerated() {
                    let trains = k < entry.trainLanguages.count
                    if let u = out.firstIndex(where: { $0.spec.name == spec.name && $0.language == lang }) {
                        if trains && !out[u].trainedIn.contains(j + 1) { out[u].trainedIn.append(j + 1) }
                        continue
                    }
                    let split: Split
                    do { split = try spec.evaluationSplit(language: lang) } catch {
                        let key = trains ? "train_languages.\(k)" : "eval_languages.\(k - entry.trainLanguages.count)"
                        throw ConfigError(key: e.stageKey(j) + "tasks.\(i).\(key)",
                                          "task '\(spec.name)' has no test or dev data in '\(lang)' to score after each stage")
                    }
                    out.append(UnitPlan(spec: spec, language: lang, split: split, trainedIn: trains ? [j + 1] : []))
                }
            }
        }
        return out
    }

    /// Each unit's examples: its split, the first `data.max_eval_examples`.
    static func loadUnits(_ e: Experiment, specs: [[TaskSpec]], catalog: TaskCatalog, dataRoot: String) throws -> [RawUnit] {
        try unitPlan(e, specs: specs).map { plan in
            var examples = try DatasetLoader.load(task: plan.spec, language: plan.language, split: plan.split, dataRoot: dataRoot,
                                                  languages: catalog.languages)
            if let cap = e.data.maxEvalExamples, examples.count > cap { examples = Array(examples.prefix(cap)) }
            guard !examples.isEmpty else {
                throw ConfigError(key: "stages", "task '\(plan.spec.name)' has no \(plan.split.rawValue) examples in '\(plan.language)' to score after each stage")
            }
            return RawUnit(plan: plan, examples: examples)
        }
    }

    // MARK: - Stage boundaries

    /// Before the first step of a run with stages: row 0 of the forgetting matrix (the starting weights) and
    /// the `start` checkpoint, unless a restored state has them; then `forgetting.json` as the state says.
    func startStages(progress: ProgressDisplay) throws {
        guard var p = state.stages else { return }
        if p.scores.isEmpty {
            p.scores = [try scoreUnits(row: 0, progress: progress)]
            state.stages = p
            try saveModel(RunFolder.stageCheckpoint(row: 0))
        }
        try writeForgetting()
    }

    /// After the current stage's last step: its row of the forgetting matrix, its checkpoint, and the next
    /// stage set up (a new optimizer, sampler and selection) — then `last`, so a run killed from here on
    /// resumes in the next stage.
    func finishStage(progress: ProgressDisplay) throws {
        guard var p = state.stages else { return }
        let j = p.finished.count
        p.scores.append(try scoreUnits(row: j + 1, progress: progress))
        // EWC in a later stage: the diagonal Fisher of this stage's data at its final weights, kept with them.
        let examples = fisherExamples(stage: j)
        let fisher = try examples.map { try self.fisher(stage: j, examples: $0) }
        if let examples {
            let total = stageTasks[j].reduce(0) { $0 + tasks[$1].train.features.count }
            progress.note("Fisher information of stage \(j + 1) from \(min(examples, total)) of its \(total) training features")
        }
        try saveModel(RunFolder.stageCheckpoint(row: j + 1)) { dir in
            guard let fisher else { return }
            var writer = SafetensorsWriter(metadata: ["format": "pt", "content": "diagonal Fisher information of stage \(j + 1)"])
            var at = 0
            for i in encoderEntries {
                let e = model.store.entries[i]
                try writer.add(e.name, shape: e.shape.dims, floats: Array(fisher[at..<(at + e.shape.count)]))
                at += e.shape.count
            }
            try writer.write(to: dir.appendingPathComponent(Trainer.fisherFile))
        }
        p.finished.append(StageOutcome(name: experiment.stageName(j), firstStep: p.startStep, lastStep: state.step,
                                       stoppedEarly: state.stoppedEarly, bestStep: state.tracker.bestStep, bestScore: state.tracker.bestScore))
        if j + 1 < stagePlans.count {
            stage = try Trainer.stageContext(j + 1, of: experiment, plans: stagePlans, tasks: tasks, stageTasks: stageTasks, store: model.store,
                                             layers: model.config.encoder.numLayers)
            stage.penalties = try penalties(stage: j + 1, startingNow: true)
            state.sampler = try Trainer.sampler(stage, tasks: tasks, seed: experiment.seed)
            state.tracker = SelectionTracker(patience: stage.experiment.evaluation.patience)
            state.stoppedEarly = false
            state.bestEvaluation = nil
            state.lastEvaluation = nil
            p.startStep = state.step
        }
        state.stages = p
        try saveLast()
        try writeForgetting()
    }

    /// Every unit's predictions with the current weights, written to `stages/<row>/predictions/`, and its
    /// major metric scored from them (`PredictionScoring`, as `polyglot eval` scores).
    func scoreUnits(row: Int, progress: ProgressDisplay) throws -> [Double] {
        let layout = ResultsLayout(root: run.url)
        var scores: [Double] = []
        for unit in units {
            // A distributed job: each rank predicts a share of the unit's examples; every rank scores, rank 0 writes.
            let records = try unit.family.predictSharingRanks(unit.encoded, model: model, batchSize: experiment.evaluation.batchSize)
            let url = layout.stagePredictions(row: row, task: unit.record.task, language: unit.record.language)
            if Distributed.isRoot { try PredictionRecord.write(records, to: url) }
            let scoring = try PredictionScoring(spec: unit.spec, language: unit.record.language, records: records, source: url.path)
            guard let value = try scoring.values([unit.record.metric])[unit.record.metric] else {
                throw MetricInputError(metric: unit.record.metric, "\(url.path): not scored")
            }
            scores.append(value)
        }
        let when = row == 0 ? "at the start" : "after stage \(row) (\(experiment.stageName(row - 1)))"
        progress.note("scores \(when): " + zip(units, scores).map { unit, v in
            "\(unit.record.label) \(unit.record.metric)=\(String(format: "%.4f", v))"
        }.joined(separator: " "))
        return scores
    }

    /// `forgetting.json` from the state's rows.
    func writeForgetting() throws {
        guard let p = state.stages, Distributed.isRoot else { return }
        try ForgettingMatrix(stages: stagePlans.indices.map(experiment.stageName), units: units.map(\.record), scores: p.scores)
            .write(ResultsLayout(root: run.url))
    }
}
