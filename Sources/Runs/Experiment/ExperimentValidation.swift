import Foundation
import Platform

/// What the data catalog offers for one task, for checking an experiment before training starts.
public struct TaskAvailability: Sendable, Equatable {
    public var trainLanguages: Set<String>
    public var devLanguages: Set<String>
    /// Masked language modelling: never in the selection score unless asked for.
    public var isMaskedLM: Bool
    public init(trainLanguages: Set<String>, devLanguages: Set<String>, isMaskedLM: Bool) {
        self.trainLanguages = trainLanguages; self.devLanguages = devLanguages; self.isMaskedLM = isMaskedLM
    }
}

extension Experiment {
    /// Checks every value that can be judged without the data: sizes, ranges and the consistency of
    /// settings. Throws a `ConfigError` naming the key, so a bad file fails before any work starts.
    public func validate(file: String? = nil) throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(file: file, key: key, message) }
        func positive(_ key: String, _ value: Int) throws { if value < 1 { throw fail(key, "must be at least 1, found \(value)") } }

        if name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw fail("name", "must be a non-empty name without '/' or a leading '.', found '\(name)'")
        }
        switch model.source {
        case .scratch:
            try positive("model.layers", model.layers)
            try positive("model.hidden", model.hidden)
            try positive("model.heads", model.heads)
            try positive("model.intermediate", model.intermediate)
            if model.hidden % model.heads != 0 {
                throw fail("model.heads", "hidden size \(model.hidden) is not divisible by \(model.heads) heads")
            }
            if model.maxPositions < 2 { throw fail("model.max_positions", "must be at least 2, found \(model.maxPositions)") }
            if data.maxLength > model.maxPositions {
                throw fail("data.max_length", "\(data.maxLength) tokens do not fit the model's \(model.maxPositions) positions (model.max_positions)")
            }
        case .polyglot, .hf:
            if model.path == nil { throw fail("model.path", "a checkpoint folder is required when model.source is \(model.source.rawValue)") }
        }
        if !(model.dropout >= 0 && model.dropout < 1) { throw fail("model.dropout", "must be in [0, 1), found \(model.dropout)") }

        switch tokenizer.source {
        case .train:
            // Five special tokens and 256 byte pieces come first.
            if tokenizer.vocabSize < 300 || tokenizer.vocabSize > 1_000_000 {
                throw fail("tokenizer.vocab_size", "must be between 300 (special tokens and 256 byte pieces come first) and 1,000,000, found \(tokenizer.vocabSize)")
            }
            try positive("tokenizer.max_sentences", tokenizer.maxSentences)
        case .file:
            if tokenizer.path == nil { throw fail("tokenizer.path", "a tokenizer.json file is required when tokenizer.source is file") }
        case .model:
            if model.source == .scratch { throw fail("tokenizer.source", "a model from scratch has no tokenizer; use train or file") }
        }

        if data.maxLength < 4 { throw fail("data.max_length", "must be at least 4, found \(data.maxLength)") }
        if let n = data.maxTrainExamples { try positive("data.max_train_examples", n) }
        if let n = data.maxEvalExamples { try positive("data.max_eval_examples", n) }
        if let every = checkpoint.every { try positive("checkpoint.every", every) }

        // With stages, top-level tasks are what a stage without its own trains; when every stage lists its own,
        // they would never train.
        if isStaged && !tasks.isEmpty && !stages.contains(where: { $0.tasks == tasks }) {
            throw fail("tasks", "every stage lists its own tasks, so these are never trained: remove them, or leave a stage's tasks out to train these")
        }
        // Each stage is checked as an experiment of its own, its keys named under `stages.<i>.`.
        for (i, stage) in stageExperiments.enumerated() {
            if isStaged, let name = stages[i].name, name.trimmingCharacters(in: .whitespaces).isEmpty {
                throw fail("stages.\(i).name", "must not be empty (or null for 'stage \(i + 1)')")
            }
            try stage.validateStage(file: file, prefix: isStaged ? "stages.\(i)." : "")
            if isStaged && stage.strategy.kind.isParameterEfficient {
                throw fail(stageKey(i) + "strategy.kind", "'\(stage.strategy.kind.rawValue)' adds weights to the encoder, which a run with stages builds once for every stage: adapters, LoRA and MAD-X train in runs without stages")
            }
            // EWC and replay hold on to what earlier stages learned; the first stage has none.
            if i == 0 {
                let first = isStaged ? "the first stage has no earlier stage" : "an experiment without stages has no earlier stage"
                let hint = isStaged ? "; give it in a later stage's strategy" : ""
                if stage.strategy.ewc > 0 { throw fail(stageKey(0) + "strategy.ewc", "\(first) whose weights and Fisher information it could keep close to (0: none)\(hint)") }
                if stage.strategy.replay > 0 { throw fail(stageKey(0) + "strategy.replay", "\(first) whose examples it could replay (0: none)\(hint)") }
            }
        }
    }

    /// The checks of the keys a stage sets (tasks, sampler, optimization, strategy, evaluation), each key
    /// named after `prefix` (`stages.1.` for the second stage).
    func validateStage(file: String?, prefix: String) throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(file: file, key: prefix + key, message) }
        func positive(_ key: String, _ value: Int) throws { if value < 1 { throw fail(key, "must be at least 1, found \(value)") } }

        if tasks.isEmpty { throw fail("tasks", "at least one task is required") }
        var seen = Set<String>()
        for (i, task) in tasks.enumerated() {
            if task.name.isEmpty { throw fail("tasks.\(i).name", "must not be empty") }
            if !seen.insert(task.name).inserted { throw fail("tasks.\(i).name", "task '\(task.name)' is listed twice") }
            if task.trainLanguages.isEmpty { throw fail("tasks.\(i).train_languages", "at least one training language is required") }
            if Set(task.trainLanguages).count != task.trainLanguages.count {
                throw fail("tasks.\(i).train_languages", "a language is listed twice")
            }
            if !(task.weight > 0) || !task.weight.isFinite { throw fail("tasks.\(i).weight", "must be a positive number, found \(task.weight)") }
        }

        if !(sampler.temperature > 0) || !sampler.temperature.isFinite {
            throw fail("sampler.temperature", "must be a positive number, found \(sampler.temperature)")
        }
        if let cap = sampler.cap { try positive("sampler.cap", cap) }
        if sampler.kind == .annealedTemperature {
            guard let end = sampler.endTemperature else { throw fail("sampler.end_temperature", "required for annealed-temperature") }
            if !(end > 0) || !end.isFinite { throw fail("sampler.end_temperature", "must be a positive number, found \(end)") }
            guard let steps = sampler.annealSteps else { throw fail("sampler.anneal_steps", "required for annealed-temperature") }
            try positive("sampler.anneal_steps", steps)
        }

        let o = optimization
        if !(o.lr > 0) || !o.lr.isFinite { throw fail("optimization.lr", "must be a positive number, found \(o.lr)") }
        if !(o.weightDecay >= 0) { throw fail("optimization.weight_decay", "must not be negative, found \(o.weightDecay)") }
        if !(o.beta1 >= 0 && o.beta1 < 1) { throw fail("optimization.beta1", "must be in [0, 1), found \(o.beta1)") }
        if !(o.beta2 >= 0 && o.beta2 < 1) { throw fail("optimization.beta2", "must be in [0, 1), found \(o.beta2)") }
        if !(o.eps > 0) { throw fail("optimization.eps", "must be positive, found \(o.eps)") }
        if !(o.momentum >= 0 && o.momentum < 1) { throw fail("optimization.momentum", "must be in [0, 1), found \(o.momentum)") }
        try positive("optimization.batch_size", o.batchSize)
        try positive("optimization.grad_accumulation", o.gradAccumulation)
        // 0 steps: the run folder holds the starting model unchanged (a pretrained checkpoint evaluated zero-shot).
        if o.maxSteps < 0 { throw fail("optimization.max_steps", "must not be negative (0 = no training), found \(o.maxSteps)") }
        if o.warmupSteps < 0 || o.warmupSteps > o.maxSteps {
            throw fail("optimization.warmup_steps", "must be between 0 and max_steps (\(o.maxSteps)), found \(o.warmupSteps)")
        }
        if let clip = o.clipNorm, !(clip > 0) { throw fail("optimization.clip_norm", "must be positive (or null for no clipping), found \(clip)") }

        for (i, task) in tasks.enumerated() {
            if let b = task.batchSize {
                try positive("tasks.\(i).batch_size", b)
                if sampler.batching != .taskPerStep {
                    throw fail("tasks.\(i).batch_size", "a per-task batch size needs sampler.batching: task-per-step (a mixed batch draws each example's task)")
                }
            }
            if let m = task.headLRMultiplier, !(m > 0 && m <= 1000) {
                throw fail("tasks.\(i).head_lr_multiplier", "must be in (0, 1000], found \(m)")
            }
        }

        if strategy.adapter != nil && strategy.kind != .adapters && strategy.kind != .madx {
            throw fail("strategy.adapter", "configures the task adapter of kind 'adapters' or 'madx'; this strategy is '\(strategy.kind.rawValue)'")
        }
        if strategy.languageAdapters != nil && strategy.kind != .madx {
            throw fail("strategy.language_adapters", "gives MAD-X's language adapters, for kind 'madx'; this strategy is '\(strategy.kind.rawValue)'")
        }
        if strategy.kind == .madx {
            guard let source = strategy.languageAdapters else {
                throw fail("strategy.language_adapters", "missing: kind 'madx' stacks its task adapter on a language adapter (a folder of per-language adapter folders, or a mapping of languages to adapter folders)")
            }
            if strategy.adapter?.invertible == true {
                throw fail("strategy.adapter.invertible", "under 'madx' the invertible adapter belongs to the language adapter; the task adapter has none")
            }
            let sources = Set(tasks.flatMap(\.trainLanguages))
            guard sources.count == 1, let language = sources.first else {
                throw fail("tasks", "'madx' trains its task adapter on one source language's adapter; the tasks train on \(sources.sorted().joined(separator: ", "))")
            }
            if source.path(for: language) == nil {
                throw fail("strategy.language_adapters", "has no adapter for the source language '\(language)'")
            }
        }
        if strategy.lora != nil && strategy.kind != .lora {
            throw fail("strategy.lora", "configures LoRA of kind 'lora'; this strategy is '\(strategy.kind.rawValue)'")
        }
        if strategy.kind.isParameterEfficient && (strategy.l2SP > 0 || strategy.ewc > 0) {
            throw fail("strategy.kind", "'\(strategy.kind.rawValue)' keeps the base model frozen: L2-SP and EWC, which hold its weights close to earlier ones, have nothing to act on")
        }
        if strategy.kind == .freezeLower {
            if strategy.freezeLayers < 0 { throw fail("strategy.freeze_layers", "must not be negative, found \(strategy.freezeLayers)") }
            if model.source == .scratch && strategy.freezeLayers > model.layers {
                throw fail("strategy.freeze_layers", "cannot freeze \(strategy.freezeLayers) layers of a \(model.layers)-layer model")
            }
        }
        try positive("strategy.unfreeze_every", strategy.unfreezeEvery)
        if !(strategy.layerLRDecay > 0 && strategy.layerLRDecay <= 1) {
            throw fail("strategy.layer_lr_decay", "must be in (0, 1], found \(strategy.layerLRDecay)")
        }
        if !(strategy.headLRMultiplier > 0 && strategy.headLRMultiplier <= 1000) {
            throw fail("strategy.head_lr_multiplier", "must be in (0, 1000], found \(strategy.headLRMultiplier)")
        }
        if !(strategy.l2SP >= 0 && strategy.l2SP.isFinite) { throw fail("strategy.l2_sp", "must be 0 (none) or a positive number, found \(strategy.l2SP)") }
        if !(strategy.ewc >= 0 && strategy.ewc.isFinite) { throw fail("strategy.ewc", "must be 0 (none) or a positive number, found \(strategy.ewc)") }
        try positive("strategy.ewc_examples", strategy.ewcExamples)
        if !(strategy.replay >= 0 && strategy.replay < 1) { throw fail("strategy.replay", "must be in [0, 1), found \(strategy.replay)") }

        try positive("evaluation.every", evaluation.every)
        try positive("evaluation.batch_size", evaluation.batchSize)
        if let p = evaluation.patience { try positive("evaluation.patience", p) }
        if let names = evaluation.selectionTasks {
            if names.isEmpty { throw fail("evaluation.selection_tasks", "must name at least one task (or be null)") }
            for (i, n) in names.enumerated() where !seen.contains(n) {
                throw fail("evaluation.selection_tasks.\(i)", "'\(n)' is not one of the experiment's tasks (\(tasks.map(\.name).joined(separator: ", ")))")
            }
        }
    }

    /// Checks task names and languages against what the data offers: every task exists, has training
    /// data in each training language and dev data in each language that selection or evaluation reads.
    public func validateTasks(file: String? = nil, catalog: (String) -> TaskAvailability?, knownTasks: [String]) throws {
        for (i, stage) in stageExperiments.enumerated() {
            try stage.validateStageTasks(file: file, prefix: isStaged ? "stages.\(i)." : "", catalog: catalog, knownTasks: knownTasks)
        }
    }

    /// `validateTasks` of one stage, its keys named after `prefix`.
    func validateStageTasks(file: String?, prefix: String, catalog: (String) -> TaskAvailability?, knownTasks: [String]) throws {
        for (i, task) in tasks.enumerated() {
            guard let available = catalog(task.name) else {
                throw ConfigError(file: file, key: prefix + "tasks.\(i).name",
                                  "unknown task '\(task.name)' (known: \(knownTasks.sorted().joined(separator: ", ")))")
            }
            for (j, lang) in task.trainLanguages.enumerated() where !available.trainLanguages.contains(lang) {
                throw ConfigError(file: file, key: prefix + "tasks.\(i).train_languages.\(j)",
                                  "task '\(task.name)' has no training data in '\(lang)' (has: \(available.trainLanguages.sorted().joined(separator: ", ")))")
            }
            for (j, lang) in task.evalLanguages.enumerated() where !available.devLanguages.contains(lang) {
                throw ConfigError(file: file, key: prefix + "tasks.\(i).eval_languages.\(j)",
                                  "task '\(task.name)' has no dev data in '\(lang)' (has: \(available.devLanguages.sorted().joined(separator: ", ")))")
            }
        }
        let selected = selectionTaskNames { catalog($0)?.isMaskedLM ?? false }
        if selected.isEmpty {
            throw ConfigError(file: file, key: prefix + "evaluation.selection_tasks", "no task is selected for model selection; name one or set select: true on a task")
        }
        for name in selected {
            guard let i = tasks.firstIndex(where: { $0.name == name }), let available = catalog(name) else { continue }
            let needed = evaluation.selection == .sourceDev ? tasks[i].trainLanguages : tasks[i].evalLanguages
            if needed.isEmpty {
                throw ConfigError(file: file, key: prefix + "tasks.\(i).eval_languages",
                                  "selection on target-dev needs evaluation languages for selection task '\(name)'")
            }
            let key = evaluation.selection == .sourceDev ? "train_languages" : "eval_languages"
            for (j, lang) in needed.enumerated() where !available.devLanguages.contains(lang) {
                throw ConfigError(file: file, key: prefix + "tasks.\(i).\(key).\(j)",
                                  "task '\(name)' has no dev data in '\(lang)' for model selection (has: \(available.devLanguages.sorted().joined(separator: ", ")))")
            }
        }
    }

    /// The tasks whose major metric makes the selection score: `evaluation.selection_tasks`, else every
    /// task with `select: true`, else every task that is not masked language modelling.
    public func selectionTaskNames(isMaskedLM: (String) -> Bool) -> [String] {
        if let names = evaluation.selectionTasks { return names }
        return tasks.filter { $0.select ?? !isMaskedLM($0.name) }.map(\.name)
    }
}
