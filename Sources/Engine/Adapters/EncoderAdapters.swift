import Platform

/// Every adapter of one encoder (`AdapterSetup`), registered in the encoder's store after its own weights,
/// with the activations the backward reads: per block, the bottleneck adapters after the attention output
/// (Houlsby) and after the feed-forward output (both architectures), in stack order; LoRA on the listed
/// matrices; and the invertible adapter on the embedding output. Weight names follow AdapterHub's
/// (without the base model's prefix): `encoder.layer.<l>.output.adapters.<name>.adapter_down.0.weight`,
/// `encoder.layer.<l>.attention.output.adapters.<name>.…`, `encoder.layer.<l>.attention.self.query.loras.<name>.lora_A`,
/// `invertible_adapters.<name>.F.0.weight`.
final class EncoderAdapters {
    let setup: AdapterSetup
    let hidden: Int

    struct Block {
        /// Bottleneck adapters after the attention output and after the feed-forward output, stack order.
        let attention: [(adapter: BottleneckAdapter, buffers: BottleneckAdapter.Buffers)]
        let output: [(adapter: BottleneckAdapter, buffers: BottleneckAdapter.Buffers)]
        /// LoRA per adapted matrix of the block.
        let lora: [LoRATarget: (lora: LoRALinear, buffers: LoRALinear.Buffers)]
    }
    let blocks: [Block]
    let invertible: (adapter: InvertibleAdapter, buffers: InvertibleAdapter.Buffers)?
    /// [n, d], [n, d] and [n, widest bottleneck]: overwritten by every adapter's forward and backward.
    let scratchD: Tensor, scratchD2: Tensor, scratchM: Tensor
    let arena: TensorArena
    /// Whether the last forward drew LoRA dropout masks (training with LoRA dropout > 0).
    var loraDropped = false

    /// The prefix of a block's adapter weights at a place.
    static func prefix(layer l: Int, attention: Bool, name: String) -> String {
        "encoder.layer.\(l).\(attention ? "attention.output" : "output").adapters.\(name)."
    }
    /// The base matrix of a LoRA target, under `encoder.layer.<l>.`.
    static func matrix(_ t: LoRATarget) -> String {
        switch t {
        case .query: return "attention.self.query"
        case .key: return "attention.self.key"
        case .value: return "attention.self.value"
        case .attentionOutput: return "attention.output.dense"
        case .intermediate: return "intermediate.dense"
        case .output: return "output.dense"
        }
    }
    static func loraPrefix(layer l: Int, _ t: LoRATarget, name: String) -> String { "encoder.layer.\(l).\(matrix(t)).loras.\(name)." }
    static func invertiblePrefix(name: String) -> String { "invertible_adapters.\(name)." }
    /// The base weight LoRA adapts for matrix t of block l.
    static func baseWeight(layer l: Int, _ t: LoRATarget) -> String { "encoder.layer.\(l).\(matrix(t)).weight" }


