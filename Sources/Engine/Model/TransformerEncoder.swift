import Platform

/// The shared transformer encoder: token + learned position (+ token-type, + language) embeddings, the
/// embedding LayerNorm and dropout, then N blocks (post-LN as HF BertModel, or pre-LN with a final
/// `encoder.LayerNorm`). Explicit forward and backward over activation buffers carved once from an arena
/// for `maxBatch × maxLength` tokens, so a steady-state step allocates nothing.
///
/// Usage: create a `ParameterStore`, build the encoder (and heads) against it, call `store.allocate()`,
/// then `forward` → (head forward/backward producing dHidden) → `backward(dHidden:)` → optimizer step.
public final class TransformerEncoder {
    public let config: EncoderConfig
    public let store: ParameterStore
    public let maxBatch: Int, maxLength: Int
    /// Dropout draws; seeded from the store's seed and the name "dropout". Part of a checkpoint's state.
    public var dropoutStream: RandomStream

    let wordEmbeddings: ParameterID, positionEmbeddings: ParameterID
    let tokenTypeEmbeddings: ParameterID?, languageEmbeddings: ParameterID?
    let embeddingNorm: LayerNorm
    let layers: [EncoderLayer]
    let finalNorm: LayerNorm?
    /// Bottleneck adapters, LoRA and the invertible adapter (nil: none), registered after the weights above.
    let adapters: EncoderAdapters?

    // Activations and scratch.
    let arena: TensorArena
    let buffers: [EncoderLayerBuffers]
    let embSum, embOut, embMean, embRstd: Tensor
    let embMask: Tensor?
    let finalOut, finalMean, finalRstd: Tensor
    let gradA, gradB, gradTmp, gradQKV, gradFF, attentionScratch: Tensor
    let tokenIDs, attentionMask, tokenTypeIDs, languageIDs: IntBuffer

    /// false: the backward computes no gradients for the encoder's own weights (embeddings, projections;
    /// LayerNorms still accumulate theirs, a few floats), only for adapters and LoRA, and what flows to the
    /// heads' inputs. Set when the base model is frozen under adapters or LoRA.
    public var trainsBase = true

    /// Shape of the last forward.
    public private(set) var batch = 0, length = 0
    /// Sequences of a whole batch before the last forward's (a distributed rank's share of the batch): its
    /// dropout masks are drawn at their place in the masks of the whole batch (`DropoutOp`, `offset`).
    public private(set) var rowOffset = 0
    public private(set) var hasMask = false, training = false
    var tokens: Int { batch * length }

