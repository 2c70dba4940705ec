import Engine
import Foundation
import Platform
import Text

/// A folder holding a model: a Polyglot checkpoint (manifest.json + model.json) or a Hugging Face
/// BERT-family folder (config.json + model.safetensors). Both carry a tokenizer.json.
public enum ModelDirectory {
    public enum Kind: Sendable { case polyglot, huggingFace }

    public static func kind(of dir: URL) throws -> Kind {
        let fm = FileManager.default
        if fm.fileExists(atPath: dir.appendingPathComponent(ModelCheckpoint.manifestFile).path)
            && fm.fileExists(atPath: dir.appendingPathComponent(ModelCheckpoint.modelFile).path) { return .polyglot }
        // A run's checkpoint folder (checkpoints/last, best) holds the model one level down.
        if fm.fileExists(atPath: dir.appendingPathComponent("model").appendingPathComponent(ModelCheckpoint.modelFile).path) {
            throw FileError(path: dir.path, "is a run's checkpoint folder, not a model folder: its model is \(dir.appendingPathComponent("model").path)")
        }
        if fm.fileExists(atPath: dir.appendingPathComponent(HFImport.configFile).path) { return .huggingFace }
        throw FileError(path: dir.path, "not a model folder: neither \(ModelCheckpoint.manifestFile) (Polyglot) nor \(HFImport.configFile) (Hugging Face) is there")
    }

    /// Loads the model (encoder capacity `maxBatch` × `maxLength`, capped by its positions) and its tokenizer.
    public static func load(_ dir: URL, maxBatch: Int, maxLength: Int) throws -> (model: MultiTaskModel, tokenizer: Tokenizer, tokenizerJSON: Data) {
        let model: MultiTaskModel
        switch try kind(of: dir) {
        case .polyglot: model = try ModelCheckpoint.load(dir, maxBatch: maxBatch, maxLength: maxLength)
        case .huggingFace: model = try HFImport.load(directory: dir, maxBatch: maxBatch, maxLength: maxLength).model
        }
        let tokURL = dir.appendingPathComponent(HFImport.tokenizerFile)
        let tokenizer = try Tokenizer.load(from: tokURL)
        let json: Data
        json = try InputFile.readData(tokURL.path, limit: InputLimits.jsonBytes, what: "tokenizer file")
        guard tokenizer.vocabSize <= model.config.encoder.vocabSize else {
            throw FileError(path: tokURL.path, "vocabulary of \(tokenizer.vocabSize) exceeds the encoder's \(model.config.encoder.vocabSize) embeddings")
        }
        return (model, tokenizer, json)
    }

    /// Sentence length used for embeddings when none is given: sentence-transformers' max_seq_length,
    /// else the encoder's positions.
    public static func defaultEmbeddingLength(_ dir: URL) throws -> Int {
        switch try kind(of: dir) {
        case .polyglot:
            let (config, _) = try ModelCheckpoint.readStructure(dir)
            return config.embeddingMaxLength ?? config.encoder.maxPositions
        case .huggingFace:
            let hf = try HFBertConfig.load(dir.appendingPathComponent(HFImport.configFile))
            return try SentenceTransformersFolder.read(dir)?.maxSeqLength ?? hf.usablePositions
        }
    }
}

extension SentenceEmbedder {
    /// Tokenizes `prompt + text` (with special tokens, truncated to `maxLength`) and embeds the texts.
    public func embed(texts: [String], tokenizer: Tokenizer, maxLength: Int, model: MultiTaskModel, prompt: String = "") throws -> [[Float]] {
        var tok = tokenizer
        tok.maxLength = Swift.min(maxLength, model.encoder.maxLength)
        let state = EncoderState()
        let ids = try texts.map { try tok.encode(prompt + $0, state: state).ids.map(Int32.init) }
        return try embed(ids, with: model.encoder, padID: Int32(model.config.padTokenId))
    }
}
