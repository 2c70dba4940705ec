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
        let (tokenizer, json) = try loadTokenizer(dir)
        let model = try loadModel(dir, maxBatch: maxBatch, maxLength: maxLength, tokenizer: tokenizer)
        return (model, tokenizer, json)
    }

    /// The folder's tokenizer.json, parsed, and its bytes.
    public static func loadTokenizer(_ dir: URL) throws -> (tokenizer: Tokenizer, json: Data) {
        let url = dir.appendingPathComponent(HFImport.tokenizerFile)
        let tokenizer = try Tokenizer.load(from: url)
        return (tokenizer, try InputFile.readData(url.path, limit: InputLimits.jsonBytes, what: "tokenizer file"))
    }

    /// The model alone, sized for `maxBatch` × `maxLength` (e.g. the longest tokenized input, so activations
    /// are not allocated for positions no input reaches); its embeddings must cover `tokenizer`'s vocabulary.
    public static func loadModel(_ dir: URL, maxBatch: Int, maxLength: Int, tokenizer: Tokenizer) throws -> MultiTaskModel {
        let model: MultiTaskModel
        switch try kind(of: dir) {
        case .polyglot: model = try ModelCheckpoint.load(dir, maxBatch: maxBatch, maxLength: maxLength)
        case .huggingFace: model = try HFImport.load(directory: dir, maxBatch: maxBatch, maxLength: maxLength).model
        }
        guard tokenizer.vocabSize <= model.config.encoder.vocabSize else {
            throw FileError(path: dir.appendingPathComponent(HFImport.tokenizerFile).path,
                            "vocabulary of \(tokenizer.vocabSize) exceeds the encoder's \(model.config.encoder.vocabSize) embeddings")
        }
        return model
    }

    /// What embedding needs before the weights are read: the positions the encoder has and the folder's
    /// sentence-transformers settings (a Polyglot checkpoint keeps those it was imported with).
    public static func embeddingDefaults(_ dir: URL) throws -> (positions: Int, settings: SentenceTransformersSettings?) {
        switch try kind(of: dir) {
        case .polyglot:
            let (config, _) = try ModelCheckpoint.readStructure(dir)
            return (config.encoder.maxPositions, config.sentenceTransformers)
        case .huggingFace:
            let hf = try HFBertConfig.load(dir.appendingPathComponent(HFImport.configFile))
            return (hf.usablePositions, try SentenceTransformersFolder.read(dir))
        }
    }

    /// Sentence length used for embeddings when none is given: sentence-transformers' max_seq_length,
    /// else the encoder's positions.
    public static func defaultEmbeddingLength(_ dir: URL) throws -> Int {
        let (positions, settings) = try embeddingDefaults(dir)
        return Swift.min(settings?.maxSeqLength ?? positions, positions)
    }
}

extension SentenceEmbedder {
    /// Tokenizes `prompt + text` (with special tokens, truncated to `maxLength`) and embeds the texts.
    public func embed(texts: [String], tokenizer: Tokenizer, maxLength: Int, model: MultiTaskModel, prompt: String = "") throws -> [[Float]] {
        let ids = try Self.tokenize(texts, tokenizer: tokenizer, maxLength: Swift.min(maxLength, model.config.encoder.maxPositions), prompt: prompt)
        return try embed(ids, with: model.inference)
    }

    /// The ids sentence-transformers feeds the model: `prompt + text` with special tokens, at most `maxLength`.
    public static func tokenize(_ texts: [String], tokenizer: Tokenizer, maxLength: Int, prompt: String = "") throws -> [[Int32]] {
        var tok = tokenizer
        tok.maxLength = maxLength
        // Across the thread pool, each text as `encode` makes it (no batch padding).
        return try tok.encodeBatch(prompt.isEmpty ? texts : texts.map { prompt + $0 }, padBatch: false).map { $0.ids.map(Int32.init) }
    }
}
