import Engine
import Platform

/// Everything needed to rebuild a model's structure (the weights live beside it): the encoder's
/// hyper-parameters, the heads, and how the checkpoint came to be. Saved as `model.json`.
public struct ModelConfig: Codable, Equatable, Sendable {
    public static let formatName = "polyglot-model"
    public static let formatVersion = 1

    public var format: String
    public var version: Int
    public var encoder: EncoderConfig
    /// Token id used for padding (HF's pad_token_id); exports write it back.
    public var padTokenId: Int
    /// Where the weights came from: "scratch", or "hf:<model_type>" for an import.
    public var source: String
    /// The Hugging Face `model_type` the weights were imported from (`bert`, `xlm-roberta`, `distilbert`, ...):
    /// what `export` writes unless told otherwise. nil for a model trained from scratch (exported as BERT).
    public var hfModelType: String?
    /// DistilBERT's `sinusoidal_pos_embds`, kept so that an export writes the config it was read from.
    public var sinusoidalPositions: Bool?
    /// config.json's `tokenizer_class` (multilingual-e5: a BERT body with `XLMRobertaTokenizer`), written back on export.
    public var hfTokenizerClass: String?
    /// Sentence-embedding defaults read from a sentence-transformers folder, when there was one.
    public var embeddingPooling: Pooling?
    public var embeddingMaxLength: Int?
    /// The folder's `Normalize` module.
    public var embeddingNormalize: Bool?
    /// Its prompts by name (`config_sentence_transformers.json`) and the one applied by default.
    public var embeddingPrompts: [String: String]?
    public var embeddingDefaultPrompt: String?
    /// Bottleneck adapters, LoRA and the invertible adapter the encoder carries (nil: none); their weights
    /// are in the checkpoint beside the base model's.
    public var adapters: AdapterSetup?

    public init(encoder: EncoderConfig, padTokenId: Int = 0, source: String = "scratch",
                embeddingPooling: Pooling? = nil, embeddingMaxLength: Int? = nil) {
        format = Self.formatName; version = Self.formatVersion
        self.encoder = encoder; self.padTokenId = padTokenId; self.source = source
        self.embeddingPooling = embeddingPooling; self.embeddingMaxLength = embeddingMaxLength
    }

    enum CodingKeys: String, CodingKey {
        case format, version, encoder, source
        case padTokenId = "pad_token_id", embeddingPooling = "embedding_pooling", embeddingMaxLength = "embedding_max_length"
        case hfModelType = "hf_model_type", sinusoidalPositions = "sinusoidal_positions", hfTokenizerClass = "hf_tokenizer_class"
        case embeddingNormalize = "embedding_normalize", embeddingPrompts = "embedding_prompts"
        case embeddingDefaultPrompt = "embedding_default_prompt", adapters
    }

    /// The sentence-transformers settings the model carries (nil when it was not read from such a folder
    /// and none were set).
    public var sentenceTransformers: SentenceTransformersSettings? {
        get {
            guard embeddingPooling != nil || embeddingMaxLength != nil || embeddingNormalize != nil || embeddingPrompts != nil else { return nil }
            return SentenceTransformersSettings(pooling: embeddingPooling, normalize: embeddingNormalize ?? false,
                                                maxSeqLength: embeddingMaxLength, prompts: embeddingPrompts ?? [:],
                                                defaultPromptName: embeddingDefaultPrompt)
        }
        set {
            embeddingPooling = newValue?.pooling; embeddingMaxLength = newValue?.maxSeqLength
            embeddingNormalize = newValue?.normalize
            embeddingPrompts = newValue.map(\.prompts); embeddingDefaultPrompt = newValue?.defaultPromptName
        }
    }

    /// The prompt prepended to every text before tokenization (`SentenceTransformersSettings.prompt`).
    public func prompt(text: String?, name: String?) throws -> String {
        try (sentenceTransformers ?? SentenceTransformersSettings(pooling: nil)).prompt(text: text, name: name)
    }

    public func validate(file: String? = nil) throws {
        guard format == Self.formatName else { throw ConfigError(file: file, key: "format", "expected \"\(Self.formatName)\", found \"\(format)\"") }
        guard version == Self.formatVersion else { throw ConfigError(file: file, key: "version", "unsupported version \(version) (this build reads \(Self.formatVersion))") }
        do { try encoder.validate() } catch let e as ConfigError {
            throw ConfigError(file: file, key: "encoder." + e.key, e.message)
        }
        if let t = hfModelType, HFModelFamily.from(modelType: t) == nil {
            throw ConfigError(file: file, key: "hf_model_type", "\"\(t)\" is not one of \(HFModelFamily.modelTypes.joined(separator: ", "))")
        }
        if let name = embeddingDefaultPrompt, embeddingPrompts?[name] == nil {
            throw ConfigError(file: file, key: "embedding_default_prompt", "\"\(name)\" is not among embedding_prompts")
        }
        guard padTokenId >= 0 && padTokenId < encoder.vocabSize else {
            throw ConfigError(file: file, key: "pad_token_id", "\(padTokenId) is outside the vocabulary of \(encoder.vocabSize)")
        }
    }
}