    public init(config: EncoderConfig, store: ParameterStore, maxBatch: Int, maxLength: Int, adapters setup: AdapterSetup = AdapterSetup()) throws {
        try config.validate()
        try EngineError.require(maxBatch > 0 && maxLength > 0 && maxLength <= config.maxPositions, "encoder",
                                "capacity \(maxBatch) × \(maxLength) must be positive with length ≤ max_positions \(config.maxPositions)")
        self.config = config; self.store = store; self.maxBatch = maxBatch; self.maxLength = maxLength
        dropoutStream = RandomStream(seed: store.seed, name: "dropout")
        let d = config.hiddenSize, std = config.initializerRange
        wordEmbeddings = try store.register("embeddings.word_embeddings.weight", .matrix(config.vocabSize, d), initializer: .normal(std: std))
        // A batch writes the gradient of the rows it reads only: the store zeroes and updates the rest cheaply.
        try store.trackGradientRows(wordEmbeddings)
        positionEmbeddings = try store.register("embeddings.position_embeddings.weight", .matrix(config.maxPositions, d), initializer: .normal(std: std))
        tokenTypeEmbeddings = config.typeVocabSize > 0
            ? try store.register("embeddings.token_type_embeddings.weight", .matrix(config.typeVocabSize, d), initializer: .normal(std: std)) : nil
        languageEmbeddings = config.numLanguages > 0
            ? try store.register("embeddings.language_embeddings.weight", .matrix(config.numLanguages, d), initializer: .normal(std: std)) : nil
        embeddingNorm = try LayerNorm("embeddings.LayerNorm", dim: d, eps: config.layerNormEps, store: store)
        layers = try (0..<config.numLayers).map { try EncoderLayer(prefix: "encoder.layer.\($0).", config: config, store: store) }
        finalNorm = config.preLayerNorm ? try LayerNorm("encoder.LayerNorm", dim: d, eps: config.layerNormEps, store: store) : nil

        let n = maxBatch * maxLength
        adapters = setup.isEmpty ? nil : try EncoderAdapters(setup, config: config, store: store, tokens: n)
        let slots = Swift.max(Threads.count, 1)
        typealias Built = (layers: [EncoderLayerBuffers], emb: [Tensor], embMask: Tensor?, final: [Tensor], grads: [Tensor])
        let (built, arena) = try TensorArena.build { allocate -> Built in
            let layerBuffers = try (0..<config.numLayers).map { _ in
                try EncoderLayerBuffers(tokens: n, batch: maxBatch, length: maxLength, config: config, allocate: allocate)
            }
            let emb = [try allocate(.matrix(n, d)), try allocate(.matrix(n, d)), try allocate(.vector(n)), try allocate(.vector(n))]
            let embMask = config.hiddenDropout > 0 ? try allocate(.matrix(n, d)) : nil
            let final = config.preLayerNorm ? [try allocate(.matrix(n, d)), try allocate(.vector(n)), try allocate(.vector(n))]
                : [try allocate(.matrix(n, d)), try allocate(.vector(1)), try allocate(.vector(1))]
            let grads = [try allocate(.matrix(n, d)), try allocate(.matrix(n, d)), try allocate(.matrix(n, d)),
                         try allocate(.matrix(n, 3 * d)), try allocate(.matrix(n, config.intermediateSize)),
                         try allocate(.vector(AttentionOp.scratchFloats(length: maxLength, headDim: config.headDim, slots: slots)))]
            return (layerBuffers, emb, embMask, final, grads)
        }
        self.arena = arena
        buffers = built.layers
        embSum = built.emb[0]; embOut = built.emb[1]; embMean = built.emb[2]; embRstd = built.emb[3]
        embMask = built.embMask
        finalOut = built.final[0]; finalMean = built.final[1]; finalRstd = built.final[2]
        gradA = built.grads[0]; gradB = built.grads[1]; gradTmp = built.grads[2]; gradQKV = built.grads[3]
        gradFF = built.grads[4]; attentionScratch = built.grads[5]
        tokenIDs = IntBuffer(count: n); attentionMask = IntBuffer(count: n)
        tokenTypeIDs = IntBuffer(count: n); languageIDs = IntBuffer(count: n)
    }

    /// Floats held for activations and scratch.
    public var activationFloats: Int { arena.capacity + (adapters?.arena.capacity ?? 0) }

    /// The base weight `name` with its LoRA merged in (W + (alpha/r)·B A), or nil when no LoRA adapts it.
    public func loraMerged(_ name: String) throws -> [Float]? {
        guard let lora = adapters?.loras.first(where: { EncoderAdapters.baseWeight(layer: $0.layer, $0.target) == name })?.lora else { return nil }
        let base = try store.value(named: name)
        let merged = try OwnedTensor(base.shape, values: base.toArray())
        lora.merge(into: merged.tensor)
        return merged.tensor.toArray()
    }

    @inline(__always) func live(_ t: Tensor, _ n: Int) -> Tensor { Tensor(data: t.data, shape: .matrix(n, t.shape.last)) }

    // MARK: forward

