import Platform

/// HF BertOnlyMLMHead: dense → GELU → LayerNorm → decoder tied to the word embeddings, plus its own bias
/// (`cls.predictions.transform.dense`, `cls.predictions.transform.LayerNorm`, `cls.predictions.bias`).
/// The vocabulary projection is one GEMM; the loss (log-softmax + cross-entropy) overwrites the logits
/// with their gradient, so the [tokens, vocab] buffer exists once.
public final class MLMHead {
    public let config: EncoderConfig
    public unowned let store: ParameterStore
    public let maxTokens: Int
    let decoderWeight: ParameterID
    /// The encoder the decoder is tied to: with its base frozen (`trainsBase` false) the word embeddings take no gradient.
    let encoder: TransformerEncoder
    let dense: Linear
    let norm: LayerNorm
    let bias: ParameterID
    let arena: TensorArena
    let t1, t2, t3, mean, rstd, logitsBuffer, rowLoss, dT, dT2, dHiddenBuffer: Tensor
    let labels: IntBuffer
    /// Sparse prediction (`maskedLoss`): the hidden rows of the scored positions, gathered, and where they came from.
    let gathered: Tensor        // (maxTokens, hidden)
    let positions: IntBuffer    // (maxTokens)
    /// Rows of the last `maskedLoss` input, and how many of them were scored (nil after a plain `forward`).
    var sparse: (rows: Int, scored: Int)?
    /// MAD-X: the encoder's invertible adapter, inverted on the transformed states before the decoder.
    let inverse: (adapter: InvertibleAdapter, buffers: InvertibleAdapter.Buffers, arena: TensorArena)?
    var hidden: Tensor?
    public private(set) var tokens = 0
    /// Whether `logits` currently holds d(loss)/d(logits) (after a loss with gradient).
    public private(set) var logitsHoldGradient = false

    /// Every weight of the head (the decoder's aside: it is the word embedding) is named under this, as BERT's.
    public static let parameterPrefix = "cls.predictions."

    public init(config: EncoderConfig, store: ParameterStore, tiedTo encoder: TransformerEncoder, maxTokens: Int) throws {
        self.config = config; self.store = store; self.maxTokens = maxTokens
        decoderWeight = encoder.wordEmbeddingID
        self.encoder = encoder
        let d = config.hiddenSize, v = config.vocabSize
        dense = try Linear(Self.parameterPrefix + "transform.dense", inFeatures: d, outFeatures: d, store: store, initializerRange: config.initializerRange)
        norm = try LayerNorm(Self.parameterPrefix + "transform.LayerNorm", dim: d, eps: config.layerNormEps, store: store)
        bias = try store.register(Self.parameterPrefix + "bias", .vector(v), initializer: .zeros)
        let (b, arena) = try TensorArena.build { allocate in
            [try allocate(.matrix(maxTokens, d)), try allocate(.matrix(maxTokens, d)), try allocate(.matrix(maxTokens, d)),
             try allocate(.vector(maxTokens)), try allocate(.vector(maxTokens)), try allocate(.matrix(maxTokens, v)),
             try allocate(.vector(maxTokens)), try allocate(.matrix(maxTokens, d)), try allocate(.matrix(maxTokens, d)),
             try allocate(.matrix(maxTokens, d)), try allocate(.matrix(maxTokens, d))]
        }
        self.arena = arena
        t1 = b[0]; t2 = b[1]; t3 = b[2]; mean = b[3]; rstd = b[4]; logitsBuffer = b[5]; rowLoss = b[6]; dT = b[7]; dT2 = b[8]; dHiddenBuffer = b[9]
        gathered = b[10]
        labels = IntBuffer(count: maxTokens)
        positions = IntBuffer(count: maxTokens)
        if let inv = encoder.adapters?.invertible?.adapter {
            let (buffers, arena) = try TensorArena.build { try inv.buffers(tokens: maxTokens, inverse: true, $0) }
            inverse = (inv, buffers, arena)
        } else {
            inverse = nil
        }
    }

    @inline(__always) func live(_ t: Tensor) -> Tensor { Tensor(data: t.data, shape: .matrix(tokens, t.shape.last)) }

    /// Logits [tokens, vocab] for hidden states [.., hidden] (any leading shape). The input must stay
    /// unchanged until `backward`.
    @discardableResult
    public func forward(hidden h: Tensor) throws -> Tensor {
        let n = h.shape.rows
        try EngineError.require(h.shape.last == config.hiddenSize && n <= maxTokens && n > 0, "mlm_head",
                                "hidden \(h.shape): expected [tokens ≤ \(maxTokens), \(config.hiddenSize)]")
        tokens = n
        sparse = nil
        return try project(Tensor(data: h.data, shape: .matrix(n, config.hiddenSize)))
    }

    /// The transform and the decoder over rows `x` [tokens, hidden].
    @discardableResult
    func project(_ x: Tensor) throws -> Tensor {
        let n = tokens
        hidden = x
        dense.forwardUnchecked(x, into: live(t1))
        GELUOp.forwardUnchecked(t1.data, t2.data, count: n * config.hiddenSize)
        norm.forwardUnchecked(live(t2), into: live(t3), mean: mean, rstd: rstd)
        if let inverse { inverse.adapter.inverse(t3.data, buffers: inverse.buffers, tokens: n) }
        LinearOp.forwardUnchecked(x: live(t3), weight: store.value(decoderWeight), bias: store.value(bias), y: live(logitsBuffer),
                                  precision: store.precision)
        logitsHoldGradient = false
        return logits
    }

    public var logits: Tensor { live(logitsBuffer) }

