import Runs
import Tasks
import Engine
import Foundation
import Models
import Platform
import Text

/// Builds the model an experiment asks for: a new encoder of the given size, or a Polyglot or Hugging
/// Face checkpoint, with one head per (shared) task head.
enum ModelSetup {
    static func build(_ e: Experiment, tokenizer: Tokenizer, heads: [HeadSpec], maxBatch: Int) throws -> MultiTaskModel {
        let model: MultiTaskModel
        do {
            model = try load(e, tokenizer: tokenizer, heads: heads, maxBatch: maxBatch)
        } catch let error as ConfigError where error.key.hasPrefix("adapters.task.") || error.key.hasPrefix("lora.task.") {
            // Checked against the model's sizes once it is built: named by the experiment's key.
            let rest = error.key.split(separator: ".").dropFirst(2).joined(separator: ".")
            throw ConfigError(key: (error.key.hasPrefix("lora.") ? "strategy.lora." : "strategy.adapter.") + rest, error.message)
        }
        try applyPrecision(e, to: model)
        return model
    }

    /// The adapters the experiment's strategy puts in the encoder: MAD-X's language adapter (configured as its
    /// source language's file says) below the task adapter.
    static func adapterSetup(_ e: Experiment) throws -> AdapterSetup {
        var setup = e.strategy.adapterSetup
        if let source = e.madxSource {
            let dir = URL(fileURLWithPath: source.path)
            let header = try AdapterFile.readHeader(dir)
            guard header.kind == .bottleneck, let config = header.bottleneck else {
                throw ConfigError(file: dir.appendingPathComponent(AdapterFile.headerFile).path, key: "kind",
                                  "a MAD-X language adapter must be a bottleneck adapter, found \(header.kind.rawValue)")
            }
            setup.bottlenecks.insert(.init(name: StrategySettings.languageSlot, config: config), at: 0)
        }
        return setup
    }

    /// Sets `model.precision` on the model's parameters; bf16 on a CPU without AVX512-BF16 is an error naming the key.
    static func applyPrecision(_ e: Experiment, to model: MultiTaskModel) throws {
        if e.model.precision == .bf16, let reason = BF16.unsupportedReason { throw ConfigError(key: "model.precision", reason) }
        try model.store.setPrecision(e.model.precision)
    }

    static func load(_ e: Experiment, tokenizer: Tokenizer, heads: [HeadSpec], maxBatch: Int) throws -> MultiTaskModel {
        let m = e.model
        // Adapters or LoRA the strategy adds (new weights beside the base model's).
        let adapters = try adapterSetup(e)
        switch m.source {
        case .scratch:
            let encoder = EncoderConfig(vocabSize: tokenizer.vocabSize, hiddenSize: m.hidden, numLayers: m.layers, numHeads: m.heads,
                                        intermediateSize: m.intermediate, maxPositions: m.maxPositions, typeVocabSize: 2,
                                        hiddenDropout: Float(m.dropout), attentionDropout: Float(m.dropout))
            var config = ModelConfig(encoder: encoder, padTokenId: tokenizer.specialTokenIDs.pad ?? 0, source: "scratch")
            config.adapters = adapters.isEmpty ? nil : adapters
            return try MultiTaskModel(config: config, heads: heads, maxBatch: maxBatch, maxLength: e.data.maxLength, seed: e.seed)
        case .polyglot:
            let dir = URL(fileURLWithPath: m.path!)
            let (stored, _) = try ModelCheckpoint.readStructure(dir)
            try checkVocabulary(stored.encoder.vocabSize, tokenizer, key: "model.path")
            var config = stored
            config.encoder.hiddenDropout = Float(m.dropout)
            config.encoder.attentionDropout = Float(m.dropout)
            if !adapters.isEmpty { config.adapters = adapters }
            let length = min(e.data.maxLength, config.encoder.maxPositions)
            let model = try MultiTaskModel(config: config, heads: heads, maxBatch: maxBatch, maxLength: length, seed: e.seed)
            // The encoder must load whole; heads and adapters load where the checkpoint has one of the same name and shape.
            let weights = dir.appendingPathComponent(ModelCheckpoint.weightsFile)
            let file = try SafetensorsFile(url: weights)
            for entry in model.store.entries {
                let isHead = entry.name.hasPrefix("heads.") || AdapterSetup.isAdapterWeight(entry.name)
                guard let stored = file.entry(entry.name), stored.shape == entry.shape.dims else {
                    if isHead { continue }
                    throw FileError(path: weights.path, "has no tensor \(entry.name) of shape \(entry.shape.dims)")
                }
                try model.store.set(entry.name, values: try file.floats(entry.name))
            }
            return model
        case .hf:
            let (model, _) = try HFImport.load(directory: URL(fileURLWithPath: m.path!), heads: heads, maxBatch: maxBatch,
                                               maxLength: e.data.maxLength, seed: e.seed, adapters: adapters)
            try checkVocabulary(model.config.encoder.vocabSize, tokenizer, key: "model.path")
            return model
        }
    }

    static func checkVocabulary(_ size: Int, _ tokenizer: Tokenizer, key: String) throws {
        if tokenizer.vocabSize > size {
            throw ConfigError(key: key, "the tokenizer has \(tokenizer.vocabSize) tokens, the model's embeddings only \(size)")
        }
    }
}
