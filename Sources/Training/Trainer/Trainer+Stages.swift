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
    /// `tasks` indices the stage's sampler draws from (the sampler's task i is `tasks[draws[i]]`).
    let draws: [Int]
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
    /// Checkpoint names of a run with stages: `start` (the weights stage 1 starts from) and `stage-<n>`
    /// (the weights stage n ended with, which stage n + 1 starts from).
    static func stageCheckpoint(row: Int) -> String { row == 0 ? "start" : "stage-\(row)" }

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
        return StageContext(index: index, experiment: e, plan: FineTuningPlan(settings: e.strategy, layerCount: layers),
                            schedule: schedule, optimizer: optimizer, selectionTasks: selection,
                            headMultipliers: try headMultipliers(tasks, indices: own, keyPrefix: prefix), draws: own)
    }

    /// A new sampler for the stage, over the tasks it draws from.
    static func sampler(_ stage: StageContext, tasks: [TrainingTask], seed: UInt64) throws -> TaskSampler {
        try TaskSampler(rule: samplingRule(stage.experiment), exampleCounts: stage.draws.map { tasks[$0].train.features.count },
                        seed: seed, stream: samplerStream(stage: stage.index))
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
            try saveModel(Trainer.stageCheckpoint(row: 0))
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
        try saveModel(Trainer.stageCheckpoint(row: j + 1))
        p.finished.append(StageOutcome(name: experiment.stageName(j), firstStep: p.startStep, lastStep: state.step,
                                       stoppedEarly: state.stoppedEarly, bestStep: state.tracker.bestStep, bestScore: state.tracker.bestScore))
        if j + 1 < stagePlans.count {
            stage = try Trainer.stageContext(j + 1, of: experiment, plans: stagePlans, tasks: tasks, stageTasks: stageTasks, store: model.store,
                                             layers: model.config.encoder.numLayers)
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
            let records = try unit.family.predict(unit.encoded, model: model, batchSize: experiment.evaluation.batchSize)
            let url = layout.stagePredictions(row: row, task: unit.record.task, language: unit.record.language)
            try PredictionRecord.write(records, to: url)
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
        guard let p = state.stages else { return }
        try ForgettingMatrix(stages: stagePlans.indices.map(experiment.stageName), units: units.map(\.record), scores: p.scores)
            .write(ResultsLayout(root: run.url))
    }
}
