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
    /// Sentence-embedding defaults read from a sentence-transformers folder, when there was one.
    public var embeddingPooling: Pooling?
    public var embeddingMaxLength: Int?

    public init(encoder: EncoderConfig, padTokenId: Int = 0, source: String = "scratch",
                embeddingPooling: Pooling? = nil, embeddingMaxLength: Int? = nil) {
        format = Self.formatName; version = Self.formatVersion
        self.encoder = encoder; self.padTokenId = padTokenId; self.source = source
        self.embeddingPooling = embeddingPooling; self.embeddingMaxLength = embeddingMaxLength
    }

    enum CodingKeys: String, CodingKey {
        case format, version, encoder, source
        case padTokenId = "pad_token_id", embeddingPooling = "embedding_pooling", embeddingMaxLength = "embedding_max_length"
    }

    public func validate(file: String? = nil) throws {
        guard format == Self.formatName else { throw ConfigError(file: file, key: "format", "expected \"\(Self.formatName)\", found \"\(format)\"") }
        guard version == Self.formatVersion else { throw ConfigError(file: file, key: "version", "unsupported version \(version) (this build reads \(Self.formatVersion))") }
        do { try encoder.validate() } catch let e as ConfigError {
            throw ConfigError(file: file, key: "encoder." + e.key, e.message)
        }
        guard padTokenId >= 0 && padTokenId < encoder.vocabSize else {
            throw ConfigError(file: file, key: "pad_token_id", "\(padTokenId) is outside the vocabulary of \(encoder.vocabSize)")
        }
    }
}
