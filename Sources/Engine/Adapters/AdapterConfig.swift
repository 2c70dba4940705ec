import Platform

/// Where bottleneck adapters sit in a (post-LN, BERT-style) block, as AdapterHub defines its two classic
/// configurations. `pfeiffer` (AdapterHub `SeqBnConfig`, Pfeiffer et al. 2020): one adapter after the
/// feed-forward block, reading the block's LayerNorm of (sub-layer output + residual) and adding its output to
/// the sub-layer output, after which the block's LayerNorm of (that + residual) runs as usual
/// (`original_ln_before`, `residual_before_ln`, `original_ln_after`). `houlsby` (`DoubleSeqBnConfig`, Houlsby et
/// al. 2019): one adapter after the attention output and one after the feed-forward output, each reading the
/// sub-layer output and adding to it, before the block's residual and LayerNorm.
public enum AdapterArchitecture: String, ConfigChoice {
    case pfeiffer, houlsby
    /// The adapter reads LN(sub-layer output + residual) rather than the sub-layer output.
    var readsNormalizedSum: Bool { self == .pfeiffer }
    var hasAttentionAdapter: Bool { self == .houlsby }
    /// AdapterHub's default non-linearity for the architecture.
    public var defaultNonLinearity: Activation { self == .pfeiffer ? .relu : .swish }
}

/// How adapter weights start. `bert` (AdapterHub's default): every linear normal(0, 0.02), biases 0.
/// `mam_adapter`: down projections Kaiming-uniform (PyTorch's `nn.Linear` default, bound 1/√in), up
/// projections and every bias 0, so a new adapter leaves the model's outputs unchanged.
public enum AdapterInit: String, ConfigChoice {
    case bert
    case mamAdapter = "mam_adapter"
}

/// A bottleneck adapter's configuration (AdapterHub `BnConfig` fields that apply, with its defaults).
public struct BottleneckAdapterConfig: Codable, Equatable, Sendable {
    public var architecture: AdapterArchitecture
    /// hidden / bottleneck width (AdapterHub: `int(hidden // reduction_factor)`, at least 1).
    public var reductionFactor: Double
    public var nonLinearity: Activation
    /// MAD-X's invertible adapter (a NICE coupling block) on the embedding output, inverted before the MLM decoder.
    public var invertible: Bool
    /// The invertible adapter's reduction factor (AdapterHub `inv_adapter_reduction_factor`, 2).
    public var invertibleReductionFactor: Double
    /// Layers (from 0) without adapters.
    public var leaveOut: [Int]
    public var initWeights: AdapterInit

    public init(architecture: AdapterArchitecture = .pfeiffer, reductionFactor: Double = 16, nonLinearity: Activation? = nil,
                invertible: Bool = false, invertibleReductionFactor: Double = 2, leaveOut: [Int] = [], initWeights: AdapterInit = .bert) {
        self.architecture = architecture; self.reductionFactor = reductionFactor
        self.nonLinearity = nonLinearity ?? architecture.defaultNonLinearity
        self.invertible = invertible; self.invertibleReductionFactor = invertibleReductionFactor
        self.leaveOut = leaveOut; self.initWeights = initWeights
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case architecture, reductionFactor = "reduction_factor", nonLinearity = "non_linearity", invertible
        case invertibleReductionFactor = "invertible_reduction_factor", leaveOut = "leave_out", initWeights = "init_weights"
    }

    /// Strict (an unknown key is an error); every key but `architecture` may be left out for its default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        let d = BottleneckAdapterConfig(architecture: try c.decodeIfPresent(AdapterArchitecture.self, forKey: .architecture) ?? .pfeiffer)
        self.init(architecture: d.architecture,
                  reductionFactor: try c.decodeIfPresent(Double.self, forKey: .reductionFactor) ?? d.reductionFactor,
                  nonLinearity: try c.decodeIfPresent(Activation.self, forKey: .nonLinearity) ?? d.nonLinearity,
                  invertible: try c.decodeIfPresent(Bool.self, forKey: .invertible) ?? d.invertible,
                  invertibleReductionFactor: try c.decodeIfPresent(Double.self, forKey: .invertibleReductionFactor) ?? d.invertibleReductionFactor,
                  leaveOut: try c.decodeIfPresent([Int].self, forKey: .leaveOut) ?? d.leaveOut,
                  initWeights: try c.decodeIfPresent(AdapterInit.self, forKey: .initWeights) ?? d.initWeights)
    }

    /// The bottleneck width for a hidden size.
    public func bottleneck(hidden: Int) -> Int { Swift.max(1, Int((Double(hidden) / reductionFactor).rounded(.down))) }

    /// Checks the values against an encoder; errors name `key` (the config key the settings came from).
    public func validate(hidden: Int, layers: Int, key: String) throws {
        func bad(_ k: CodingKeys, _ message: String) -> ConfigError { ConfigError(key: key + "." + k.rawValue, message) }
        if !(reductionFactor >= 1 && reductionFactor <= Double(hidden)) {
            throw bad(.reductionFactor, "must be between 1 and the hidden size \(hidden), got \(reductionFactor)")
        }
        if invertible && !(invertibleReductionFactor >= 1 && invertibleReductionFactor <= Double(hidden / 2)) {
            throw bad(.invertibleReductionFactor, "must be between 1 and half the hidden size (\(hidden / 2)), got \(invertibleReductionFactor)")
        }
        if let l = leaveOut.first(where: { $0 < 0 || $0 >= layers }) {
            throw bad(.leaveOut, "layer \(l) does not exist: the encoder has layers 0…\(layers - 1)")
        }
    }
}