    /// Runs the encoder on `batch` sequences of `length` tokens (row-major [batch, length] id arrays).
    /// `attentionMask` (1 = token, 0 = padding) hides padded keys; `tokenTypeIDs` default to 0 and
    /// `languageIDs` (per token) are required exactly when the config has languages. Returns the final
    /// hidden states [batch, length, hidden] (valid until the next forward); `hiddenState(after:)` gives
    /// every layer's output. `rowOffset`: these sequences are rows rowOffset ..< rowOffset + batch of a larger
    /// batch of the same length, whose dropout masks they take their part of.
    @discardableResult
    public func forward(tokenIDs ids: [Int32], attentionMask mask: [Int32]? = nil, tokenTypeIDs types: [Int32]? = nil,
                        languageIDs languages: [Int32]? = nil, batch: Int, length: Int, training: Bool, rowOffset: Int = 0) throws -> Tensor {
        let n = batch * length
        try EngineError.require(store.isAllocated, "encoder", "parameters not allocated: call store.allocate() after building every layer and head")
        try EngineError.require(batch > 0 && length > 0 && batch <= maxBatch && length <= maxLength, "encoder",
                                "batch \(batch) × length \(length) exceeds the capacity \(maxBatch) × \(maxLength)")
        if let mask { try EngineError.require(mask.count == n, "encoder", "attention mask has \(mask.count) entries for shape [\(batch), \(length)]") }
        try EngineError.require(rowOffset >= 0, "encoder", "negative row offset \(rowOffset)")
        try Self.validateIDs(config, "encoder", ids: ids, types: types, languages: languages, count: n, shape: "shape [\(batch), \(length)]")
        self.batch = batch; self.length = length; self.training = training; self.rowOffset = rowOffset
        ids.withUnsafeBufferPointer { tokenIDs.data.update(from: $0.baseAddress!, count: n) }
        hasMask = mask != nil
        if let mask { mask.withUnsafeBufferPointer { attentionMask.data.update(from: $0.baseAddress!, count: n) } }
        if let types { types.withUnsafeBufferPointer { tokenTypeIDs.data.update(from: $0.baseAddress!, count: n) } }
        else { tokenTypeIDs.data.update(repeating: 0, count: n) }
        if let languages { languages.withUnsafeBufferPointer { languageIDs.data.update(from: $0.baseAddress!, count: n) } }
        runForward()
        return output
    }

    /// Checks token, token-type and language ids against the config (counts, ranges, languages exactly when
    /// the config has them), for the padded forward and the inference pass alike.
    static func validateIDs(_ config: EncoderConfig, _ op: String, ids: [Int32], types: [Int32]?, languages: [Int32]?, count n: Int,
                            shape: String) throws {
        try EngineError.require(ids.count == n, op, "\(ids.count) token ids for \(shape)")
        try EmbeddingOp.validateIDs(ids, count: n, rows: config.vocabSize, what: "token id")
        if let types {
            try EngineError.require(types.count == n && config.typeVocabSize > 0, op,
                                    "\(types.count) token type ids for \(shape) with type_vocab_size \(config.typeVocabSize)")
            try EmbeddingOp.validateIDs(types, count: n, rows: config.typeVocabSize, what: "token type id")
        }
        try EngineError.require((languages != nil) == (config.numLanguages > 0), op,
                                languages == nil ? "language ids required: num_languages is \(config.numLanguages)" : "language ids given but num_languages is 0")
        if let languages {
            try EngineError.require(languages.count == n, op, "\(languages.count) language ids for \(shape)")
            try EmbeddingOp.validateIDs(languages, count: n, rows: config.numLanguages, what: "language id")
        }
    }

    /// The final hidden states of the last forward, [batch, length, hidden].
    public var output: Tensor {
        let t = config.preLayerNorm ? finalOut : (layers.isEmpty ? embOut : buffers[layers.count - 1].norm2)
        return Tensor(data: t.data, shape: .rank3(batch, length, config.hiddenSize))
    }

    /// Hidden states after layer `layer` (0 = the embeddings' output, numLayers = last block, before the
    /// pre-LN final LayerNorm), [batch, length, hidden], for probing.
    public func hiddenState(after layer: Int) throws -> Tensor {
        try EngineError.require(layer >= 0 && layer <= layers.count, "encoder", "layer \(layer) outside 0...\(layers.count)")
        return Tensor(data: layerOutput(layer).data, shape: .rank3(batch, length, config.hiddenSize))
    }
    @inline(__always) func layerOutput(_ l: Int) -> Tensor {
        if l == 0 { return embOut }
        let b = buffers[l - 1]
        return config.preLayerNorm ? b.sum2 : b.norm2
    }

    var maskPointer: UnsafeBufferPointer<Int32>? { hasMask ? UnsafeBufferPointer(start: attentionMask.data, count: tokens) : nil }

