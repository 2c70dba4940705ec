/// Every default of an experiment file, written once. An experiment file is laid over this document
/// (each entry of `tasks` over `taskEntry`) before it is decoded, so the schema itself has no defaults;
/// the resolved experiment saved with a run spells every value out.
public enum ExperimentDefaults {
    public static let document = """
    name: experiment
    seed: 1
    data_root: null
    model:
      source: scratch
      path: null
      layers: 2
      hidden: 64
      heads: 2
      intermediate: 256
      max_positions: 128
      dropout: 0.1
      precision: fp32
    tokenizer:
      source: train
      path: null
      algorithm: unigram
      pre_tokenizer: icu
      vocab_size: 1000
      max_sentences: 20000
    data:
      max_length: 64
      max_train_examples: null
      max_eval_examples: 500
    tasks: []
    sampler:
      kind: temperature
      temperature: 2.0
      end_temperature: null
      anneal_steps: null
      cap: null
      batching: task-per-step
    optimization:
      optimizer: adamw
      lr: 0.001
      weight_decay: 0.01
      beta1: 0.9
      beta2: 0.999
      eps: 1.0e-08
      momentum: 0.9
      batch_size: 16
      grad_accumulation: 1
      max_steps: 1000
      warmup_steps: 100
      schedule: linear
      clip_norm: 1.0
    strategy:
      kind: full
      freeze_layers: 0
      unfreeze_every: 100
      layer_lr_decay: 1.0
      head_lr_multiplier: 1.0
      l2_sp: 0.0
      ewc: 0.0
      ewc_examples: 256
      replay: 0.0
      adapter: null
      lora: null
      language_adapters: null
    evaluation:
      every: 100
      selection: source-dev
      selection_tasks: null
      patience: null
      batch_size: 64
    checkpoint:
      every: null
      keep_best: true
    stages: []
    """

    /// Defaults of one entry of `stages` besides the keys it inherits: each stage is laid over the
    /// experiment's resolved top-level `tasks`, `sampler`, `optimization`, `strategy` and `evaluation`
    /// (`StageSettings.inheritedKeys`), so a stage gives only what differs (a `tasks` list replaces the whole list).
    public static let stageEntry = """
    name: null
    """

    /// Defaults of one entry of `tasks`; `name` and `train_languages` have none and must be given.
    public static let taskEntry = """
    eval_languages: []
    weight: 1.0
    select: null
    batch_size: null
    head_lr_multiplier: null
    """
}
