import Platform

/// The encoder's forward pass for inference (`embed`, `eval`, `probe`, dev passes): the same weights and
/// the same arithmetic as `TransformerEncoder.forward(training: false)` for every real token, without
/// what training needs. Sequences are packed one after another with no padding rows, so the linear layers
/// see only real tokens and attention runs per sequence over its own length; one layer's activations are
/// reused by the next instead of being kept for a backward pass; nothing is saved for gradients. The
/// workspace is sized by the largest batch seen so far (grown, never shrunk), not by the encoder's
/// training capacity or the whole input.
///
/// For each real token the result equals the padded forward's to float rounding (tested to 1e-5 relative):
/// every kernel computes a row from that row alone and attention a sequence from its own rows, but OpenBLAS
/// picks a row's kernel by where the row falls in its blocking, and packing moves rows.
public final class EncoderInference {
    public let encoder: TransformerEncoder
    var config: EncoderConfig { encoder.config }

    /// Activations of one batch of `tokens` packed rows whose longest sequence has `longest` tokens.
    final class Workspace {
        let tokens: Int, longest: Int, keptLayers: Int
        let arena: TensorArena
        let hidden: Tensor       // (n, D) each layer's input, overwritten by its output
        let residual: Tensor     // (n, D) attention output + input, then (pre-LN) the attention sub-block's sum
        let normed: Tensor       // (n, D) attention context, then LayerNorm outputs
        let qkv: Tensor          // (n, 3D) fused query, key, value projections
        let ff: Tensor           // (n, F) feed-forward pre-activation, GELU applied in place
        let mean, rstd: Tensor   // (n) LayerNorm statistics, not kept
        let attentionScratch: Tensor // (slots · AttentionOp.slotFloats(longest, headDim)) per-worker probabilities
        let kept: [Tensor]       // (n, D) each: copies of the layer outputs asked for with `keep`
        let unpacked: Tensor     // (B·T, D) the output scattered back into a padded batch, pad rows zero
        let ids, types, languages: IntBuffer // (n) packed token, token-type and language ids
        let starts: UnsafeMutablePointer<Int> // (sequences + 1) first row of each sequence, then n
        let adapters: EncoderAdapters.InferenceBuffers? // shared by every adapter and LoRA in turn

        init(tokens n: Int, longest t: Int, sequences: Int, keptLayers: Int, paddedRows: Int, config c: EncoderConfig,
             adapters: EncoderAdapters?) throws {
            tokens = n; longest = t; self.keptLayers = keptLayers
            let d = c.hiddenSize, slots = Swift.max(Threads.count, 1)
            typealias Built = (main: [Tensor], kept: [Tensor], adapters: EncoderAdapters.InferenceBuffers?)
            let (built, arena) = try TensorArena.build { allocate -> Built in
                let main = [try allocate(.matrix(n, d)), try allocate(.matrix(n, d)), try allocate(.matrix(n, d)),
                            try allocate(.matrix(n, 3 * d)), try allocate(.matrix(n, c.intermediateSize)),
                            try allocate(.vector(n)), try allocate(.vector(n)),
                            try allocate(.vector(AttentionOp.scratchFloats(length: t, headDim: c.headDim, slots: slots))),
                            try allocate(.matrix(Swift.max(1, paddedRows), d))]
                return (main, try (0..<keptLayers).map { _ in try allocate(.matrix(n, d)) }, try adapters?.inferenceBuffers(tokens: n, allocate))
            }
            self.arena = arena
            hidden = built.main[0]; residual = built.main[1]; normed = built.main[2]; qkv = built.main[3]; ff = built.main[4]
            mean = built.main[5]; rstd = built.main[6]; attentionScratch = built.main[7]; unpacked = built.main[8]
            kept = built.kept
            self.adapters = built.adapters
            ids = IntBuffer(count: n); types = IntBuffer(count: n); languages = IntBuffer(count: n)
            starts = .allocate(capacity: sequences + 1)
            starts.initialize(repeating: 0, count: sequences + 1)
            startsCapacity = sequences + 1
            paddedCapacity = Swift.max(1, paddedRows)
        }
        let startsCapacity: Int, paddedCapacity: Int
        deinit { starts.deallocate() }

        func fits(tokens n: Int, longest t: Int, sequences: Int, keptLayers k: Int, paddedRows: Int) -> Bool {
            n <= tokens && t <= longest && sequences + 1 <= startsCapacity && k <= keptLayers && paddedRows <= paddedCapacity
        }
    }
    private var work: Workspace?
    /// Sequences, tokens and kept layers of the last forward.
    public private(set) var sequences = 0, tokens = 0
    private var keptOrder: [Int] = []