    func runForward() {
        let n = tokens, d = config.hiddenSize
        let dropping = training && config.hiddenDropout > 0
        // Embeddings.
        EmbeddingOp.forwardUnchecked(table: store.value(wordEmbeddings).data, dim: d, ids: tokenIDs.data, count: n, out: embSum.data, accumulate: false)
        EmbeddingOp.addPositions(table: store.value(positionEmbeddings).data, dim: d, batch: batch, length: length, out: embSum.data)
        if let tt = tokenTypeEmbeddings {
            EmbeddingOp.forwardUnchecked(table: store.value(tt).data, dim: d, ids: tokenTypeIDs.data, count: n, out: embSum.data, accumulate: true)
        }
        if let le = languageEmbeddings {
            EmbeddingOp.forwardUnchecked(table: store.value(le).data, dim: d, ids: languageIDs.data, count: n, out: embSum.data, accumulate: true)
        }
        embeddingNorm.forwardUnchecked(live(embSum, n), into: live(embOut, n), mean: embMean, rstd: embRstd)
        if dropping, let m = embMask { dropout(embOut, m, n * d) }
        if let inv = adapters?.invertible { inv.adapter.forward(embOut.data, buffers: inv.buffers, tokens: n) }
        adapters?.loraDropped = training
        for l in 0..<layers.count { forwardLayer(l) }
        if let finalNorm { finalNorm.forwardUnchecked(live(layerOutput(layers.count), n), into: live(finalOut, n), mean: finalMean, rstd: finalRstd) }
    }

    @inline(__always) func dropout(_ x: Tensor, _ mask: Tensor, _ count: Int) {
        DropoutOp.makeMaskUnchecked(mask.data, count: count, probability: config.hiddenDropout, seed: dropoutStream.next(),
                                    offset: rowOffset * length * config.hiddenSize)
        DropoutOp.applyUnchecked(x.data, mask.data, x.data, count: count)
    }

    func forwardLayer(_ l: Int) {
        let layer = layers[l], b = buffers[l]
        let n = tokens, d = config.hiddenSize
        let x = live(layerOutput(l), n)
        let dropping = training && config.hiddenDropout > 0
        let pre = config.preLayerNorm
        // Attention sub-block.
        let attnIn: Tensor
        if pre {
            layer.attentionNorm.forwardUnchecked(x, into: live(b.norm1, n), mean: b.mean1, rstd: b.rstd1)
            attnIn = live(b.norm1, n)
        } else { attnIn = x }
        LinearOp.forwardUnchecked(x: attnIn, weight: layer.fusedWeight, bias: layer.fusedBias, y: live(b.qkv, n), precision: store.precision)
        if adapters != nil {
            lora(l, .query, x: attnIn.data, y: b.qkv.data, column: 0, outStride: 3 * d)
            lora(l, .key, x: attnIn.data, y: b.qkv.data, column: d, outStride: 3 * d)
            lora(l, .value, x: attnIn.data, y: b.qkv.data, column: 2 * d, outStride: 3 * d)
        }
        let dims = AttentionOp.Dimensions(batch: batch, length: length, heads: config.numHeads, headDim: config.headDim)
        var probsMask: UnsafeMutablePointer<Float>? = nil
        if training && config.attentionDropout > 0, let pm = b.probsMask {
            DropoutOp.makeMaskUnchecked(pm.data, count: dims.probabilityCount, probability: config.attentionDropout, seed: dropoutStream.next(),
                                        offset: rowOffset * config.numHeads * length * length)
            probsMask = pm.data
        }
        AttentionOp.forwardUnchecked(dims, qkv: b.qkv.data, mask: hasMask ? attentionMask.data : nil, probs: b.probs.data,
                                     dropoutMask: probsMask, out: b.ctx.data, scratch: attentionScratch.data, scratchCount: attentionScratch.count,
                                     precision: store.precision)
        layer.attentionOutput.forwardUnchecked(live(b.ctx, n), into: live(b.attn, n))
        if adapters != nil { lora(l, .attentionOutput, x: b.ctx.data, y: b.attn.data, outStride: d) }
        if dropping, let m = b.attnMask { dropout(b.attn, m, n * d) }
        adapters?.forward(layer: l, attention: true, s: live(b.attn, n), residual: x, norm: layer.attentionNorm, tokens: n)
        ResidualOp.forwardUnchecked(x.data, b.attn.data, b.sum1.data, count: n * d)
        // Feed-forward sub-block.
        let ffInput: Tensor
        if pre {
            layer.outputNorm.forwardUnchecked(live(b.sum1, n), into: live(b.norm2, n), mean: b.mean2, rstd: b.rstd2)
            ffInput = live(b.norm2, n)
        } else {
            layer.attentionNorm.forwardUnchecked(live(b.sum1, n), into: live(b.norm1, n), mean: b.mean1, rstd: b.rstd1)
            ffInput = live(b.norm1, n)
        }
        layer.intermediate.forwardUnchecked(ffInput, into: live(b.ffIn, n))
        if adapters != nil { lora(l, .intermediate, x: ffInput.data, y: b.ffIn.data, outStride: config.intermediateSize) }
        GELUOp.forwardUnchecked(b.ffIn.data, b.ffAct.data, count: n * config.intermediateSize)
        layer.output.forwardUnchecked(live(b.ffAct, n), into: live(b.ffOut, n))
        if adapters != nil { lora(l, .output, x: b.ffAct.data, y: b.ffOut.data, outStride: d) }
        if dropping, let m = b.ffMask { dropout(b.ffOut, m, n * d) }
        adapters?.forward(layer: l, attention: false, s: live(b.ffOut, n), residual: ffInput, norm: layer.outputNorm, tokens: n)
        ResidualOp.forwardUnchecked(pre ? b.sum1.data : b.norm1.data, b.ffOut.data, b.sum2.data, count: n * d)
        if !pre { layer.outputNorm.forwardUnchecked(live(b.sum2, n), into: live(b.norm2, n), mean: b.mean2, rstd: b.rstd2) }
    }

