import Foundation
import Engine
import Platform

/// One experiment: the model, the tokenizer, the tasks with their training and evaluation languages,
/// the task sampler, optimization, fine-tuning strategy, evaluation and checkpointing, and the seed.
/// Read from YAML by `ExperimentLoader`, which fills every omitted field from `ExperimentDefaults`
/// (the one place defaults are written) and rejects unknown keys; the resolved value is saved with the run.
public struct Experiment: Codable, Equatable, Sendable {
    public var name: String
    public var seed: UInt64
    /// Where task files are read from; null means `--data-root`, `POLYGLOT_DATA_ROOT`, else `data/`.
    public var dataRoot: String?
    public var model: ModelSettings
    public var tokenizer: TokenizerSettings
    public var data: DataSettings
    public var tasks: [TaskEntry]
    public var sampler: SamplerSettings
    public var optimization: OptimizationSettings
    public var strategy: StrategySettings
    public var evaluation: EvaluationSettings
    public var checkpoint: CheckpointSettings
    /// Sequential transfer: stages trained one after another, each continuing from the weights the one
    /// before ended with, with its own tasks, sampler, optimization, strategy and evaluation (each laid over
    /// the top-level keys by `ExperimentLoader`). Empty: one training run of the top-level keys.
    public var stages: [StageSettings]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, seed, dataRoot = "data_root", model, tokenizer, data, tasks, sampler, optimization, strategy, evaluation, checkpoint
        case stages
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        seed = try c.decode(UInt64.self, forKey: .seed)
        dataRoot = try c.decodeIfPresent(String.self, forKey: .dataRoot)
        model = try c.decode(ModelSettings.self, forKey: .model)
        tokenizer = try c.decode(TokenizerSettings.self, forKey: .tokenizer)
        data = try c.decode(DataSettings.self, forKey: .data)
        tasks = try c.decode([TaskEntry].self, forKey: .tasks)
        sampler = try c.decode(SamplerSettings.self, forKey: .sampler)
        optimization = try c.decode(OptimizationSettings.self, forKey: .optimization)
        strategy = try c.decode(StrategySettings.self, forKey: .strategy)
        evaluation = try c.decode(EvaluationSettings.self, forKey: .evaluation)
        checkpoint = try c.decode(CheckpointSettings.self, forKey: .checkpoint)
        stages = try c.decode([StageSettings].self, forKey: .stages)
    }
}

/// One stage of a sequential-transfer experiment (`stages[]`). In the file a stage gives only what differs
/// from the top level; `ExperimentLoader` lays each stage over the top-level `tasks`, `sampler`,
/// `optimization`, `strategy` and `evaluation`, so every field here is resolved.
public struct StageSettings: Codable, Equatable, Sendable {
    /// Shown in reports and logs (null: `stage <n>`, counting from 1).
    public var name: String?
    public var tasks: [TaskEntry]
    public var sampler: SamplerSettings
    public var optimization: OptimizationSettings
    public var strategy: StrategySettings
    public var evaluation: EvaluationSettings

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, tasks, sampler, optimization, strategy, evaluation
    }

    /// The keys a stage may give, in file order; all but `name` default to the experiment's top-level value.
    public static let inheritedKeys = ["tasks", "sampler", "optimization", "strategy", "evaluation"]

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        tasks = try c.decode([TaskEntry].self, forKey: .tasks)
        sampler = try c.decode(SamplerSettings.self, forKey: .sampler)
        optimization = try c.decode(OptimizationSettings.self, forKey: .optimization)
        strategy = try c.decode(StrategySettings.self, forKey: .strategy)
        evaluation = try c.decode(EvaluationSettings.self, forKey: .evaluation)
    }
}

public enum ModelSource: String, ConfigChoice {
    /// A new encoder of the given size, randomly initialized from the seed.
    case scratch
    /// A Polyglot checkpoint folder (`model.path`).
    case polyglot
    /// A Hugging Face BERT-style checkpoint folder (`config.json` + `model.safetensors`).
    case hf
}

public struct ModelSettings: Codable, Equatable, Sendable {
    public var source: ModelSource
    public var path: String?
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    public var intermediate: Int
    public var maxPositions: Int
    public var dropout: Double
    /// The arithmetic of the matrix products (`fp32`, the default, or `bf16` on a CPU with AVX512-BF16).
    public var precision: Precision