    public init(_ encoder: TransformerEncoder) { self.encoder = encoder }

    /// Floats of the current workspace.
    public var workspaceFloats: Int { work?.arena.capacity ?? 0 }

    private func workspace(tokens n: Int, longest t: Int, sequences s: Int, kept k: Int, paddedRows: Int) throws -> Workspace {
        if let work, work.fits(tokens: n, longest: t, sequences: s, keptLayers: k, paddedRows: paddedRows) { return work }
        let old = work
        work = nil // the old workspace goes before the new one is carved
        let grown = try Workspace(tokens: Swift.max(n, old?.tokens ?? 0), longest: Swift.max(t, old?.longest ?? 0),
                                  sequences: Swift.max(s + 1, old?.startsCapacity ?? 0) - 1, keptLayers: Swift.max(k, old?.keptLayers ?? 0),
                                  paddedRows: Swift.max(paddedRows, old?.paddedCapacity ?? 0), config: config, adapters: encoder.adapters)
        work = grown
        return grown
    }

    // MARK: packed

    /// Encodes sequences packed one after another: `tokenIDs` holds sequence i's `lengths[i]` ids after
    /// sequence i−1's (token-type and language ids alike). Returns the hidden states [n, D] after layer
    /// `through` (0 = embeddings, numLayers = last block before a pre-LN final LayerNorm; nil = the encoder's
    /// output), valid until the next call. Layers listed in `keep` (at most `through`) are copied on the way
    /// and read with `keptState(after:)`.
    @discardableResult
    public func forward(tokenIDs ids: [Int32], lengths: [Int], tokenTypeIDs types: [Int32]? = nil, languageIDs languages: [Int32]? = nil,
                        through: Int? = nil, keep: [Int] = []) throws -> Tensor {
        let w = try prepare(lengths: lengths, keep: keep, through: through, paddedRows: 0)
        let n = tokens
        try TransformerEncoder.validateIDs(config, "encoder.inference", ids: ids, types: types, languages: languages, count: n,
                                           shape: "\(n) tokens in \(lengths.count) sequences")
        ids.withUnsafeBufferPointer { w.ids.data.update(from: $0.baseAddress!, count: n) }
        if let types { types.withUnsafeBufferPointer { w.types.data.update(from: $0.baseAddress!, count: n) } }
        if let languages { languages.withUnsafeBufferPointer { w.languages.data.update(from: $0.baseAddress!, count: n) } }
        return run(w, through: through, types: types != nil)
    }

    /// The copy of layer `layer`'s output [n, D] made by the last forward (`keep`).
    public func keptState(after layer: Int) throws -> Tensor {
        guard let work, let slot = keptOrder.firstIndex(of: layer) else {
            throw EngineError(op: "encoder.inference", "layer \(layer) was not kept by the last forward (kept: \(keptOrder))")
        }
        return Tensor(data: work.kept[slot].data, shape: .matrix(tokens, config.hiddenSize))
    }

    /// Rows of sequence i in the last forward's packed output.
    public func rows(of i: Int) -> Range<Int> {
        guard let work, i >= 0, i < sequences else { return 0..<0 }
        return work.starts[i]..<work.starts[i + 1]
    }

    private func prepare(lengths: [Int], keep: [Int], through: Int?, paddedRows: Int) throws -> Workspace {
        try EngineError.require(encoder.store.isAllocated, "encoder.inference", "parameters not allocated")
        let last = through ?? config.numLayers
        try EngineError.require(last >= 0 && last <= config.numLayers, "encoder.inference", "layer \(last) outside 0...\(config.numLayers)")
        for l in keep {
            try EngineError.require(l >= 0 && l <= last, "encoder.inference", "kept layer \(l) outside 0...\(last)")
        }
        try EngineError.require(!lengths.isEmpty, "encoder.inference", "no sequences")
        var n = 0, longest = 0
        for (i, length) in lengths.enumerated() {
            try EngineError.require(length > 0 && length <= config.maxPositions, "encoder.inference",
                                    "sequence \(i) has \(length) tokens; the encoder takes 1...\(config.maxPositions)")
            n += length; longest = Swift.max(longest, length)
        }
        let kept = Array(Set(keep)).sorted()
        let w = try workspace(tokens: n, longest: longest, sequences: lengths.count, kept: kept.count, paddedRows: paddedRows)
        var start = 0
        for (i, length) in lengths.enumerated() { w.starts[i] = start; start += length }
        w.starts[lengths.count] = n
        sequences = lengths.count; tokens = n; keptOrder = kept
        return w
    }

    // MARK: padded batches