    /// Whether the tied decoder (the word embeddings) takes a gradient: false over a frozen base (`trainsBase`).
    public var decoderTrains: Bool { encoder.trainsBase }

    /// Mean cross-entropy over the positions whose label is not `CrossEntropyOp.ignoreIndex` (-100).
    /// With `computeGradient` the logits are replaced by the gradient of `gradientScale · loss`.
    /// Throws an `EngineError` for a label out of range or a non-finite loss.
    public func loss(labels targets: [Int32], labelSmoothing: Float = 0, computeGradient: Bool, gradientScale: Float = 1) throws -> Float {
        try EngineError.require(targets.count == tokens, "mlm_head.loss", "\(targets.count) labels for \(tokens) positions")
        try EngineError.require(!logitsHoldGradient, "mlm_head.loss", "logits were already replaced by their gradient; run forward again")
        targets.withUnsafeBufferPointer { labels.data.update(from: $0.baseAddress!, count: tokens) }
        let r = try CrossEntropyOp.forward(logits: logits, targets: UnsafeBufferPointer(start: labels.data, count: tokens),
                                           labelSmoothing: labelSmoothing, rowLoss: rowLoss, writeGradient: computeGradient,
                                           gradientScale: gradientScale)
        logitsHoldGradient = computeGradient
        return r.loss
    }

    /// Sparse prediction: the mean cross-entropy over the positions of `hidden` [tokens, hidden] whose label is not
    /// ignored, with the transform and the decoder run on those rows alone (a masked LM scores about 15% of its
    /// tokens, and the decoder over a large vocabulary is most of a step). The loss and each scored row's logits
    /// and input gradient are those of `forward` + `loss`; the head's weight gradients sum the same terms over
    /// fewer rows, so they may differ in the last bits. With `computeGradient`, `maskedBackward` follows.
    public func maskedLoss(hidden h: Tensor, labels targets: [Int32], computeGradient: Bool, gradientScale: Float = 1) throws -> Float {
        let n = h.shape.rows, d = config.hiddenSize
        try EngineError.require(h.shape.last == d && n <= maxTokens && n > 0, "mlm_head",
                                "hidden \(h.shape): expected [tokens ≤ \(maxTokens), \(d)]")
        try EngineError.require(targets.count == n, "mlm_head.loss", "\(targets.count) labels for \(n) positions")
        var m = 0
        for r in 0..<n where targets[r] != CrossEntropyOp.ignoreIndex {
            (gathered.data + m * d).update(from: h.data + r * d, count: d)
            labels.data[m] = targets[r]
            positions.data[m] = Int32(r)
            m += 1
        }
        sparse = (n, m)
        logitsHoldGradient = false
        guard m > 0 else { tokens = 0; logitsHoldGradient = computeGradient; return 0 }
        tokens = m
        try project(Tensor(data: gathered.data, shape: .matrix(m, d)))
        let r = try CrossEntropyOp.forward(logits: logits, targets: UnsafeBufferPointer(start: labels.data, count: m),
                                           labelSmoothing: 0, rowLoss: rowLoss, writeGradient: computeGradient, gradientScale: gradientScale)
        logitsHoldGradient = computeGradient
        return r.loss
    }

    /// The backward of `maskedLoss`: parameter gradients as `backward`, and d(loss)/d(hidden) written into `dHidden`
    /// [tokens, hidden] (zero on the positions it did not score).
    public func maskedBackward(into dHidden: Tensor) throws {
        guard let (rows, scored) = sparse else { throw EngineError(op: "mlm_head.backward", "no maskedLoss pass") }
        let d = config.hiddenSize
        try EngineError.require(dHidden.shape.rows == rows && dHidden.shape.last == d, "mlm_head.backward",
                                "d hidden \(dHidden.shape) for \(rows) positions of \(d)")
        dHidden.data.update(repeating: 0, count: rows * d)
        guard scored > 0 else { logitsHoldGradient = false; return }
        let g = try backward()
        for i in 0..<scored { (dHidden.data + Int(positions.data[i]) * d).update(from: g.data + i * d, count: d) }
    }

    /// Backpropagates the loss gradient held in the logits; accumulates parameter gradients (the decoder's
    /// into the word embeddings) and returns dHidden [tokens, hidden] for the encoder's backward.
    @discardableResult
    public func backward() throws -> Tensor {
        try EngineError.require(logitsHoldGradient, "mlm_head.backward", "call loss(labels:computeGradient: true) first")
        guard let x = hidden else { throw EngineError(op: "mlm_head.backward", "no forward pass") }
        let g = logits
        let tied = encoder.trainsBase
        LinearOp.backwardUnchecked(dy: g, x: live(t3), weight: store.value(decoderWeight), dx: live(dT),
                                   dWeight: tied ? store.gradient(decoderWeight) : nil, dBias: store.gradient(bias), accumulateInput: false,
                                   precision: store.precision)
        // The tied decoder writes every row of the word embeddings' gradient (none when the base is frozen).
        if tied { store.markAllGradientRows(decoderWeight) }
        if let inverse { inverse.adapter.inverseBackward(dT.data, buffers: inverse.buffers, tokens: tokens) }
        norm.backwardUnchecked(dy: live(dT), x: live(t2), mean: mean, rstd: rstd, dx: live(dT2))
        GELUOp.backwardUnchecked(dT2.data, t1.data, dT2.data, count: tokens * config.hiddenSize)
        dense.backwardUnchecked(dy: live(dT2), x: x, dx: live(dHiddenBuffer))
        return live(dHiddenBuffer)
    }
}