    enum CodingKeys: String, CodingKey, CaseIterable {
        case source, path, layers, hidden, heads, intermediate, maxPositions = "max_positions", dropout, precision
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        source = try c.decode(ModelSource.self, forKey: .source)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        layers = try c.decode(Int.self, forKey: .layers)
        hidden = try c.decode(Int.self, forKey: .hidden)
        heads = try c.decode(Int.self, forKey: .heads)
        intermediate = try c.decode(Int.self, forKey: .intermediate)
        maxPositions = try c.decode(Int.self, forKey: .maxPositions)
        dropout = try c.decode(Double.self, forKey: .dropout)
        precision = try c.decodeIfPresent(Precision.self, forKey: .precision) ?? .fp32
    }
}

public enum TokenizerSource: String, ConfigChoice {
    /// Trained at the start of the run on the training tasks' text.
    case train
    /// A `tokenizer.json` file (`tokenizer.path`).
    case file
    /// The tokenizer that comes with the model checkpoint.
    case model
}

/// Subword algorithms the tokenizer trainer offers.
public enum SubwordAlgorithm: String, ConfigChoice {
    case unigram
}

public enum PreTokenization: String, ConfigChoice {
    /// ICU word segmentation (dictionaries for Thai, Chinese, Japanese, Khmer, Lao, Burmese).
    case icu
    /// Whitespace only, SentencePiece style.
    case metaspace
}

public struct TokenizerSettings: Codable, Equatable, Sendable {
    public var source: TokenizerSource
    public var path: String?
    public var algorithm: SubwordAlgorithm
    public var preTokenizer: PreTokenization
    public var vocabSize: Int
    /// At most this many sentences of training text, drawn evenly from the training tasks and languages.
    public var maxSentences: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case source, path, algorithm, preTokenizer = "pre_tokenizer", vocabSize = "vocab_size", maxSentences = "max_sentences"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        source = try c.decode(TokenizerSource.self, forKey: .source)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        algorithm = try c.decode(SubwordAlgorithm.self, forKey: .algorithm)
        preTokenizer = try c.decode(PreTokenization.self, forKey: .preTokenizer)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        maxSentences = try c.decode(Int.self, forKey: .maxSentences)
    }
}

public struct DataSettings: Codable, Equatable, Sendable {
    /// Tokens per sequence, special tokens included.
    public var maxLength: Int
    /// Cap on training examples per task and language (null: all).
    public var maxTrainExamples: Int?
    /// Cap on evaluation examples per task, language and split (null: all).
    public var maxEvalExamples: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxLength = "max_length", maxTrainExamples = "max_train_examples", maxEvalExamples = "max_eval_examples"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        maxLength = try c.decode(Int.self, forKey: .maxLength)
        maxTrainExamples = try c.decodeIfPresent(Int.self, forKey: .maxTrainExamples)
        maxEvalExamples = try c.decodeIfPresent(Int.self, forKey: .maxEvalExamples)
    }
}

/// One task of the mix with the languages it trains on and the languages it is evaluated on.
public struct TaskEntry: Codable, Equatable, Sendable {
    public var name: String
    public var trainLanguages: [String]
    /// Zero-shot target languages; their dev data picks checkpoints only with `evaluation.selection: target-dev`.
    public var evalLanguages: [String]
    /// Relative weight for the `specified` sampler.
    public var weight: Double
    /// Whether this task's major metric counts in the selection score (null: every task but MLM).
    public var select: Bool?
    /// Examples per micro-batch when a step trains this task (`task-per-step` batching only; null:
    /// `optimization.batch_size`), as jiant's per-task batch sizes.
    public var batchSize: Int?
    /// This task's head trains at lr times this (null: `strategy.head_lr_multiplier`). Tasks sharing a
    /// head must agree.
    public var headLRMultiplier: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, trainLanguages = "train_languages", evalLanguages = "eval_languages", weight, select
        case batchSize = "batch_size", headLRMultiplier = "head_lr_multiplier"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        trainLanguages = try c.decode([String].self, forKey: .trainLanguages)
        evalLanguages = try c.decode([String].self, forKey: .evalLanguages)
        weight = try c.decode(Double.self, forKey: .weight)
        select = try c.decodeIfPresent(Bool.self, forKey: .select)
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize)
        headLRMultiplier = try c.decodeIfPresent(Double.self, forKey: .headLRMultiplier)
    }
}

