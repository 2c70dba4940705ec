import Engine
import Foundation
import Platform

/// Writes a Polyglot model as a Hugging Face folder that `AutoModel.from_pretrained` loads, in the family
/// it was imported from (or the one asked for): config.json under the family's keys and `model_type`,
/// model.safetensors under the family's weight names (`HFWeightNames.hfName`), tokenizer.json, and, when
/// asked, sentence-transformers' files (`SentenceTransformersFolder`).
/// - BERT: a BertModel with the imported pooler when there was one; with a [CLS] sequence-classification
///   head a BertForSequenceClassification (`bert.*`, the head's dense as `bert.pooler.dense`, its projection
///   as `classifier`).
/// - RoBERTa / XLM-R: positions written from row `pad_token_id + 1` (the reserved rows, read only by
///   padding, are zeros); with a head a `…ForSequenceClassification` (`roberta.*`, `classifier.dense`,
///   `classifier.out_proj`: RoBERTa's head is the same dense → tanh → projection on the first token).
/// - DistilBERT: its layer names, no token types (a model with one token type has it folded into the
///   position table, which is exact), `sinusoidal_pos_embds` as read; no head (DistilBERT's uses ReLU).
/// The folder is written atomically under the output policy.
public enum HFExport {
    public static func hfConfig(_ model: MultiTaskModel, classificationHead: HeadSpec?, modelType: String? = nil) throws -> HFBertConfig {
        let e = model.config.encoder
        let type = modelType ?? model.config.hfModelType ?? "bert"
        guard let family = HFModelFamily.from(modelType: type) else {
            throw ConfigError(key: "model_type", "\"\(type)\" is not one of \(HFModelFamily.modelTypes.joined(separator: ", "))")
        }
        guard !e.preLayerNorm else { throw ConfigError(key: "encoder.pre_layer_norm", "a pre-LayerNorm encoder has no \(type) equivalent to export") }
        guard e.numLanguages == 0 else { throw ConfigError(key: "encoder.num_languages", "language embeddings have no \(type) equivalent to export") }
        let pad = model.config.padTokenId
        var positions = e.maxPositions
        var types = Swift.max(1, e.typeVocabSize)
        switch family {
        case .bert: break
        case .roberta: positions += pad + 1
        case .distilbert:
            guard e.typeVocabSize <= 1 else {
                throw ConfigError(key: "encoder.type_vocab_size", "DistilBERT has no token types; a model with \(e.typeVocabSize) cannot be exported as distilbert")
            }
            guard Double(e.layerNormEps) == Double(Float(HFBertConfig.distilBertLayerNormEps)) else {
                throw ConfigError(key: "encoder.layer_norm_eps", "DistilBERT's LayerNorm epsilon is fixed at 1e-12, the model has \(e.layerNormEps)")
            }
            guard classificationHead == nil else {
                throw ConfigError(key: "head", "DistilBERT's classifier (ReLU on [CLS]) is not Polyglot's [CLS] head (tanh); export the encoder alone")
            }
            types = 0
        }
        let base = HFModelFamily.baseArchitecture(modelType: type)
        let architecture = classificationHead == nil ? base : String(base.dropLast("Model".count)) + "ForSequenceClassification"
        var c = HFBertConfig(modelType: type, vocabSize: e.vocabSize, hiddenSize: e.hiddenSize, numHiddenLayers: e.numLayers,
                             numAttentionHeads: e.numHeads, intermediateSize: e.intermediateSize, hiddenAct: e.hiddenAct,
                             hiddenDropoutProb: decimal(e.hiddenDropout), attentionProbsDropoutProb: decimal(e.attentionDropout),
                             maxPositionEmbeddings: positions, typeVocabSize: types,
                             layerNormEps: decimal(e.layerNormEps), padTokenId: pad,
                             sinusoidalPositions: family == .distilbert && model.config.sinusoidalPositions == true,
                             architectures: [architecture])
        c.initializerRange = decimal(e.initializerRange)
        c.tokenizerClass = model.config.hfTokenizerClass
        if let head = classificationHead {
            c.id2label = Dictionary(uniqueKeysWithValues: head.labels.enumerated().map { (String($0.offset), $0.element) })
            c.label2id = Dictionary(uniqueKeysWithValues: head.labels.enumerated().map { ($0.element, $0.offset) })
            c.problemType = "single_label_classification"
        }
        try c.validate()
        return c
    }

    /// The Float's shortest decimal as a Double (1e-12, not 9.9999999600419e-13), as the config had it.
    static func decimal(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }

    /// The files of the export, by path relative to the folder. `modelType` overrides the model's own
    /// family; `sentenceTransformers` adds modules.json, 1_Pooling/config.json and the ST configs.
    public static func files(_ model: MultiTaskModel, tokenizerJSON: Data, classificationHead name: String? = nil,
                             modelType: String? = nil, sentenceTransformers: SentenceTransformersSettings? = nil) throws -> [String: Data] {
        var head: HeadSpec?
        if let name {
            guard let spec = model.headSpecs.first(where: { $0.name == name }) else {
                throw ConfigError(key: "head", "no head named \"\(name)\"")
            }
            guard (spec.kind == .sequenceClassification || spec.kind == .pairClassification) && spec.pooling == .cls else {
                throw ConfigError(key: "head", "\"\(name)\" is not a [CLS] sequence-classification head")
            }
            head = spec
        }
        let config = try hfConfig(model, classificationHead: head, modelType: modelType)
        guard let family = config.family else { throw ConfigError(key: "model_type", "unsupported \"\(config.modelType)\"") }
        if let adapters = model.config.adapters, !adapters.bottlenecks.isEmpty {
            throw ConfigError(key: "adapters", "bottleneck adapters (\(adapters.bottlenecks.map(\.name).joined(separator: ", "))) have no place in a Hugging Face model folder: save them with polyglot adapter export (LoRA alone is merged into the weights)")
        }
        let store = model.store, e = model.config.encoder, d = e.hiddenSize
        let prefix = head == nil ? "" : HFWeightNames.modelPrefix(family)
        /// A weight as exported: LoRA, where the model has one, merged into its matrix.
        func parameter(_ name: String) throws -> (shape: [Int], values: [Float]) {
            let id = try store.id(name).orThrow(EngineError(op: "export", "the model has no parameter \(name)"))
            return (store.entries[id.index].shape.dims, try model.encoder.loraMerged(name) ?? store.get(name))
        }
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for name in HFWeightNames.encoderNames(layers: e.numLayers, tokenTypes: family != .distilbert) {
            let out = prefix + HFWeightNames.hfName(name, family: family)
            if name == "embeddings.token_type_embeddings.weight" && e.typeVocabSize == 0 {
                // BERT and RoBERTa always have token types; with none, type 0 must add nothing.
                try w.add(out, shape: [1, d], floats: [Float](repeating: 0, count: d))
                continue
            }
            var (shape, values) = try parameter(name)
            if name == "embeddings.position_embeddings.weight" {
                switch family {
                case .bert: break
                case .roberta:
                    let reserved = config.maxPositionEmbeddings - e.maxPositions
                    values = [Float](repeating: 0, count: reserved * d) + values
                    shape[0] += reserved
                case .distilbert:
                    // DistilBERT adds no token-type row: type 0's row goes into every position's.
                    if e.typeVocabSize == 1 {
                        let typeRow = try store.get("embeddings.token_type_embeddings.weight")
                        for p in 0..<shape[0] { for c in 0..<d { values[p * d + c] += typeRow[c] } }
                    }
                }
            }
            try w.add(out, shape: shape, floats: values)
        }
        if let head {
            let p = TaskHeads.prefix(head.name)
            let names = family == .roberta
                ? [("dense.weight", "classifier.dense.weight"), ("dense.bias", "classifier.dense.bias"),
                   ("proj.weight", "classifier.out_proj.weight"), ("proj.bias", "classifier.out_proj.bias")]
                : [("dense.weight", "bert.pooler.dense.weight"), ("dense.bias", "bert.pooler.dense.bias"),
                   ("proj.weight", "classifier.weight"), ("proj.bias", "classifier.bias")]
            for (src, dst) in names {
                let (shape, values) = try parameter(p + src)
                try w.add(dst, shape: shape, floats: values)
            }
        } else if family != .distilbert {
            for name in ["pooler.dense.weight", "pooler.dense.bias"] {
                if let t = model.extraTensors[name] { try w.add(name, shape: t.shape, floats: t.values) }
            }
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        var files = ["config.json": try enc.encode(config), "model.safetensors": w.serialized(), "tokenizer.json": tokenizerJSON]
        if let sentenceTransformers {
            for (name, data) in try SentenceTransformersFolder.files(sentenceTransformers, hiddenSize: d) { files[name] = data }
        }
        return files
    }

    /// The output kind export folders carry in their marker (`OutputPolicy`).
    public static let outputKind = "hf-export"

    /// Writes the export folder under the output policy: created, or replaced when it is an earlier export
    /// holding only what Polyglot wrote; `force` writes into a foreign folder without deleting anything.
    /// `inputs` (the model folder) are never replaced nor contained.
    public static func write(_ model: MultiTaskModel, tokenizerJSON: Data, classificationHead: String? = nil,
                             modelType: String? = nil, sentenceTransformers: SentenceTransformersSettings? = nil,
                             to dir: URL, force: Bool = false, inputs: [CommandInput] = []) throws {
        let files = try files(model, tokenizerJSON: tokenizerJSON, classificationHead: classificationHead,
                              modelType: modelType, sentenceTransformers: sentenceTransformers)
        try OutputPolicy.writeFolder(files, to: dir.path, kind: outputKind, force: force, inputs: inputs)
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let v = self else { throw error() }
        return v
    }
}