    /// The padded form used by the heads: encodes a [batch, length] batch whose every row's mask is a run of
    /// 1s (at least one) followed by 0s, packing the real tokens, and scatters the output back to
    /// [batch, length, D] with zero pad rows (valid until the next call). Returns nil for any other mask,
    /// for which the caller uses the padded forward.
    public func forwardPadded(tokenIDs ids: [Int32], attentionMask mask: [Int32]?, tokenTypeIDs types: [Int32]?,
                              languageIDs languages: [Int32]?, batch: Int, length: Int) throws -> Tensor? {
        let n = batch * length
        try EngineError.require(batch > 0 && length > 0 && ids.count == n && (mask == nil || mask!.count == n)
                                && (types == nil || types!.count == n) && (languages == nil || languages!.count == n),
                                "encoder.inference", "ids, mask, types and languages must each have \(batch) × \(length) entries")
        var lengths = [Int](repeating: length, count: batch)
        if let mask {
            for b in 0..<batch {
                var end = 0
                while end < length && mask[b * length + end] != 0 { end += 1 }
                if end == 0 { return nil }
                for j in end..<length where mask[b * length + j] != 0 { return nil }
                lengths[b] = end
            }
        }
        try TransformerEncoder.validateIDs(config, "encoder.inference", ids: ids, types: types, languages: languages, count: n,
                                           shape: "shape [\(batch), \(length)]")
        let w = try prepare(lengths: lengths, keep: [], through: nil, paddedRows: n)
        for b in 0..<batch {
            let from = b * length, to = w.starts[b], count = lengths[b]
            for j in 0..<count { w.ids.data[to + j] = ids[from + j] }
            if let types { for j in 0..<count { w.types.data[to + j] = types[from + j] } }
            if let languages { for j in 0..<count { w.languages.data[to + j] = languages[from + j] } }
        }
        let out = run(w, through: nil, types: types != nil)
        let d = config.hiddenSize
        let padded = Tensor(data: w.unpacked.data, shape: .rank3(batch, length, d))
        for b in 0..<batch {
            let dst = padded.data + b * length * d, count = lengths[b]
            dst.update(from: out.data + w.starts[b] * d, count: count * d)
            (dst + count * d).update(repeating: 0, count: (length - count) * d)
        }
        return padded
    }

    // MARK: the pass

    private func run(_ w: Workspace, through: Int?, types: Bool) -> Tensor {
        let n = tokens, d = config.hiddenSize
        let store = encoder.store
        let hidden = live(w.hidden, n), residual = live(w.residual, n)
        // Embeddings: word + position (+ token type, + language), LayerNorm; no dropout.
        EmbeddingOp.forwardUnchecked(table: store.value(encoder.wordEmbeddings).data, dim: d, ids: w.ids.data, count: n,
                                     out: residual.data, accumulate: false)
        EmbeddingOp.addPositionsPacked(table: store.value(encoder.positionEmbeddings).data, dim: d, starts: w.starts,
                                       sequences: sequences, out: residual.data)
        if let tt = encoder.tokenTypeEmbeddings {
            if !types { w.types.data.update(repeating: 0, count: n) }
            EmbeddingOp.forwardUnchecked(table: store.value(tt).data, dim: d, ids: w.types.data, count: n, out: residual.data, accumulate: true)
        }
        if let le = encoder.languageEmbeddings {
            EmbeddingOp.forwardUnchecked(table: store.value(le).data, dim: d, ids: w.languages.data, count: n, out: residual.data, accumulate: true)
        }
        encoder.embeddingNorm.forwardUnchecked(residual, into: hidden, mean: w.mean, rstd: w.rstd)
        if let inv = encoder.adapters?.invertible, let b = w.adapters?.invertible { inv.adapter.forward(hidden.data, buffers: b, tokens: n) }
        keepIfAsked(0, w)
        let last = through ?? config.numLayers
        for l in 0..<last {
            forwardLayer(l, w)
            keepIfAsked(l + 1, w)
        }
        if through == nil, let finalNorm = encoder.finalNorm {
            finalNorm.forwardUnchecked(hidden, into: live(w.normed, n), mean: w.mean, rstd: w.rstd)
            return live(w.normed, n)
        }
        return hidden
    }

    @inline(__always) private func live(_ t: Tensor, _ n: Int) -> Tensor { Tensor(data: t.data, shape: .matrix(n, t.shape.last)) }

    private func keepIfAsked(_ layer: Int, _ w: Workspace) {
        guard let slot = keptOrder.firstIndex(of: layer) else { return }
        w.kept[slot].data.update(from: w.hidden.data, count: tokens * config.hiddenSize)
    }

