import Foundation
import Platform

/// The architecture families whose checkpoints Polyglot reads and writes. They share BERT's post-LayerNorm
/// layer and differ in weight names, config keys, position numbering and token types.
public enum HFModelFamily: String, Sendable, Codable, CaseIterable {
    case bert
    /// RoBERTa and XLM-R: `roberta.` prefix, positions numbered from `pad_token_id + 1`, one token type.
    case roberta
    /// DistilBERT: `distilbert.` prefix, its own layer and config names, no token types, learned or
    /// sinusoidal positions (both stored as `position_embeddings`).
    case distilbert

    /// `model_type` values of config.json that map to each family.
    static func from(modelType: String) -> HFModelFamily? {
        switch modelType {
        case "bert": return .bert
        case "roberta", "xlm-roberta", "camembert": return .roberta
        case "distilbert": return .distilbert
        default: return nil
        }
    }

    /// The `model_type` values Polyglot reads (and `export --model-type` writes).
    public static let modelTypes = ["bert", "roberta", "xlm-roberta", "camembert", "distilbert"]

    /// The bare model's class name, as `architectures` lists it.
    static func baseArchitecture(modelType: String) -> String {
        switch modelType {
        case "roberta": return "RobertaModel"
        case "xlm-roberta": return "XLMRobertaModel"
        case "camembert": return "CamembertModel"
        case "distilbert": return "DistilBertModel"
        default: return "BertModel"
        }
    }
}

