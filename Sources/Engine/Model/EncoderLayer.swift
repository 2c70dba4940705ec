import Platform

/// One transformer block: multi-head self-attention then a GELU feed-forward, post-LN (BERT) or pre-LN.
/// HF names: `attention.self.{query,key,value}`, `attention.output.dense`, `attention.output.LayerNorm`,
/// `intermediate.dense`, `output.dense`, `output.LayerNorm`. In the pre-LN variant the two LayerNorms keep
/// those names but normalize the input of the attention and of the feed-forward respectively.
/// Query, key and value weights (then their biases) are registered back to back, so the slab holds them as
/// one [3D, D] matrix and one [3D] vector: a single GEMM projects all three.
final class EncoderLayer {
    let store: ParameterStore
    let config: EncoderConfig
    let qkvWeight: ParameterID, qkvBias: ParameterID
    let attentionOutput: Linear, attentionNorm: LayerNorm
    let intermediate: Linear, output: Linear, outputNorm: LayerNorm

    init(prefix: String, config: EncoderConfig, store: ParameterStore) throws {
        self.store = store; self.config = config
        let d = config.hiddenSize, std = config.initializerRange
        let q = try store.register(prefix + "attention.self.query.weight", .matrix(d, d), initializer: .normal(std: std))
        let k = try store.register(prefix + "attention.self.key.weight", .matrix(d, d), initializer: .normal(std: std))
        let v = try store.register(prefix + "attention.self.value.weight", .matrix(d, d), initializer: .normal(std: std))
        let qb = try store.register(prefix + "attention.self.query.bias", .vector(d), initializer: .zeros)
        let kb = try store.register(prefix + "attention.self.key.bias", .vector(d), initializer: .zeros)
        let vb = try store.register(prefix + "attention.self.value.bias", .vector(d), initializer: .zeros)
        precondition(k.index == q.index + 1 && v.index == k.index + 1 && kb.index == qb.index + 1 && vb.index == kb.index + 1)
        qkvWeight = q; qkvBias = qb
        attentionOutput = try Linear(prefix + "attention.output.dense", inFeatures: d, outFeatures: d, store: store, initializerRange: std)
        attentionNorm = try LayerNorm(prefix + "attention.output.LayerNorm", dim: d, eps: config.layerNormEps, store: store)
        intermediate = try Linear(prefix + "intermediate.dense", inFeatures: d, outFeatures: config.intermediateSize, store: store, initializerRange: std)
        output = try Linear(prefix + "output.dense", inFeatures: config.intermediateSize, outFeatures: d, store: store, initializerRange: std)
        outputNorm = try LayerNorm(prefix + "output.LayerNorm", dim: d, eps: config.layerNormEps, store: store)
    }

    /// The fused [3D, D] weight and [3D] bias (views over the three registered parameters).
    var fusedWeight: Tensor { Tensor(data: store.value(qkvWeight).data, shape: .matrix(3 * config.hiddenSize, config.hiddenSize)) }
    var fusedBias: Tensor { Tensor(data: store.value(qkvBias).data, shape: .vector(3 * config.hiddenSize)) }
    var fusedWeightGradient: Tensor { Tensor(data: store.gradient(qkvWeight).data, shape: .matrix(3 * config.hiddenSize, config.hiddenSize)) }
    var fusedBiasGradient: Tensor { Tensor(data: store.gradient(qkvBias).data, shape: .vector(3 * config.hiddenSize)) }
}

/// Saved activations of one block, sized for the encoder's capacity; views of the live prefix are taken per batch.
final class EncoderLayerBuffers {
    let qkv, ctx, attn, norm1, sum1, ffIn, ffAct, ffOut, sum2, norm2: Tensor
    let mean1, rstd1, mean2, rstd2: Tensor
    let probs: Tensor
    let probsMask: Tensor?, attnMask: Tensor?, ffMask: Tensor?

    init(tokens n: Int, batch: Int, length: Int, config c: EncoderConfig, allocate: (Shape) throws -> Tensor) throws {
        let d = c.hiddenSize, f = c.intermediateSize
        qkv = try allocate(.matrix(n, 3 * d))
        probs = try allocate(.vector(batch * c.numHeads * length * length))
        probsMask = c.attentionDropout > 0 ? try allocate(.vector(batch * c.numHeads * length * length)) : nil
        ctx = try allocate(.matrix(n, d)); attn = try allocate(.matrix(n, d))
        attnMask = c.hiddenDropout > 0 ? try allocate(.matrix(n, d)) : nil
        norm1 = try allocate(.matrix(n, d)); sum1 = try allocate(.matrix(n, d))
        mean1 = try allocate(.vector(n)); rstd1 = try allocate(.vector(n))
        ffIn = try allocate(.matrix(n, f)); ffAct = try allocate(.matrix(n, f))
        ffOut = try allocate(.matrix(n, d))
        ffMask = c.hiddenDropout > 0 ? try allocate(.matrix(n, d)) : nil
        sum2 = try allocate(.matrix(n, d)); norm2 = try allocate(.matrix(n, d))
        mean2 = try allocate(.vector(n)); rstd2 = try allocate(.vector(n))
    }
}