public enum SamplerKind: String, ConfigChoice {
    /// Every task equally often.
    case uniform
    /// In proportion to each task's training examples (capped by `sampler.cap`).
    case proportional
    /// Proportional to size^(1/T) (capped by `sampler.cap`).
    case temperature
    /// In proportion to each task's `weight`.
    case specified
    /// Temperature sampling with T moving linearly from `temperature` to `end_temperature` over `anneal_steps`.
    case annealedTemperature = "annealed-temperature"
}

public enum BatchComposition: String, ConfigChoice {
    /// Each optimizer step trains one task, drawn by the sampler (as jiant).
    case taskPerStep = "task-per-step"
    /// Each batch mixes tasks: every example's task is drawn by the sampler.
    case mixed
}

public struct SamplerSettings: Codable, Equatable, Sendable {
    public var kind: SamplerKind
    public var temperature: Double
    public var endTemperature: Double?
    public var annealSteps: Int?
    /// Examples counted at most this many per task for the size-based samplers (null: no cap).
    public var cap: Int?
    public var batching: BatchComposition

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, temperature, endTemperature = "end_temperature", annealSteps = "anneal_steps", cap, batching
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        kind = try c.decode(SamplerKind.self, forKey: .kind)
        temperature = try c.decode(Double.self, forKey: .temperature)
        endTemperature = try c.decodeIfPresent(Double.self, forKey: .endTemperature)
        annealSteps = try c.decodeIfPresent(Int.self, forKey: .annealSteps)
        cap = try c.decodeIfPresent(Int.self, forKey: .cap)
        batching = try c.decode(BatchComposition.self, forKey: .batching)
    }
}

public enum OptimizerKind: String, ConfigChoice { case adamw, sgd }

public enum ScheduleKind: String, ConfigChoice {
    case constant
    /// Linear warm-up, then linear decay to zero at `max_steps`.
    case linear
    /// Linear warm-up, then cosine decay to zero at `max_steps`.
    case cosine
}

public struct OptimizationSettings: Codable, Equatable, Sendable {
    public var optimizer: OptimizerKind
    public var lr: Double
    public var weightDecay: Double
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    /// SGD momentum.
    public var momentum: Double
    /// Examples per micro-batch.
    public var batchSize: Int
    /// Micro-batches summed per optimizer step.
    public var gradAccumulation: Int
    public var maxSteps: Int
    public var warmupSteps: Int
    public var schedule: ScheduleKind
    /// Global gradient-norm clip (null: no clipping).
    public var clipNorm: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case optimizer, lr, weightDecay = "weight_decay", beta1, beta2, eps, momentum, batchSize = "batch_size"
        case gradAccumulation = "grad_accumulation", maxSteps = "max_steps", warmupSteps = "warmup_steps", schedule
        case clipNorm = "clip_norm"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        optimizer = try c.decode(OptimizerKind.self, forKey: .optimizer)
        lr = try c.decode(Double.self, forKey: .lr)
        weightDecay = try c.decode(Double.self, forKey: .weightDecay)
        beta1 = try c.decode(Double.self, forKey: .beta1)
        beta2 = try c.decode(Double.self, forKey: .beta2)
        eps = try c.decode(Double.self, forKey: .eps)
        momentum = try c.decode(Double.self, forKey: .momentum)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        gradAccumulation = try c.decode(Int.self, forKey: .gradAccumulation)
        maxSteps = try c.decode(Int.self, forKey: .maxSteps)
        warmupSteps = try c.decode(Int.self, forKey: .warmupSteps)
        schedule = try c.decode(ScheduleKind.self, forKey: .schedule)
        clipNorm = try c.decodeIfPresent(Double.self, forKey: .clipNorm)
    }
}