/// The weight matrices LoRA can adapt in a block (AdapterHub: `attn_matrices` q, k, v; `intermediate_lora`;
/// `output_lora`), plus the attention output projection.
public enum LoRATarget: String, ConfigChoice {
    case query, key, value
    case attentionOutput = "attention_output"
    case intermediate, output
}

/// LoRA (Hu et al. 2021): W x + (alpha/r) · B A dropout(x), A [r, in] Kaiming-uniform, B [out, r] zero, so a
/// new LoRA leaves the model unchanged; mergeable into W for export.
public struct LoRAConfig: Codable, Equatable, Sendable {
    public var rank: Int
    public var alpha: Double
    public var dropout: Double
    public var targets: [LoRATarget]
    public var leaveOut: [Int]

    public init(rank: Int = 8, alpha: Double = 8, dropout: Double = 0, targets: [LoRATarget] = [.query, .value], leaveOut: [Int] = []) {
        self.rank = rank; self.alpha = alpha; self.dropout = dropout; self.targets = targets; self.leaveOut = leaveOut
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case rank, alpha, dropout, targets, leaveOut = "leave_out"
    }

    /// Strict (an unknown key is an error); every key may be left out for its default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(CodingKeys.self)
        let d = LoRAConfig()
        self.init(rank: try c.decodeIfPresent(Int.self, forKey: .rank) ?? d.rank, alpha: try c.decodeIfPresent(Double.self, forKey: .alpha) ?? d.alpha,
                  dropout: try c.decodeIfPresent(Double.self, forKey: .dropout) ?? d.dropout,
                  targets: try c.decodeIfPresent([LoRATarget].self, forKey: .targets) ?? d.targets,
                  leaveOut: try c.decodeIfPresent([Int].self, forKey: .leaveOut) ?? d.leaveOut)
    }

    public var scaling: Float { Float(alpha / Double(rank)) }

    /// (out, in) of a target matrix in an encoder.
    public static func shape(_ t: LoRATarget, hidden: Int, intermediate: Int) -> (out: Int, in: Int) {
        switch t {
        case .query, .key, .value, .attentionOutput: return (hidden, hidden)
        case .intermediate: return (intermediate, hidden)
        case .output: return (hidden, intermediate)
        }
    }

    public func validate(hidden: Int, intermediate: Int, layers: Int, key: String) throws {
        func bad(_ k: CodingKeys, _ message: String) -> ConfigError { ConfigError(key: key + "." + k.rawValue, message) }
        if targets.isEmpty { throw bad(.targets, "lists no matrix: give some of \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", "))") }
        if Set(targets).count != targets.count { throw bad(.targets, "lists a matrix twice") }
        for t in targets {
            let s = LoRAConfig.shape(t, hidden: hidden, intermediate: intermediate)
            if rank < 1 || rank > Swift.min(s.out, s.in) {
                throw bad(.rank, "\(rank) must be between 1 and the smaller side of the \(t.rawValue) matrix [\(s.out), \(s.in)], \(Swift.min(s.out, s.in))")
            }
        }
        if !(alpha > 0) { throw bad(.alpha, "must be positive, got \(alpha)") }
        if !(dropout >= 0 && dropout < 1) { throw bad(.dropout, "must be in [0, 1), got \(dropout)") }
        if let l = leaveOut.first(where: { $0 < 0 || $0 >= layers }) {
            throw bad(.leaveOut, "layer \(l) does not exist: the encoder has layers 0…\(layers - 1)")
        }
    }
}

/// What an encoder carries besides its own weights: bottleneck adapters stacked in order (the first nearest
/// the base model: MAD-X's language adapter, then the task adapter), and LoRA. Each has a name: its weights
/// are `…adapters.<name>.…` / `…loras.<name>.…` in the store and in adapter files.
public struct AdapterSetup: Codable, Equatable, Sendable {
    public struct Bottleneck: Codable, Equatable, Sendable {
        public var name: String
        public var config: BottleneckAdapterConfig
        public init(name: String, config: BottleneckAdapterConfig) { self.name = name; self.config = config }
    }
    public struct LoRA: Codable, Equatable, Sendable {
        public var name: String
        public var config: LoRAConfig
        public init(name: String, config: LoRAConfig) { self.name = name; self.config = config }
    }
    public var bottlenecks: [Bottleneck]
    public var lora: LoRA?

    public init(bottlenecks: [Bottleneck] = [], lora: LoRA? = nil) { self.bottlenecks = bottlenecks; self.lora = lora }

    public var isEmpty: Bool { bottlenecks.isEmpty && lora == nil }

    /// Whether a weight name belongs to an adapter (bottleneck, LoRA or invertible) rather than the base model.
    public static func isAdapterWeight(_ name: String) -> Bool {
        name.contains(".adapters.") || name.contains(".loras.") || name.hasPrefix("invertible_adapters.")
    }
    /// The adapter whose invertible adapter runs (AdapterHub: the first of the stack that has one).
    public var invertible: Bottleneck? { bottlenecks.first { $0.config.invertible } }
}