    init(_ setup: AdapterSetup, config c: EncoderConfig, store: ParameterStore, tokens n: Int) throws {
        self.setup = setup
        hidden = c.hiddenSize
        let d = c.hiddenSize, layers = c.numLayers
        var names = Set<String>()
        for b in setup.bottlenecks {
            try EngineError.require(!b.name.isEmpty && names.insert(b.name).inserted, "adapters", "adapter names must be distinct and non-empty: \(b.name)")
            try b.config.validate(hidden: d, layers: layers, key: "adapters.\(b.name)")
        }
        if let l = setup.lora {
            try l.config.validate(hidden: d, intermediate: c.intermediateSize, layers: layers, key: "lora.\(l.name)")
        }
        if !setup.bottlenecks.isEmpty && c.preLayerNorm {
            throw ConfigError(key: "adapters", "bottleneck adapters follow AdapterHub's placement in post-LN (BERT-style) blocks; this encoder is pre-LN")
        }
        try EngineError.require(setup.bottlenecks.filter(\.config.invertible).count <= 1, "adapters", "at most one adapter of a stack may have an invertible adapter")
        // Weights: blocks in order, each block's attention adapters, output adapters, then LoRA; the invertible adapter last.
        typealias Weights = (attention: [BottleneckAdapter], output: [BottleneckAdapter], lora: [(LoRATarget, LoRALinear)])
        var weights: [Weights] = []
        for l in 0..<layers {
            var w: Weights = ([], [], [])
            for b in setup.bottlenecks where !b.config.leaveOut.contains(l) {
                if b.config.architecture.hasAttentionAdapter {
                    w.attention.append(try BottleneckAdapter(prefix: Self.prefix(layer: l, attention: true, name: b.name), hidden: d, config: b.config, store: store))
                }
                w.output.append(try BottleneckAdapter(prefix: Self.prefix(layer: l, attention: false, name: b.name), hidden: d, config: b.config, store: store))
            }
            if let lora = setup.lora, !lora.config.leaveOut.contains(l) {
                for t in LoRATarget.allCases where lora.config.targets.contains(t) {
                    let s = LoRAConfig.shape(t, hidden: d, intermediate: c.intermediateSize)
                    w.lora.append((t, try LoRALinear(prefix: Self.loraPrefix(layer: l, t, name: lora.name), out: s.out, in: s.in,
                                                     config: lora.config, store: store)))
                }
            }
            weights.append(w)
        }
        let inv = try setup.invertible.map { try InvertibleAdapter(prefix: Self.invertiblePrefix(name: $0.name), hidden: d, config: $0.config, store: store) }
        let widest = setup.bottlenecks.map { $0.config.bottleneck(hidden: d) }.max() ?? 1
        typealias Built = (blocks: [Block], inv: InvertibleAdapter.Buffers?, scratch: [Tensor])
        let (built, arena) = try TensorArena.build { allocate -> Built in
            let blocks = try weights.map { w in
                Block(attention: try w.attention.map { ($0, try $0.buffers(tokens: n, allocate)) },
                      output: try w.output.map { ($0, try $0.buffers(tokens: n, allocate)) },
                      lora: Dictionary(uniqueKeysWithValues: try w.lora.map { ($0.0, ($0.1, try $0.1.buffers(tokens: n, allocate))) }))
            }
            let invBuffers = try inv.map { try $0.buffers(tokens: n, inverse: false, allocate) }
            return (blocks, invBuffers, [try allocate(.matrix(n, d)), try allocate(.matrix(n, d)), try allocate(.matrix(n, widest))])
        }
        self.arena = arena
        blocks = built.blocks
        if let inv, let b = built.inv { invertible = (inv, b) } else { invertible = nil }
        scratchD = built.scratch[0]; scratchD2 = built.scratch[1]; scratchM = built.scratch[2]
    }

    // MARK: per place, forward and backward side by side

    /// The bottleneck adapters at one place of block l: s (the sub-layer output after its dropout, [n, d]) is
    /// adapted in place; `residual` is the block's input at that place and `norm` its LayerNorm there.
    func forward(layer l: Int, attention: Bool, s: Tensor, residual: Tensor, norm: LayerNorm, tokens n: Int) {
        for (a, b) in attention ? blocks[l].attention : blocks[l].output {
            a.forward(s, residual: residual, norm: norm, buffers: b, scratch: scratchD, tokens: n)
        }
    }
    /// ds: the gradient w.r.t. the adapted s, turned in place into the gradient w.r.t. the sub-layer output;
    /// the residual's share (Pfeiffer adapters read it) is added to `dResidual`.
    func backward(layer l: Int, attention: Bool, ds: Tensor, dResidual: Tensor, norm: LayerNorm, tokens n: Int) {
        for (a, b) in (attention ? blocks[l].attention : blocks[l].output).reversed() {
            a.backward(ds, dResidual: dResidual, norm: norm, buffers: b, scratchD: scratchD, scratchD2: scratchD2, scratchM: scratchM, tokens: n)
        }
    }

    /// The LoRA dropout of matrix t of block l; nil when the matrix is not adapted.
    @inline(__always) func loraDropout(layer l: Int, _ t: LoRATarget) -> Float? { blocks[l].lora[t]?.lora.dropout }