    /// residual = hidden + attention(input): the fused QKV projection of `input`, attention per sequence into
    /// `normed` (the context), the output projection into `residual` (then LoRA and the attention adapters),
    /// then the residual add.
    private func attend(_ l: Int, input: Tensor, _ w: Workspace) {
        let layer = encoder.layers[l]
        let n = tokens, d = config.hiddenSize, precision = encoder.store.precision
        let x = live(w.hidden, n), residual = live(w.residual, n), normed = live(w.normed, n), qkv = live(w.qkv, n)
        LinearOp.forwardUnchecked(x: input, weight: layer.fusedWeight, bias: layer.fusedBias, y: qkv, precision: precision)
        if let a = encoder.adapters, let b = w.adapters {
            a.inferenceLoRA(layer: l, .query, x: input.data, y: qkv.data, column: 0, outStride: 3 * d, buffers: b, tokens: n)
            a.inferenceLoRA(layer: l, .key, x: input.data, y: qkv.data, column: d, outStride: 3 * d, buffers: b, tokens: n)
            a.inferenceLoRA(layer: l, .value, x: input.data, y: qkv.data, column: 2 * d, outStride: 3 * d, buffers: b, tokens: n)
        }
        AttentionOp.forwardPackedUnchecked(starts: w.starts, sequences: sequences, longest: w.longest, heads: config.numHeads,
                                           headDim: config.headDim, qkv: qkv.data, out: normed.data,
                                           scratch: w.attentionScratch.data, scratchCount: w.attentionScratch.count, precision: precision)
        layer.attentionOutput.forwardUnchecked(normed, into: residual)
        if let a = encoder.adapters, let b = w.adapters {
            a.inferenceLoRA(layer: l, .attentionOutput, x: normed.data, y: residual.data, outStride: d, buffers: b, tokens: n)
            a.inferenceForward(layer: l, attention: true, s: residual, residual: x, norm: layer.attentionNorm, buffers: b, tokens: n)
        }
        ResidualOp.forwardUnchecked(x.data, residual.data, residual.data, count: n * d)
    }

    /// One block in place over `hidden`, post-LN (BERT) or pre-LN, as `TransformerEncoder.forwardLayer`.
    private func forwardLayer(_ l: Int, _ w: Workspace) {
        let layer = encoder.layers[l]
        let n = tokens, d = config.hiddenSize, f = config.intermediateSize
        let adapters = encoder.adapters.flatMap { a in w.adapters.map { (a, $0) } }
        let x = live(w.hidden, n), residual = live(w.residual, n), normed = live(w.normed, n)
        let ff = live(w.ff, n)
        if config.preLayerNorm {
            // h1 = x + attn(LN1(x)); out = h1 + FFN(LN2(h1)).
            layer.attentionNorm.forwardUnchecked(x, into: normed, mean: w.mean, rstd: w.rstd)
            attend(l, input: normed, w)
            layer.outputNorm.forwardUnchecked(residual, into: normed, mean: w.mean, rstd: w.rstd)
            layer.intermediate.forwardUnchecked(normed, into: ff)
            if let (a, b) = adapters { a.inferenceLoRA(layer: l, .intermediate, x: normed.data, y: ff.data, outStride: f, buffers: b, tokens: n) }
            GELUOp.forwardUnchecked(ff.data, ff.data, count: n * config.intermediateSize)
            layer.output.forwardUnchecked(ff, into: x)
            if let (a, b) = adapters { a.inferenceLoRA(layer: l, .output, x: ff.data, y: x.data, outStride: d, buffers: b, tokens: n) }
            ResidualOp.forwardUnchecked(residual.data, x.data, x.data, count: n * d)
        } else {
            // h1 = LN1(x + attn(x)); out = LN2(h1 + FFN(h1)).
            attend(l, input: x, w)
            layer.attentionNorm.forwardUnchecked(residual, into: normed, mean: w.mean, rstd: w.rstd)
            layer.intermediate.forwardUnchecked(normed, into: ff)
            if let (a, b) = adapters { a.inferenceLoRA(layer: l, .intermediate, x: normed.data, y: ff.data, outStride: f, buffers: b, tokens: n) }
            GELUOp.forwardUnchecked(ff.data, ff.data, count: n * config.intermediateSize)
            layer.output.forwardUnchecked(ff, into: residual)
            if let (a, b) = adapters {
                a.inferenceLoRA(layer: l, .output, x: ff.data, y: residual.data, outStride: d, buffers: b, tokens: n)
                a.inferenceForward(layer: l, attention: false, s: residual, residual: normed, norm: layer.outputNorm, buffers: b, tokens: n)
            }
            ResidualOp.forwardUnchecked(normed.data, residual.data, residual.data, count: n * d)
            layer.outputNorm.forwardUnchecked(residual, into: x, mean: w.mean, rstd: w.rstd)
        }
    }
}
