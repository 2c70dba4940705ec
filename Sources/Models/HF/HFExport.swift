import Engine
import Foundation
import Platform

/// Writes a Polyglot model as a Hugging Face folder that `AutoModel.from_pretrained` loads: config.json
/// (a BERT config), model.safetensors (BERT names) and tokenizer.json. With a sequence-classification
/// head on [CLS] it is a BertForSequenceClassification (`bert.*`, the head's dense as `bert.pooler.dense`,
/// its projection as `classifier`); otherwise a BertModel, with the imported pooler when there was one.
/// The folder is written atomically.
public enum HFExport {
    public static func hfConfig(_ model: MultiTaskModel, classificationHead: HeadSpec?) throws -> HFBertConfig {
        let e = model.config.encoder
        guard !e.preLayerNorm else { throw ConfigError(key: "encoder.pre_layer_norm", "a pre-LayerNorm encoder has no BERT equivalent to export") }
        guard e.numLanguages == 0 else { throw ConfigError(key: "encoder.num_languages", "language embeddings have no BERT equivalent to export") }
        var c = HFBertConfig(modelType: "bert", vocabSize: e.vocabSize, hiddenSize: e.hiddenSize, numHiddenLayers: e.numLayers,
                             numAttentionHeads: e.numHeads, intermediateSize: e.intermediateSize, hiddenAct: e.hiddenAct,
                             hiddenDropoutProb: decimal(e.hiddenDropout), attentionProbsDropoutProb: decimal(e.attentionDropout),
                             maxPositionEmbeddings: e.maxPositions, typeVocabSize: Swift.max(1, e.typeVocabSize),
                             layerNormEps: decimal(e.layerNormEps), padTokenId: model.config.padTokenId,
                             architectures: [classificationHead == nil ? "BertModel" : "BertForSequenceClassification"])
        c.initializerRange = decimal(e.initializerRange)
        if let head = classificationHead {
            c.id2label = Dictionary(uniqueKeysWithValues: head.labels.enumerated().map { (String($0.offset), $0.element) })
            c.label2id = Dictionary(uniqueKeysWithValues: head.labels.enumerated().map { ($0.element, $0.offset) })
            c.problemType = "single_label_classification"
        }
        return c
    }

    /// The Float's shortest decimal as a Double (1e-12, not 9.9999999600419e-13), as the config had it.
    static func decimal(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }

    /// The files of the export, by name.
    public static func files(_ model: MultiTaskModel, tokenizerJSON: Data, classificationHead name: String? = nil) throws -> [String: Data] {
        var head: HeadSpec?
        if let name {
            guard let spec = model.headSpecs.first(where: { $0.name == name }) else {
                throw ConfigError(key: "head", "no head named \"\(name)\"")
            }
            guard (spec.kind == .sequenceClassification || spec.kind == .pairClassification) && spec.pooling == .cls else {
                throw ConfigError(key: "head", "\"\(name)\" is not a [CLS] sequence-classification head (BertForSequenceClassification)")
            }
            head = spec
        }
        let config = try hfConfig(model, classificationHead: head)
        let store = model.store, e = model.config.encoder
        let prefix = head == nil ? "" : "bert."
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for name in HFWeightNames.encoderNames(layers: e.numLayers) {
            if name == "embeddings.token_type_embeddings.weight" && e.typeVocabSize == 0 {
                // BERT always has token types; with none, type 0 must add nothing.
                try w.add(prefix + name, shape: [1, e.hiddenSize], floats: [Float](repeating: 0, count: e.hiddenSize))
                continue
            }
            let id = try store.id(name).orThrow(EngineError(op: "export", "the encoder has no parameter \(name)"))
            try w.add(prefix + name, shape: store.entries[id.index].shape.dims, floats: try store.get(name))
        }
        if let head {
            let p = TaskHeads.prefix(head.name)
            for (src, dst) in [("dense.weight", "bert.pooler.dense.weight"), ("dense.bias", "bert.pooler.dense.bias"),
                               ("proj.weight", "classifier.weight"), ("proj.bias", "classifier.bias")] {
                let id = try store.id(p + src).orThrow(EngineError(op: "export", "head \(head.name) has no parameter \(src)"))
                try w.add(dst, shape: store.entries[id.index].shape.dims, floats: try store.get(p + src))
            }
        } else {
            for name in ["pooler.dense.weight", "pooler.dense.bias"] {
                if let t = model.extraTensors[name] { try w.add(name, shape: t.shape, floats: t.values) }
            }
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return ["config.json": try enc.encode(config), "model.safetensors": w.serialized(), "tokenizer.json": tokenizerJSON]
    }

    /// The output kind export folders carry in their marker (`OutputPolicy`).
    public static let outputKind = "hf-export"

    /// Writes the export folder under the output policy: created, or replaced when it is an earlier export
    /// holding only what Polyglot wrote; `force` writes into a foreign folder without deleting anything.
    /// `inputs` (the model folder) are never replaced nor contained.
    public static func write(_ model: MultiTaskModel, tokenizerJSON: Data, classificationHead: String? = nil, to dir: URL,
                             force: Bool = false, inputs: [CommandInput] = []) throws {
        let files = try files(model, tokenizerJSON: tokenizerJSON, classificationHead: classificationHead)
        try OutputPolicy.writeFolder(files, to: dir.path, kind: outputKind, force: force, inputs: inputs)
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let v = self else { throw error() }
        return v
    }
}