extension Experiment {
    /// MAD-X's source language (the one language its tasks train on) and its adapter folder; nil for other kinds.
    public var madxSource: (language: String, path: String)? {
        guard strategy.kind == .madx, let language = Set(tasks.flatMap(\.trainLanguages)).sorted().first,
              let path = strategy.languageAdapter(for: language) else { return nil }
        return (language, path)
    }
}

public enum StrategyKind: String, ConfigChoice {
    /// Every parameter trains.
    case full
    /// Embeddings and every encoder layer frozen: only the heads train (feature extraction).
    case frozenEncoder = "frozen-encoder"
    /// Embeddings and the lowest `freeze_layers` encoder layers frozen.
    case freezeLower = "freeze-lower"
    /// ULMFiT: the heads train first; every `unfreeze_every` steps one more layer group thaws, from the top.
    case gradualUnfreeze = "gradual-unfreeze"
    /// Bottleneck adapters (`strategy.adapter`) and the heads train; the base model is frozen.
    case adapters
    /// LoRA (`strategy.lora`) and the heads train; the base model is frozen.
    case lora
    /// MAD-X (Pfeiffer et al. 2020): a task adapter (`strategy.adapter`) trains stacked on the source language's
    /// adapter (`strategy.language_adapters`, frozen); each evaluation language gets its own language adapter
    /// swapped in, the source's where it has none.
    case madx

    /// Whether the base model (embeddings and encoder layers) stays frozen and only added weights and heads train.
    public var isParameterEfficient: Bool { self == .adapters || self == .lora || self == .madx }
}

public struct StrategySettings: Codable, Equatable, Sendable {
    public var kind: StrategyKind
    public var freezeLayers: Int
    public var unfreezeEvery: Int
    /// Discriminative learning rates: encoder layer l of L trains at lr · decay^(L−l), embeddings at
    /// lr · decay^L, heads at lr. 1 disables it.
    public var layerLRDecay: Double
    /// The learning rate of everything above the encoder (heads, pooler) is lr times this: a new head
    /// starting from small random weights can move further than the pretrained encoder under it. 1 trains
    /// every group at the scheduled rate (times the layer decay).
    public var headLRMultiplier: Double
    /// L2-SP (Li et al. 2018): α of the penalty α/2·‖θ − θ₀‖² on the shared encoder, θ₀ its weights at the
    /// start of the stage (of the run, without stages). 0: none.
    public var l2SP: Double
    /// EWC (Kirkpatrick et al. 2017): λ of the penalty λ/2·Σ F(θ − θ*)² on the shared encoder, summed over every
    /// earlier stage with its weights θ* at its end and its diagonal Fisher F. 0: none; needs an earlier stage.
    public var ewc: Double
    /// With `ewc`: the training features each earlier stage's diagonal Fisher is computed from, drawn with the
    /// seed from that stage's tasks' training data at its end, for the earlier stages this is the first EWC
    /// stage after (a Fisher is computed once, saved with its stage's checkpoint).
    public var ewcExamples: Int
    /// Replay: the share of the sampler's draws (a step's task; a mixed batch's examples) that come from
    /// earlier stages' training data. 0: none; needs an earlier stage.
    public var replay: Double
    /// With kind `adapters`: the task adapter's configuration (null: AdapterHub's Pfeiffer defaults).
    public var adapter: BottleneckAdapterConfig?
    /// With kind `lora`: LoRA's configuration (null: rank 8, alpha 8 on query and value).
    public var lora: LoRAConfig?
    /// With kind `madx`: the language adapters (`polyglot adapter export` folders), by language.
    public var languageAdapters: LanguageAdapterSource?

    /// The adapter slot MAD-X's language adapters are loaded into, below the task adapter ("task").
    public static let languageSlot = "language", taskSlot = "task"

    /// A language's adapter folder under `language_adapters`, nil where it has none.
    public func languageAdapter(for language: String) -> String? { languageAdapters?.path(for: language) }

