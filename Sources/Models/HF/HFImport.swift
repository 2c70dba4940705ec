import Engine
import Foundation
import Platform

/// Loads a Hugging Face BERT-family folder (config.json + model.safetensors [+ tokenizer.json]) into a
/// `MultiTaskModel`. Every tensor must be accounted for: encoder weights are required, MLM and
/// classification weights fill the matching heads when they are requested, known leftovers (buffers,
/// the next-sentence head, a tied decoder) are listed as unused, and anything else is an error —
/// reported with every unmatched, missing and mis-shaped tensor at once, before any weight is set.
public enum HFImport {
    public struct Report: Sendable {
        /// (file name → Polyglot name) of every loaded tensor.
        public var loaded: [(String, String)] = []
        public var unused: [(name: String, reason: String)] = []
        /// Parameters that kept their fresh initialization (heads the checkpoint does not have).
        public var initialized: [String] = []
    }

    public static let configFile = "config.json", weightsFile = "model.safetensors", tokenizerFile = "tokenizer.json"

    /// The encoder configuration Polyglot uses for an HF config (RoBERTa's reserved position rows removed).
    public static func encoderConfig(_ c: HFBertConfig) -> EncoderConfig {
        EncoderConfig(vocabSize: c.vocabSize, hiddenSize: c.hiddenSize, numLayers: c.numHiddenLayers,
                      numHeads: c.numAttentionHeads, intermediateSize: c.intermediateSize, maxPositions: c.usablePositions,
                      typeVocabSize: c.typeVocabSize, numLanguages: 0, layerNormEps: Float(c.layerNormEps), preLayerNorm: false,
                      hiddenDropout: Float(c.hiddenDropoutProb), attentionDropout: Float(c.attentionProbsDropoutProb),
                      hiddenAct: c.hiddenAct, initializerRange: Float(c.initializerRange))
    }

    /// `adapters`: new adapters on the imported encoder (initialized from `seed`; the file holds only the base model).
    public static func load(directory dir: URL, heads: [HeadSpec] = [], maxBatch: Int, maxLength: Int? = nil,
                            seed: UInt64 = 0, adapters: AdapterSetup = AdapterSetup()) throws -> (model: MultiTaskModel, report: Report) {
        let hf = try HFBertConfig.load(dir.appendingPathComponent(configFile))
        let weightsURL = dir.appendingPathComponent(weightsFile)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            let hasBin = FileManager.default.fileExists(atPath: dir.appendingPathComponent("pytorch_model.bin").path)
            throw FileError(path: weightsURL.path, hasBin ? "missing (only pytorch_model.bin is present; convert it to safetensors)" : "missing")
        }
        let file = try SafetensorsFile(url: weightsURL)
        guard let family = hf.family else { throw ConfigError(file: dir.appendingPathComponent(configFile).path, key: "model_type", "unsupported") }
        var config = ModelConfig(encoder: encoderConfig(hf), padTokenId: hf.padTokenId, source: "hf:\(hf.modelType)")
        config.hfModelType = hf.modelType
        config.hfTokenizerClass = hf.tokenizerClass
        if family == .distilbert { config.sinusoidalPositions = hf.sinusoidalPositions }
        config.sentenceTransformers = try SentenceTransformersFolder.read(dir)
        config.adapters = adapters.isEmpty ? nil : adapters
        let length = Swift.min(maxLength ?? config.encoder.maxPositions, config.encoder.maxPositions)
        // Drawn below only for what the file does not provide (a large vocabulary is millions of draws).
        let model = try MultiTaskModel(config: config, heads: heads, maxBatch: maxBatch, maxLength: length, seed: seed, initialize: false)
        let store = model.store
        let hasMLM = heads.contains { $0.kind == .mlm }
        // The one sequence-level head an HF classifier can fill (BertForSequenceClassification's pooler +
        // classifier, RobertaClassificationHead's dense + out_proj have the same structure on [CLS]).
        let classifierHead = heads.filter { ($0.kind == .sequenceClassification || $0.kind == .pairClassification) && $0.pooling == .cls }
        var error = CheckpointError(path: weightsURL.path)
        var report = Report()
        var assignments: [WeightLoading.Assignment] = []
        var targets = Set<String>()
        var pooler: [String: SafetensorsFile.Entry] = [:]  // Polyglot pooler name → the file's tensor
        for e in file.entries {
            switch HFWeightNames.role(of: e.name, family: family) {
            case .encoder(let name):
                let skip = family == .roberta && name == "embeddings.position_embeddings.weight" ? hf.padTokenId + 1 : 0
                if targets.insert(name).inserted { assignments.append(.init(source: e.name, target: name, skipRows: skip)) }
                else { error.other.append("\(e.name) maps to \(name), which another tensor already provides") }
            case .pooler(let name):
                pooler[name] = e
            case .mlm(let name):
                guard hasMLM else { report.unused.append((e.name, "MLM weights, no MLM head requested")); continue }
                if targets.insert(name).inserted { assignments.append(.init(source: e.name, target: name)) }
                else { report.unused.append((e.name, "duplicate of the MLM bias")) }
            case .classifier(let name):
                guard classifierHead.count == 1 else {
                    report.unused.append((e.name, "classifier weights, no single [CLS] classification head requested")); continue
                }
                let prefix = TaskHeads.prefix(classifierHead[0].name)
                let target: String
                switch name {
                case "classifier.weight", "classifier.out_proj.weight": target = prefix + "proj.weight"
                case "classifier.bias", "classifier.out_proj.bias": target = prefix + "proj.bias"
                case "classifier.dense.weight": target = prefix + "dense.weight"
                default: target = prefix + "dense.bias"
                }
                if targets.insert(target).inserted { assignments.append(.init(source: e.name, target: target)) }
            case .unused(let reason):
                report.unused.append((e.name, reason))
            case .unknown:
                error.unexpected.append(e.name)
            }
        }
        // BERT's classifier sits on the pretrained pooler: the head's dense layer starts from it (as
        // BertForSequenceClassification does), with or without a trained classifier in the file.
        if classifierHead.count == 1, family == .bert {
            let prefix = TaskHeads.prefix(classifierHead[0].name)
            for (name, source) in pooler {
                let target = prefix + "dense." + (name.hasSuffix(".weight") ? "weight" : "bias")
                if targets.insert(target).inserted { assignments.append(.init(source: source.name, target: target)) }
            }
        }
        WeightLoading.check(assignments, file: file, store: store, into: &error)
        // Encoder weights are required; head weights may start fresh.
        for name in store.names where !targets.contains(name) {
            if (name.hasPrefix("embeddings.") || name.hasPrefix("encoder.")) && !AdapterSetup.isAdapterWeight(name) {
                error.missing.append(HFWeightNames.hfName(name, family: family))
            } else {
                report.initialized.append(name)
            }
        }
        guard error.isEmpty else { throw error }
        for e in store.entries where !targets.contains(e.name) { store.initialize(e) }
        try WeightLoading.apply(assignments, file: file, store: store)
        // Kept so that an export without a classification head writes the checkpoint's own pooler back.
        for (name, e) in pooler where e.dtype.isFloatingPoint {
            model.extraTensors[name] = (e.shape, try file.floats(e.name))
        }
        report.loaded = assignments.map { ($0.source, $0.target) }
        return (model, report)
    }
}