    // MARK: backward

    /// Backpropagates dHidden [batch, length, hidden] (gradient of the loss w.r.t. `output`) through the
    /// encoder, accumulating into the store's gradients. Call after `forward` with `training` as used there.
    public func backward(dHidden: Tensor) throws {
        try EngineError.require(batch > 0, "encoder.backward", "no forward pass to differentiate")
        try EngineError.require(dHidden.count == tokens * config.hiddenSize && dHidden.shape.last == config.hiddenSize, "encoder.backward",
                                "dHidden \(dHidden.shape) for output [\(batch), \(length), \(config.hiddenSize)]")
        let n = tokens, d = config.hiddenSize
        var dOut = live(gradA, n), dIn = live(gradB, n)
        if let finalNorm {
            finalNorm.backwardUnchecked(dy: live(dHidden, n), x: live(layerOutput(layers.count), n), mean: finalMean, rstd: finalRstd, dx: dOut)
        } else {
            dOut.data.update(from: dHidden.data, count: n * d)
        }
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            backwardLayer(l, dOut: dOut, dIn: dIn)
            swap(&dOut, &dIn)
        }
        if let inv = adapters?.invertible { inv.adapter.backward(dOut.data, buffers: inv.buffers, tokens: n) }
        // Embeddings: dropout, LayerNorm, then scatter into each table.
        if training && config.hiddenDropout > 0, let m = embMask { DropoutOp.applyUnchecked(dOut.data, m.data, dOut.data, count: n * d) }
        guard trainsBase else { return }
        let dSum = live(gradTmp, n)
        embeddingNorm.backwardUnchecked(dy: dOut, x: live(embSum, n), mean: embMean, rstd: embRstd, dx: dSum)
        store.markGradientRows(wordEmbeddings, rows: tokenIDs.data, count: n)
        EmbeddingOp.backwardUnchecked(dOut: dSum.data, dim: d, ids: tokenIDs.data, count: n, dTable: store.gradient(wordEmbeddings).data)
        EmbeddingOp.positionsBackward(dOut: dSum.data, dim: d, batch: batch, length: length, dTable: store.gradient(positionEmbeddings).data)
        if let tt = tokenTypeEmbeddings {
            EmbeddingOp.backwardUnchecked(dOut: dSum.data, dim: d, ids: tokenTypeIDs.data, count: n, dTable: store.gradient(tt).data)
        }
        if let le = languageEmbeddings {
            EmbeddingOp.backwardUnchecked(dOut: dSum.data, dim: d, ids: languageIDs.data, count: n, dTable: store.gradient(le).data)
        }
    }

    /// dOut: gradient w.r.t. the block's output (consumed); dIn: receives the gradient w.r.t. its input.
    func backwardLayer(_ l: Int, dOut: Tensor, dIn: Tensor) {
        let layer = layers[l], b = buffers[l]
        let n = tokens, d = config.hiddenSize, f = config.intermediateSize
        let x = live(layerOutput(l), n)
        let dropping = training && config.hiddenDropout > 0
        let tmp = live(gradTmp, n), dFF = live(gradFF, n), dQKV = live(gradQKV, n)
        let dims = AttentionOp.Dimensions(batch: batch, length: length, heads: config.numHeads, headDim: config.headDim)
        let probsMask: UnsafeMutablePointer<Float>? = training && config.attentionDropout > 0 ? b.probsMask?.data : nil
        if !config.preLayerNorm {
            // r2 = h1 + drop(FFN(h1)); out = LN2(r2).
            layer.outputNorm.backwardUnchecked(dy: dOut, x: live(b.sum2, n), mean: b.mean2, rstd: b.rstd2, dx: tmp)
            dOut.data.update(from: tmp.data, count: n * d) // dOut now accumulates dh1
            adapters?.backward(layer: l, attention: false, ds: tmp, dResidual: dOut, norm: layer.outputNorm, tokens: n)
            if dropping, let m = b.ffMask { DropoutOp.applyUnchecked(tmp.data, m.data, tmp.data, count: n * d) }
            layer.output.backwardUnchecked(dy: tmp, x: live(b.ffAct, n), dx: dFF, weights: trainsBase)
            adapters?.loraBackward(layer: l, .output, dy: tmp.data, outStride: d, x: b.ffAct.data, dx: dFF.data, tokens: n)
            GELUOp.backwardUnchecked(dFF.data, b.ffIn.data, dFF.data, count: n * f)
            layer.intermediate.backwardUnchecked(dy: dFF, x: live(b.norm1, n), dx: dOut, accumulateInput: true, weights: trainsBase)
            adapters?.loraBackward(layer: l, .intermediate, dy: dFF.data, outStride: f, x: b.norm1.data, dx: dOut.data, tokens: n)
            // r1 = x + drop(attn(x)); h1 = LN1(r1).
            layer.attentionNorm.backwardUnchecked(dy: dOut, x: live(b.sum1, n), mean: b.mean1, rstd: b.rstd1, dx: tmp)
            dIn.data.update(from: tmp.data, count: n * d)
            adapters?.backward(layer: l, attention: true, ds: tmp, dResidual: dIn, norm: layer.attentionNorm, tokens: n)
            if dropping, let m = b.attnMask { DropoutOp.applyUnchecked(tmp.data, m.data, tmp.data, count: n * d) }
            layer.attentionOutput.backwardUnchecked(dy: tmp, x: live(b.ctx, n), dx: dOut, weights: trainsBase)
            adapters?.loraBackward(layer: l, .attentionOutput, dy: tmp.data, outStride: d, x: b.ctx.data, dx: dOut.data, tokens: n)
            AttentionOp.backwardUnchecked(dims, dOut: dOut.data, qkv: b.qkv.data, mask: hasMask ? attentionMask.data : nil, probs: b.probs.data,
                                          dropoutMask: probsMask, dQKV: dQKV.data, scratch: attentionScratch.data, scratchCount: attentionScratch.count,
                                          precision: store.precision)
            LinearOp.backwardUnchecked(dy: dQKV, x: x, weight: layer.fusedWeight, dx: dIn, dWeight: trainsBase ? layer.fusedWeightGradient : nil,
                                       dBias: trainsBase ? layer.fusedBiasGradient : nil, accumulateInput: true, precision: store.precision)
            loraQKVBackward(l, dQKV: dQKV, x: x, dx: dIn)
        } else {
            // h1 = x + drop(attn(LN1(x))); out = h1 + drop(FFN(LN2(h1))).
            dIn.data.update(from: dOut.data, count: n * d) // dIn accumulates dh1, then dx
            if dropping, let m = b.ffMask { DropoutOp.applyUnchecked(dOut.data, m.data, tmp.data, count: n * d) }
            else { tmp.data.update(from: dOut.data, count: n * d) }
            layer.output.backwardUnchecked(dy: tmp, x: live(b.ffAct, n), dx: dFF, weights: trainsBase)
            adapters?.loraBackward(layer: l, .output, dy: tmp.data, outStride: d, x: b.ffAct.data, dx: dFF.data, tokens: n)
            GELUOp.backwardUnchecked(dFF.data, b.ffIn.data, dFF.data, count: n * f)
            layer.intermediate.backwardUnchecked(dy: dFF, x: live(b.norm2, n), dx: tmp, weights: trainsBase)
            adapters?.loraBackward(layer: l, .intermediate, dy: dFF.data, outStride: f, x: b.norm2.data, dx: tmp.data, tokens: n)
            layer.outputNorm.backwardUnchecked(dy: tmp, x: live(b.sum1, n), mean: b.mean2, rstd: b.rstd2, dx: dIn, accumulate: true)
            if dropping, let m = b.attnMask { DropoutOp.applyUnchecked(dIn.data, m.data, tmp.data, count: n * d) }
            else { tmp.data.update(from: dIn.data, count: n * d) }
            layer.attentionOutput.backwardUnchecked(dy: tmp, x: live(b.ctx, n), dx: dOut, weights: trainsBase)
            adapters?.loraBackward(layer: l, .attentionOutput, dy: tmp.data, outStride: d, x: b.ctx.data, dx: dOut.data, tokens: n)
            AttentionOp.backwardUnchecked(dims, dOut: dOut.data, qkv: b.qkv.data, mask: hasMask ? attentionMask.data : nil, probs: b.probs.data,
                                          dropoutMask: probsMask, dQKV: dQKV.data, scratch: attentionScratch.data, scratchCount: attentionScratch.count,
                                          precision: store.precision)
            LinearOp.backwardUnchecked(dy: dQKV, x: live(b.norm1, n), weight: layer.fusedWeight, dx: tmp, dWeight: trainsBase ? layer.fusedWeightGradient : nil,
                                       dBias: trainsBase ? layer.fusedBiasGradient : nil, accumulateInput: false, precision: store.precision)
            loraQKVBackward(l, dQKV: dQKV, x: live(b.norm1, n), dx: tmp)
            layer.attentionNorm.backwardUnchecked(dy: tmp, x: x, mean: b.mean1, rstd: b.rstd1, dx: dIn, accumulate: true)
        }
    }

    /// y[:, column…] += LoRA of matrix t of block l (if adapted), drawing its dropout seed while training.
    @inline(__always) func lora(_ l: Int, _ t: LoRATarget, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, column: Int = 0, outStride: Int) {
        guard let a = adapters, let dropout = a.loraDropout(layer: l, t) else { return }
        let seed: UInt64? = training && dropout > 0 ? dropoutStream.next() : nil
        a.loraForward(layer: l, t, x: x, y: y, column: column, outStride: outStride, dropoutSeed: seed, tokens: tokens,
                      tokenOffset: rowOffset * length)
    }

    /// LoRA's share of the fused query/key/value projection's backward (x: what the projection read).
    @inline(__always) func loraQKVBackward(_ l: Int, dQKV: Tensor, x: Tensor, dx: Tensor) {
        guard let a = adapters else { return }
        let d = config.hiddenSize
        a.loraBackward(layer: l, .query, dy: dQKV.data, column: 0, outStride: 3 * d, x: x.data, dx: dx.data, tokens: tokens)
        a.loraBackward(layer: l, .key, dy: dQKV.data, column: d, outStride: 3 * d, x: x.data, dx: dx.data, tokens: tokens)
        a.loraBackward(layer: l, .value, dy: dQKV.data, column: 2 * d, outStride: 3 * d, x: x.data, dx: dx.data, tokens: tokens)
    }

    /// The word-embedding matrix [vocab, hidden] (tied to the MLM decoder) and its gradient.
    public var wordEmbeddingID: ParameterID { wordEmbeddings }
}