    /// y[:, column…] += LoRA(x) for matrix t of block l, if it is adapted (`tokenOffset`: the dropout mask's
    /// place in a whole batch's, as the encoder's `rowOffset`).
    func loraForward(layer l: Int, _ t: LoRATarget, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, column: Int = 0, outStride: Int,
                     dropoutSeed: UInt64?, tokens n: Int, tokenOffset: Int = 0) {
        guard let (lora, b) = blocks[l].lora[t] else { return }
        lora.forward(x: x, y: y, column: column, outStride: outStride, buffers: b, dropoutSeed: dropoutSeed, tokens: n, tokenOffset: tokenOffset)
    }
    func loraBackward(layer l: Int, _ t: LoRATarget, dy: UnsafePointer<Float>, column: Int = 0, outStride: Int, x: UnsafePointer<Float>,
                      dx: UnsafeMutablePointer<Float>, tokens n: Int) {
        guard let (lora, b) = blocks[l].lora[t] else { return }
        lora.backward(dy: dy, column: column, outStride: outStride, x: x, dx: dx, buffers: b, dropped: loraDropped && lora.dropout > 0, tokens: n)
    }

    // MARK: the inference pass (packed rows, nothing kept for a backward)

    /// One set of buffers every adapter of the inference pass shares in turn, for `tokens` packed rows.
    struct InferenceBuffers {
        let bottleneck: BottleneckAdapter.Buffers   // widest bottleneck, with the LayerNorm's input and statistics
        let lora: LoRALinear.Buffers?
        let invertible: InvertibleAdapter.Buffers?
        let scratch: Tensor                         // [n, d]
    }

    func inferenceBuffers(tokens n: Int, _ allocate: (Shape) throws -> Tensor) throws -> InferenceBuffers {
        let widest = setup.bottlenecks.map { $0.config.bottleneck(hidden: hidden) }.max() ?? 1
        let bottleneck = BottleneckAdapter.Buffers(input: try allocate(.matrix(n, hidden)), pre: try allocate(.matrix(n, widest)),
                                                   act: try allocate(.matrix(n, widest)), sum: try allocate(.matrix(n, hidden)),
                                                   mean: try allocate(.vector(n)), rstd: try allocate(.vector(n)))
        let lora = try loras.first.map { try $0.lora.buffers(tokens: n, allocate) }
        let inv = try invertible.map { try $0.adapter.buffers(tokens: n, inverse: false, allocate) }
        return InferenceBuffers(bottleneck: bottleneck, lora: lora, invertible: inv, scratch: try allocate(.matrix(n, hidden)))
    }

    /// `forward(layer:attention:…)` over packed rows with the shared buffers.
    func inferenceForward(layer l: Int, attention: Bool, s: Tensor, residual: Tensor, norm: LayerNorm, buffers b: InferenceBuffers, tokens n: Int) {
        for (a, _) in attention ? blocks[l].attention : blocks[l].output {
            let own = a.readsNormalizedSum ? b.bottleneck
                : BottleneckAdapter.Buffers(input: b.bottleneck.input, pre: b.bottleneck.pre, act: b.bottleneck.act, sum: nil, mean: nil, rstd: nil)
            a.forward(s, residual: residual, norm: norm, buffers: own, scratch: b.scratch, tokens: n)
        }
    }

    /// `loraForward` over packed rows with the shared buffers (no dropout).
    func inferenceLoRA(layer l: Int, _ t: LoRATarget, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, column: Int = 0, outStride: Int,
                       buffers b: InferenceBuffers, tokens n: Int) {
        guard let (lora, _) = blocks[l].lora[t], let buffers = b.lora else { return }
        lora.forward(x: x, y: y, column: column, outStride: outStride, buffers: buffers, dropoutSeed: nil, tokens: n)
    }

    /// Every LoRA of the encoder with the base weight it adapts.
    var loras: [(layer: Int, target: LoRATarget, lora: LoRALinear)] {
        blocks.enumerated().flatMap { l, b in LoRATarget.allCases.compactMap { t in b.lora[t].map { (l, t, $0.lora) } } }
    }
}