/// A Hugging Face BERT-family `config.json` (BERT, RoBERTa/XLM-R, DistilBERT). Unknown keys are ignored
/// (HF configs carry many training-time fields); absent optional keys take HF's defaults. DistilBERT's own
/// keys (`dim`, `n_layers`, `n_heads`, `hidden_dim`, `activation`, `dropout`, `attention_dropout`,
/// `sinusoidal_pos_embds`) are read into the same fields and written back under its names.
public struct HFBertConfig: Codable, Equatable, Sendable {
    public var modelType: String
    public var architectures: [String]?
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var hiddenAct: String
    public var hiddenDropoutProb: Double
    public var attentionProbsDropoutProb: Double
    public var maxPositionEmbeddings: Int
    /// 0 for DistilBERT, which has no token types.
    public var typeVocabSize: Int
    public var layerNormEps: Double
    public var padTokenId: Int
    public var positionEmbeddingType: String
    public var initializerRange: Double
    /// DistilBERT's `sinusoidal_pos_embds`: the position table was filled with sines and kept frozen.
    public var sinusoidalPositions: Bool
    /// The tokenizer class transformers builds from tokenizer.json (`XLMRobertaTokenizer` for a BERT body with
    /// XLM-R's vocabulary, such as multilingual-e5); without it transformers picks the family's own.
    public var tokenizerClass: String?
    /// Present for sequence-classification checkpoints.
    public var id2label: [String: String]?
    public var label2id: [String: Int]?
    public var problemType: String?

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", architectures
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case hiddenAct = "hidden_act", hiddenDropoutProb = "hidden_dropout_prob"
        case attentionProbsDropoutProb = "attention_probs_dropout_prob"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", padTokenId = "pad_token_id"
        case positionEmbeddingType = "position_embedding_type", initializerRange = "initializer_range"
        case id2label, label2id, problemType = "problem_type", tokenizerClass = "tokenizer_class"
    }

    /// DistilBERT's names for the same hyper-parameters.
    enum DistilBertKeys: String, CodingKey {
        case modelType = "model_type", architectures, vocabSize = "vocab_size", dim, nLayers = "n_layers", nHeads = "n_heads"
        case hiddenDim = "hidden_dim", activation, dropout, attentionDropout = "attention_dropout"
        case maxPositionEmbeddings = "max_position_embeddings", sinusoidalPosEmbds = "sinusoidal_pos_embds"
        case padTokenId = "pad_token_id", initializerRange = "initializer_range"
        case id2label, label2id, problemType = "problem_type", tokenizerClass = "tokenizer_class"
    }

    /// DistilBERT's LayerNorm epsilon (fixed in its code, absent from its config).
    public static let distilBertLayerNormEps = 1e-12

    public init(modelType: String = "bert", vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int,
                numAttentionHeads: Int, intermediateSize: Int, hiddenAct: String = "gelu",
                hiddenDropoutProb: Double = 0.1, attentionProbsDropoutProb: Double = 0.1,
                maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2, layerNormEps: Double = 1e-12,
                padTokenId: Int = 0, sinusoidalPositions: Bool = false, architectures: [String]? = ["BertModel"]) {
        self.modelType = modelType; self.architectures = architectures
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads; self.intermediateSize = intermediateSize
        self.hiddenAct = hiddenAct; self.hiddenDropoutProb = hiddenDropoutProb
        self.attentionProbsDropoutProb = attentionProbsDropoutProb
        self.maxPositionEmbeddings = maxPositionEmbeddings; self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps; self.padTokenId = padTokenId
        self.positionEmbeddingType = "absolute"; self.initializerRange = 0.02
        self.sinusoidalPositions = sinusoidalPositions
    }

    public init(from decoder: Decoder) throws {
        let k = try decoder.container(keyedBy: DistilBertKeys.self)
        if try k.decodeIfPresent(String.self, forKey: .modelType) == "distilbert" {
            modelType = "distilbert"
            architectures = try k.decodeIfPresent([String].self, forKey: .architectures)
            vocabSize = try k.decode(Int.self, forKey: .vocabSize)
            hiddenSize = try k.decodeIfPresent(Int.self, forKey: .dim) ?? 768
            numHiddenLayers = try k.decodeIfPresent(Int.self, forKey: .nLayers) ?? 6
            numAttentionHeads = try k.decodeIfPresent(Int.self, forKey: .nHeads) ?? 12
            intermediateSize = try k.decodeIfPresent(Int.self, forKey: .hiddenDim) ?? 4 * 768
            hiddenAct = try k.decodeIfPresent(String.self, forKey: .activation) ?? "gelu"
            hiddenDropoutProb = try k.decodeIfPresent(Double.self, forKey: .dropout) ?? 0.1
            attentionProbsDropoutProb = try k.decodeIfPresent(Double.self, forKey: .attentionDropout) ?? 0.1
            maxPositionEmbeddings = try k.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 512
            typeVocabSize = 0
            layerNormEps = Self.distilBertLayerNormEps
            padTokenId = try k.decodeIfPresent(Int.self, forKey: .padTokenId) ?? 0
            positionEmbeddingType = "absolute"
            initializerRange = try k.decodeIfPresent(Double.self, forKey: .initializerRange) ?? 0.02
            sinusoidalPositions = try k.decodeIfPresent(Bool.self, forKey: .sinusoidalPosEmbds) ?? false
            id2label = try k.decodeIfPresent([String: String].self, forKey: .id2label)
            label2id = try k.decodeIfPresent([String: Int].self, forKey: .label2id)
            problemType = try k.decodeIfPresent(String.self, forKey: .problemType)
            tokenizerClass = try k.decodeIfPresent(String.self, forKey: .tokenizerClass)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "bert"
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "gelu"
        hiddenDropoutProb = try c.decodeIfPresent(Double.self, forKey: .hiddenDropoutProb) ?? 0.1
        attentionProbsDropoutProb = try c.decodeIfPresent(Double.self, forKey: .attentionProbsDropoutProb) ?? 0.1
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 512
        typeVocabSize = try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 2
        layerNormEps = try c.decodeIfPresent(Double.self, forKey: .layerNormEps) ?? 1e-12
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId) ?? (modelType == "bert" ? 0 : 1)
        positionEmbeddingType = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? "absolute"
        initializerRange = try c.decodeIfPresent(Double.self, forKey: .initializerRange) ?? 0.02
        sinusoidalPositions = false
        id2label = try c.decodeIfPresent([String: String].self, forKey: .id2label)
        label2id = try c.decodeIfPresent([String: Int].self, forKey: .label2id)
        problemType = try c.decodeIfPresent(String.self, forKey: .problemType)
        tokenizerClass = try c.decodeIfPresent(String.self, forKey: .tokenizerClass)
    }

    /// Written as the family writes it: DistilBERT under its own keys, BERT and RoBERTa under BERT's.
    public func encode(to encoder: Encoder) throws {
        if family == .distilbert {
            var k = encoder.container(keyedBy: DistilBertKeys.self)
            try k.encode(modelType, forKey: .modelType)
            try k.encodeIfPresent(architectures, forKey: .architectures)
            try k.encode(vocabSize, forKey: .vocabSize); try k.encode(hiddenSize, forKey: .dim)
            try k.encode(numHiddenLayers, forKey: .nLayers); try k.encode(numAttentionHeads, forKey: .nHeads)
            try k.encode(intermediateSize, forKey: .hiddenDim); try k.encode(hiddenAct, forKey: .activation)
            try k.encode(hiddenDropoutProb, forKey: .dropout); try k.encode(attentionProbsDropoutProb, forKey: .attentionDropout)
            try k.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
            try k.encode(sinusoidalPositions, forKey: .sinusoidalPosEmbds)
            try k.encode(padTokenId, forKey: .padTokenId); try k.encode(initializerRange, forKey: .initializerRange)
            try k.encodeIfPresent(id2label, forKey: .id2label); try k.encodeIfPresent(label2id, forKey: .label2id)
            try k.encodeIfPresent(problemType, forKey: .problemType)
            try k.encodeIfPresent(tokenizerClass, forKey: .tokenizerClass)
            return
        }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encodeIfPresent(architectures, forKey: .architectures)
        try c.encode(vocabSize, forKey: .vocabSize); try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers); try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(intermediateSize, forKey: .intermediateSize); try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(hiddenDropoutProb, forKey: .hiddenDropoutProb)
        try c.encode(attentionProbsDropoutProb, forKey: .attentionProbsDropoutProb)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings); try c.encode(typeVocabSize, forKey: .typeVocabSize)
        try c.encode(layerNormEps, forKey: .layerNormEps); try c.encode(padTokenId, forKey: .padTokenId)
        try c.encode(positionEmbeddingType, forKey: .positionEmbeddingType)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encodeIfPresent(id2label, forKey: .id2label); try c.encodeIfPresent(label2id, forKey: .label2id)
        try c.encodeIfPresent(problemType, forKey: .problemType)
        try c.encodeIfPresent(tokenizerClass, forKey: .tokenizerClass)
    }

    public var family: HFModelFamily? { HFModelFamily.from(modelType: modelType) }

    /// Reads and checks a config.json: the family must be supported and the sizes consistent.
    public static func load(_ url: URL) throws -> HFBertConfig {
        // Bounded, regular files only, and strict: a key given twice is an error naming it.
        let data = try InputFile.readData(url.path, limit: InputLimits.jsonBytes, what: "config file")
        _ = try StrictJSON.parse(data, path: url.path)
        let config: HFBertConfig
        do {
            config = try JSONDecoder().decode(HFBertConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ConfigError(file: url.path, key: key.stringValue, "missing")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw ConfigError(file: url.path, key: ctx.codingPath.map(\.stringValue).joined(separator: "."), "wrong type: \(ctx.debugDescription)")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw ConfigError(file: url.path, key: ctx.codingPath.map(\.stringValue).joined(separator: "."), "is null")
        } catch {
            throw ConfigError(file: url.path, key: "(file)", "not a valid config: \(excerpt("\(error)", limit: 120))")
        }
        try config.validate(file: url.path)
        return config
    }

    public func validate(file: String? = nil) throws {
        guard family != nil else {
            throw ConfigError(file: file, key: "model_type", "\"\(modelType)\" is not a BERT-family model (\(HFModelFamily.modelTypes.joined(separator: ", ")))")
        }
        let distil = family == .distilbert
        var sizes = [("vocab_size", vocabSize), (distil ? "dim" : "hidden_size", hiddenSize),
                     (distil ? "n_layers" : "num_hidden_layers", numHiddenLayers),
                     (distil ? "n_heads" : "num_attention_heads", numAttentionHeads),
                     (distil ? "hidden_dim" : "intermediate_size", intermediateSize),
                     ("max_position_embeddings", maxPositionEmbeddings)]
        if !distil { sizes.append(("type_vocab_size", typeVocabSize)) }
        for (key, v) in sizes where v <= 0 {
            throw ConfigError(file: file, key: key, "must be positive, found \(v)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw ConfigError(file: file, key: distil ? "n_heads" : "num_attention_heads", "\(numAttentionHeads) does not divide the width \(hiddenSize)")
        }
        guard padTokenId >= 0 && padTokenId < vocabSize else {
            throw ConfigError(file: file, key: "pad_token_id", "\(padTokenId) is outside the vocabulary of \(vocabSize)")
        }
        guard positionEmbeddingType == "absolute" else {
            throw ConfigError(file: file, key: "position_embedding_type", "only \"absolute\" is supported, found \"\(positionEmbeddingType)\"")
        }
        guard hiddenAct == "gelu" else {
            throw ConfigError(file: file, key: distil ? "activation" : "hidden_act", "only \"gelu\" (the erf form) is supported, found \"\(hiddenAct)\"")
        }
        if family == .roberta {
            guard maxPositionEmbeddings > padTokenId + 1 else {
                throw ConfigError(file: file, key: "max_position_embeddings", "\(maxPositionEmbeddings) leaves no positions after padding_idx \(padTokenId)")
            }
        }
    }

    /// Positions a Polyglot encoder can use: RoBERTa reserves the rows up to `padding_idx`.
    public var usablePositions: Int {
        family == .roberta ? maxPositionEmbeddings - (padTokenId + 1) : maxPositionEmbeddings
    }
}
