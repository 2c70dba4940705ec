import Foundation
import Platform

/// The architecture families whose checkpoints Polyglot reads. They share BERT's layer layout and
/// differ in weight prefixes, position numbering and token types.
public enum HFModelFamily: String, Sendable, Codable {
    case bert
    /// RoBERTa and XLM-R: `roberta.` prefix, positions numbered from `pad_token_id + 1`, one token type.
    case roberta

    /// `model_type` values of config.json that map to each family.
    static func from(modelType: String) -> HFModelFamily? {
        switch modelType {
        case "bert": return .bert
        case "roberta", "xlm-roberta", "camembert": return .roberta
        default: return nil
        }
    }
}

/// A Hugging Face BERT-family `config.json`. Unknown keys are ignored (HF configs carry many
/// training-time fields); absent optional keys take HF's defaults.
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
    public var typeVocabSize: Int
    public var layerNormEps: Double
    public var padTokenId: Int
    public var positionEmbeddingType: String
    public var initializerRange: Double
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
        case id2label, label2id, problemType = "problem_type"
    }

    public init(modelType: String = "bert", vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int,
                numAttentionHeads: Int, intermediateSize: Int, hiddenAct: String = "gelu",
                hiddenDropoutProb: Double = 0.1, attentionProbsDropoutProb: Double = 0.1,
                maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2, layerNormEps: Double = 1e-12,
                padTokenId: Int = 0, architectures: [String]? = ["BertModel"]) {
        self.modelType = modelType; self.architectures = architectures
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads; self.intermediateSize = intermediateSize
        self.hiddenAct = hiddenAct; self.hiddenDropoutProb = hiddenDropoutProb
        self.attentionProbsDropoutProb = attentionProbsDropoutProb
        self.maxPositionEmbeddings = maxPositionEmbeddings; self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps; self.padTokenId = padTokenId
        self.positionEmbeddingType = "absolute"; self.initializerRange = 0.02
    }

    public init(from decoder: Decoder) throws {
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
        id2label = try c.decodeIfPresent([String: String].self, forKey: .id2label)
        label2id = try c.decodeIfPresent([String: Int].self, forKey: .label2id)
        problemType = try c.decodeIfPresent(String.self, forKey: .problemType)
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
            throw ConfigError(file: file, key: "model_type", "\"\(modelType)\" is not a BERT-family model (bert, roberta, xlm-roberta, camembert)")
        }
        for (key, v) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                         ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                         ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize)] where v <= 0 {
            throw ConfigError(file: file, key: key, "must be positive, found \(v)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw ConfigError(file: file, key: "num_attention_heads", "\(numAttentionHeads) does not divide hidden_size \(hiddenSize)")
        }
        guard positionEmbeddingType == "absolute" else {
            throw ConfigError(file: file, key: "position_embedding_type", "only \"absolute\" is supported, found \"\(positionEmbeddingType)\"")
        }
        guard hiddenAct == "gelu" else {
            throw ConfigError(file: file, key: "hidden_act", "only \"gelu\" (the erf form) is supported, found \"\(hiddenAct)\"")
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
