import Platform

/// The transformer encoder's hyper-parameters, with HF-style snake_case keys.
public struct EncoderConfig: Codable, Equatable, Sendable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    /// Token-type (segment) embeddings, as BERT; 0 for none.
    public var typeVocabSize: Int
    /// Language embeddings (XLM style, one id per token); 0 for none.
    public var numLanguages: Int
    public var layerNormEps: Float
    /// false: BERT's post-LayerNorm blocks; true: LayerNorm before each sub-block and once at the end.
    public var preLayerNorm: Bool
    public var hiddenDropout: Float
    public var attentionDropout: Float
    /// Only "gelu" (the exact erf form) is implemented.
    public var hiddenAct: String
    public var initializerRange: Float

    public init(vocabSize: Int, hiddenSize: Int = 256, numLayers: Int = 4, numHeads: Int = 4, intermediateSize: Int = 1024,
                maxPositions: Int = 512, typeVocabSize: Int = 2, numLanguages: Int = 0, layerNormEps: Float = 1e-12,
                preLayerNorm: Bool = false, hiddenDropout: Float = 0.1, attentionDropout: Float = 0.1,
                hiddenAct: String = "gelu", initializerRange: Float = 0.02) {
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.numLayers = numLayers; self.numHeads = numHeads
        self.intermediateSize = intermediateSize; self.maxPositions = maxPositions; self.typeVocabSize = typeVocabSize
        self.numLanguages = numLanguages; self.layerNormEps = layerNormEps; self.preLayerNorm = preLayerNorm
        self.hiddenDropout = hiddenDropout; self.attentionDropout = attentionDropout; self.hiddenAct = hiddenAct
        self.initializerRange = initializerRange
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numLayers = "num_layers", numHeads = "num_heads"
        case intermediateSize = "intermediate_size", maxPositions = "max_positions", typeVocabSize = "type_vocab_size"
        case numLanguages = "num_languages", layerNormEps = "layer_norm_eps", preLayerNorm = "pre_layer_norm"
        case hiddenDropout = "hidden_dropout_prob", attentionDropout = "attention_probs_dropout_prob"
        case hiddenAct = "hidden_act", initializerRange = "initializer_range"
    }

    public var headDim: Int { hiddenSize / numHeads }

    /// Throws a `ConfigError` naming the first bad key.
    public func validate() throws {
        func bad(_ key: CodingKeys, _ message: String) -> ConfigError { ConfigError(key: key.rawValue, message) }
        if vocabSize < 1 { throw bad(.vocabSize, "must be positive, got \(vocabSize)") }
        if hiddenSize < 1 { throw bad(.hiddenSize, "must be positive, got \(hiddenSize)") }
        if numLayers < 0 { throw bad(.numLayers, "must not be negative, got \(numLayers)") }
        if numHeads < 1 || hiddenSize % numHeads != 0 { throw bad(.numHeads, "\(numHeads) heads do not divide hidden_size \(hiddenSize)") }
        if intermediateSize < 1 { throw bad(.intermediateSize, "must be positive, got \(intermediateSize)") }
        if maxPositions < 1 { throw bad(.maxPositions, "must be positive, got \(maxPositions)") }
        if typeVocabSize < 0 { throw bad(.typeVocabSize, "must not be negative") }
        if numLanguages < 0 { throw bad(.numLanguages, "must not be negative") }
        if !(layerNormEps > 0) { throw bad(.layerNormEps, "must be positive, got \(layerNormEps)") }
        if !(hiddenDropout >= 0 && hiddenDropout < 1) { throw bad(.hiddenDropout, "must be in [0, 1), got \(hiddenDropout)") }
        if !(attentionDropout >= 0 && attentionDropout < 1) { throw bad(.attentionDropout, "must be in [0, 1), got \(attentionDropout)") }
        if hiddenAct != "gelu" { throw bad(.hiddenAct, "only \"gelu\" (erf form) is supported, got \"\(hiddenAct)\"") }
    }
}