    /// The adapters this strategy trains (none for the other kinds). MAD-X's language adapter, whose
    /// configuration its files give, is stacked below the task adapter when the model is built.
    public var adapterSetup: AdapterSetup {
        switch kind {
        case .adapters, .madx: return AdapterSetup(bottlenecks: [.init(name: "task", config: adapter ?? BottleneckAdapterConfig())])
        case .lora: return AdapterSetup(lora: .init(name: "task", config: lora ?? LoRAConfig()))
        default: return AdapterSetup()
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, freezeLayers = "freeze_layers", unfreezeEvery = "unfreeze_every", layerLRDecay = "layer_lr_decay"
        case headLRMultiplier = "head_lr_multiplier", l2SP = "l2_sp", ewc, ewcExamples = "ewc_examples", replay, adapter, lora
        case languageAdapters = "language_adapters"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        kind = try c.decode(StrategyKind.self, forKey: .kind)
        freezeLayers = try c.decode(Int.self, forKey: .freezeLayers)
        unfreezeEvery = try c.decode(Int.self, forKey: .unfreezeEvery)
        layerLRDecay = try c.decode(Double.self, forKey: .layerLRDecay)
        headLRMultiplier = try c.decode(Double.self, forKey: .headLRMultiplier)
        l2SP = try c.decode(Double.self, forKey: .l2SP)
        ewc = try c.decode(Double.self, forKey: .ewc)
        ewcExamples = try c.decode(Int.self, forKey: .ewcExamples)
        replay = try c.decode(Double.self, forKey: .replay)
        adapter = try c.decodeIfPresent(BottleneckAdapterConfig.self, forKey: .adapter)
        lora = try c.decodeIfPresent(LoRAConfig.self, forKey: .lora)
        languageAdapters = try c.decodeIfPresent(LanguageAdapterSource.self, forKey: .languageAdapters)
    }
}

/// Where MAD-X's language adapters are: a folder holding one adapter folder per language code
/// (`<folder>/sw/adapter.json`), or a mapping of language codes to adapter folders. Relative paths are read
/// from the working directory, as `model.path` is.
public enum LanguageAdapterSource: Codable, Equatable, Sendable {
    case folder(String)
    case paths([String: String])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let folder = try? c.decode(String.self) {
            self = .folder(folder)
        } else if let paths = try? c.decode([String: String].self) {
            self = .paths(paths)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a folder of per-language adapter folders, or a mapping of language codes to adapter folders")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .folder(let f): try c.encode(f)
        case .paths(let p): try c.encode(p)
        }
    }

    /// The adapter folder of `language`, nil when there is none (a folder source: no `<folder>/<language>/adapter.json`).
    public func path(for language: String, headerFile: String = "adapter.json") -> String? {
        switch self {
        case .paths(let p): return p[language]
        case .folder(let f):
            let dir = URL(fileURLWithPath: f).appendingPathComponent(language)
            return FileManager.default.fileExists(atPath: dir.appendingPathComponent(headerFile).path) ? dir.path : nil
        }
    }
}

public enum SelectionData: String, ConfigChoice {
    /// Strict zero-shot: only the training languages' dev data picks checkpoints.
    case sourceDev = "source-dev"
    /// The evaluation languages' dev data picks checkpoints (not zero-shot; recorded in the results).
    case targetDev = "target-dev"
}

public struct EvaluationSettings: Codable, Equatable, Sendable {
    /// Evaluate on dev data every this many optimizer steps (and at the end).
    public var every: Int
    public var selection: SelectionData
    /// Tasks whose major metric is averaged into the selection score (null: every task with `select`).
    public var selectionTasks: [String]?
    /// Stop after this many evaluations without improvement (null: never stop early).
    public var patience: Int?
    public var batchSize: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case every, selection, selectionTasks = "selection_tasks", patience, batchSize = "batch_size"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        every = try c.decode(Int.self, forKey: .every)
        selection = try c.decode(SelectionData.self, forKey: .selection)
        selectionTasks = try c.decodeIfPresent([String].self, forKey: .selectionTasks)
        patience = try c.decodeIfPresent(Int.self, forKey: .patience)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
    }
}

public struct CheckpointSettings: Codable, Equatable, Sendable {
    /// Write the `last` checkpoint every this many steps (null: at every evaluation).
    public var every: Int?
    /// Keep a `best` checkpoint (the weights at the best selection score).
    public var keepBest: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case every, keepBest = "keep_best"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        every = try c.decodeIfPresent(Int.self, forKey: .every)
        keepBest = try c.decode(Bool.self, forKey: .keepBest)
    }
}
