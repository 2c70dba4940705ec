import Foundation
import Testing
import Engine
import Platform
import Models

/// HF import of hand-made checkpoints (good and bad), HF export, and Polyglot's checkpoint folder.
extension EngineBackedTests {
@Suite struct CheckpointTests {
    static func tinyConfig(modelType: String = "bert", padTokenId: Int = 0, maxPositions: Int = 8, typeVocab: Int = 2) -> HFBertConfig {
        HFBertConfig(modelType: modelType, vocabSize: 10, hiddenSize: 4, numHiddenLayers: 1, numAttentionHeads: 2,
                     intermediateSize: 8, maxPositionEmbeddings: maxPositions, typeVocabSize: typeVocab, padTokenId: padTokenId)
    }

    /// Deterministic values for a named tensor (so a test can tell which file row landed where).
    static func values(_ name: String, _ count: Int) -> [Float] {
        var rng = RandomStream(seed: 1, name: name)
        return (0..<count).map { _ in rng.nextGaussian() }
    }

    /// Writes an HF folder: config + encoder weights under `prefix`, with edits applied to the tensor list.
    static func writeHF(_ dir: URL, config: HFBertConfig, prefix: String = "",
                        edit: (inout [(String, [Int])]) -> Void = { _ in }) throws {
        var tensors: [(String, [Int])] = HFWeightNames.encoderNames(layers: config.numHiddenLayers).map {
            (prefix + $0, HFWeightNames.encoderShapes(config)[$0]!)
        }
        edit(&tensors)
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for (name, shape) in tensors { try w.add(name, shape: shape, floats: values(name, shape.reduce(1, *))) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try w.write(to: dir.appendingPathComponent("model.safetensors"))
        try JSONEncoder().encode(config).write(to: dir.appendingPathComponent("config.json"))
    }

    func importError(_ dir: URL, heads: [HeadSpec] = []) -> String? {
        do { _ = try HFImport.load(directory: dir, heads: heads, maxBatch: 1); return nil } catch { return "\(error)" }
    }

    /// A NaN or an infinity among the weights is an error at load naming the file, the tensor and the
    /// first bad index (it used to give NaN embeddings and exit 0).
    @Test func nonFiniteWeightsAreRefusedAtLoad() throws {
        let dir = try TestPaths.temporaryDirectory("hf-nan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = Self.tinyConfig()
        try Self.writeHF(dir, config: config)
        let file = dir.appendingPathComponent("model.safetensors")
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for name in HFWeightNames.encoderNames(layers: config.numHiddenLayers) {
            let shape = HFWeightNames.encoderShapes(config)[name]!
            var v = Self.values(name, shape.reduce(1, *))
            if name == "embeddings.word_embeddings.weight" { v[5] = .nan }
            try w.add(name, shape: shape, floats: v)
        }
        try w.write(to: file)
        #expect(importError(dir) == "\(file.path): tensor \"embeddings.word_embeddings.weight\": value nan at index [1, 1] (flat 5); weights must be finite numbers")
        var inf = SafetensorsWriter()
        try inf.add("x", shape: [3], floats: [1, -.infinity, 2])
        try inf.write(to: file)
        #expect(throws: SafetensorsError(path: file.path, tensor: "x", "value -inf at index [1] (flat 1); weights must be finite numbers")) {
            _ = try SafetensorsFile(url: file).floats("x")
        }
    }

    /// config.json is parsed strictly: a key given twice is an error naming it.
    @Test func duplicateConfigKeysAreRefused() throws {
        let dir = try TestPaths.temporaryDirectory("hf-dup")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeHF(dir, config: Self.tinyConfig())
        let config = dir.appendingPathComponent("config.json")
        var text = String(decoding: try Data(contentsOf: config), as: UTF8.self)
        text.removeLast()   // the closing brace
        try Data((text + ", \"hidden_size\": 8}").utf8).write(to: config)
        #expect(importError(dir) == "\(config.path):1: invalid JSON: duplicate key hidden_size")
    }

    @Test func importsBertWithPrefixesAndTFNames() throws {
        let dir = try TestPaths.temporaryDirectory("hf-bert")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = Self.tinyConfig()
        try Self.writeHF(dir, config: config, prefix: "bert.") { t in
            // TF-era LayerNorm names, a buffer and an NSP head: all must be understood.
            t = t.map { ($0.0.hasSuffix("embeddings.LayerNorm.weight") ? "bert.embeddings.LayerNorm.gamma" :
                         $0.0.hasSuffix("embeddings.LayerNorm.bias") ? "bert.embeddings.LayerNorm.beta" : $0.0, $0.1) }
            t.append(("cls.seq_relationship.weight", [2, 4]))
            t.append(("cls.predictions.transform.dense.weight", [4, 4]))
            t.append(("cls.predictions.transform.dense.bias", [4]))
            t.append(("cls.predictions.transform.LayerNorm.weight", [4]))
            t.append(("cls.predictions.transform.LayerNorm.bias", [4]))
            t.append(("cls.predictions.bias", [10]))
        }
        let (model, report) = try HFImport.load(directory: dir, heads: [HeadSpec(name: "mlm", kind: .mlm)], maxBatch: 1)
        #expect(try model.store.get("embeddings.LayerNorm.weight") == Self.values("bert.embeddings.LayerNorm.gamma", 4))
        #expect(try model.store.get("encoder.layer.0.attention.self.key.weight") == Self.values("bert.encoder.layer.0.attention.self.key.weight", 16))
        #expect(try model.store.get("cls.predictions.bias") == Self.values("cls.predictions.bias", 10))
        #expect(report.unused.map(\.name) == ["cls.seq_relationship.weight"])
        #expect(report.initialized.isEmpty)
    }

    @Test func importsRobertaNamingAndPositionOffset() throws {
        let dir = try TestPaths.temporaryDirectory("hf-roberta")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = Self.tinyConfig(modelType: "xlm-roberta", padTokenId: 1, maxPositions: 10, typeVocab: 1)
        try Self.writeHF(dir, config: config, prefix: "roberta.") { t in
            t.append(("lm_head.dense.weight", [4, 4]))  // MLM weights without an MLM head: unused, listed
        }
        let (model, report) = try HFImport.load(directory: dir, maxBatch: 1)
        #expect(model.config.encoder.maxPositions == 8)
        #expect(model.config.encoder.typeVocabSize == 1)
        // Polyglot position 0 is RoBERTa's position padding_idx + 1 = 2.
        let file = Self.values("roberta.embeddings.position_embeddings.weight", 40)
        #expect(try model.store.get("embeddings.position_embeddings.weight") == Array(file[8...]))
        #expect(report.unused.map(\.name) == ["lm_head.dense.weight"])
    }

    @Test func importRejectsMissingUnknownAndMisshapedTensorsListingAll() throws {
        let dir = try TestPaths.temporaryDirectory("hf-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeHF(dir, config: Self.tinyConfig()) { t in
            t.removeAll { $0.0 == "encoder.layer.0.output.dense.bias" || $0.0 == "embeddings.LayerNorm.bias" }
            t = t.map { $0.0 == "encoder.layer.0.intermediate.dense.weight" ? ($0.0, [4, 8]) : $0 }
            t.append(("encoder.layer.0.mystery.weight", [3]))
        }
        let message = try #require(importError(dir))
        #expect(message.contains("missing tensors: "))
        #expect(message.contains("encoder.layer.0.output.dense.bias") && message.contains("embeddings.LayerNorm.bias"))
        #expect(message.contains("unmatched tensors: encoder.layer.0.mystery.weight"))
        #expect(message.contains("encoder.layer.0.intermediate.dense.weight expected [8, 4] found [4, 8]"))
        #expect(message.contains("model.safetensors"))
    }

    @Test func importRejectsBadFilesAndConfigs() throws {
        let dir = try TestPaths.temporaryDirectory("hf-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeHF(dir, config: Self.tinyConfig())
        let weights = dir.appendingPathComponent("model.safetensors")
        let good = try Data(contentsOf: weights)
        // Truncated weights.
        try good.prefix(good.count - 10).write(to: weights)
        #expect(importError(dir)?.contains("run past") == true)
        // Header lying about one tensor's size (shape edited in place, same length).
        var lying = good
        let header = String(decoding: good[8..<200], as: UTF8.self)
        let r = try #require(header.range(of: "\"shape\":[10,4]"))
        let at = 8 + header.utf8.distance(from: header.startIndex, to: r.lowerBound)
        lying.replaceSubrange(at..<(at + 14), with: Data("\"shape\":[10,3]".utf8))
        try lying.write(to: weights)
        let lie = importError(dir)
        #expect(lie?.contains("bytes but data_offsets") == true, "\(lie ?? "accepted")")
        try good.write(to: weights)
        #expect(importError(dir) == nil)
        // Config problems name the key.
        var cfg = Self.tinyConfig(); cfg.numAttentionHeads = 3
        try JSONEncoder().encode(cfg).write(to: dir.appendingPathComponent("config.json"))
        #expect(importError(dir)?.contains("num_attention_heads") == true)
        cfg = Self.tinyConfig(); cfg.modelType = "gpt2"
        try JSONEncoder().encode(cfg).write(to: dir.appendingPathComponent("config.json"))
        #expect(importError(dir)?.contains("model_type") == true)
        try Data(#"{"model_type": "bert", "hidden_size": 4}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(importError(dir)?.contains("vocab_size: missing") == true)
        try FileManager.default.removeItem(at: weights)
        try JSONEncoder().encode(Self.tinyConfig()).write(to: dir.appendingPathComponent("config.json"))
        #expect(importError(dir)?.contains("model.safetensors: missing") == true)
    }

    @Test func classifierImportsIntoTheClassificationHeadAndExportsBack() throws {
        let dir = try TestPaths.temporaryDirectory("hf-cls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("src"), out = dir.appendingPathComponent("out")
        try Self.writeHF(src, config: Self.tinyConfig(), prefix: "bert.") { t in
            t.append(("bert.pooler.dense.weight", [4, 4])); t.append(("bert.pooler.dense.bias", [4]))
            t.append(("classifier.weight", [3, 4])); t.append(("classifier.bias", [3]))
        }
        let spec = HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["x", "y", "z"])
        let (model, report) = try HFImport.load(directory: src, heads: [spec], maxBatch: 1)
        #expect(report.initialized.isEmpty)
        #expect(try model.store.get("heads.topic.dense.weight") == Self.values("bert.pooler.dense.weight", 16))
        #expect(try model.store.get("heads.topic.proj.bias") == Self.values("classifier.bias", 3))
        try HFExport.write(model, tokenizerJSON: Data("{}".utf8), classificationHead: "topic", to: out)
        let f = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors"))
        #expect(try f.floats("classifier.weight") == Self.values("classifier.weight", 12))
        #expect(try f.floats("bert.pooler.dense.bias") == Self.values("bert.pooler.dense.bias", 4))
        let cfg = try HFBertConfig.load(out.appendingPathComponent("config.json"))
        #expect(cfg.architectures == ["BertForSequenceClassification"])
        #expect(cfg.id2label == ["0": "x", "1": "y", "2": "z"])
        // Re-importing the export gives back the same head.
        let (again, _) = try HFImport.load(directory: out, heads: [spec], maxBatch: 1)
        for name in model.store.names { #expect(try again.store.get(name) == model.store.get(name), "\(name)") }
    }

    @Test func pretrainedPoolerInitializesANewClassificationHead() throws {
        let dir = try TestPaths.temporaryDirectory("hf-pooler")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeHF(dir, config: Self.tinyConfig()) { t in
            t.append(("pooler.dense.weight", [4, 4])); t.append(("pooler.dense.bias", [4]))
        }
        let spec = HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["x", "y"])
        let (model, report) = try HFImport.load(directory: dir, heads: [spec], maxBatch: 1)
        #expect(try model.store.get("heads.topic.dense.weight") == Self.values("pooler.dense.weight", 16))
        #expect(Set(report.initialized) == ["heads.topic.proj.weight", "heads.topic.proj.bias"])
        #expect(model.extraTensors["pooler.dense.bias"]?.values == Self.values("pooler.dense.bias", 4))
    }

    @Test func miniLMExportReimportsIdentically() throws {
        let dir = try TestPaths.temporaryDirectory("export")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("minilm-hf")
        let (model, tokenizer, json) = try ModelDirectory.load(TestPaths.miniLM, maxBatch: 1, maxLength: 16)
        _ = tokenizer
        try HFExport.write(model, tokenizerJSON: json, to: out)
        // Exported again over an existing export (its marker lists what it holds): replaced whole.
        try HFExport.write(model, tokenizerJSON: json, to: out)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == [OutputPolicy.markerName, "config.json", "model.safetensors", "tokenizer.json"])
        let rawConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as! [String: Any]
        for key in ["model_type", "architectures", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                    "intermediate_size", "hidden_act", "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "pad_token_id"] {
            #expect(rawConfig[key] != nil, "config.json lacks \(key)")
        }
        let original = try HFBertConfig.load(TestPaths.miniLM.appendingPathComponent("config.json"))
        let exported = try HFBertConfig.load(out.appendingPathComponent("config.json"))
        #expect(exported.vocabSize == original.vocabSize && exported.hiddenSize == original.hiddenSize
                && exported.numHiddenLayers == original.numHiddenLayers && exported.numAttentionHeads == original.numAttentionHeads
                && exported.intermediateSize == original.intermediateSize && exported.maxPositionEmbeddings == original.maxPositionEmbeddings
                && exported.layerNormEps == original.layerNormEps && exported.typeVocabSize == original.typeVocabSize)
        #expect(exported.architectures == ["BertModel"])
        let file = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors"))
        let source = try SafetensorsFile(url: TestPaths.miniLM.appendingPathComponent("model.safetensors"))
        #expect(Set(file.names) == Set(source.names).subtracting(["embeddings.position_ids"]))
        for name in file.names { #expect(try file.floats(name) == source.floats(name), "\(name)") }
        let (again, report) = try HFImport.load(directory: out, maxBatch: 1, maxLength: 16)
        #expect(report.unused.isEmpty)
        for name in model.store.names { #expect(try again.store.get(name) == model.store.get(name), "\(name)") }
        #expect(try Data(contentsOf: out.appendingPathComponent("tokenizer.json")) == json)
    }

    @Test func polyglotCheckpointRoundTripsWeightsHeadsAndPredictions() throws {
        let dir = try TestPaths.temporaryDirectory("ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ckpt = dir.appendingPathComponent("run/best")
        let encoder = EncoderConfig(vocabSize: 12, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8)
        let heads = [HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["a", "b", "c"]),
                     HeadSpec(name: "ner", kind: .tokenTagging, labels: ["O", "B-PER", "I-PER"]),
                     HeadSpec(name: "mlm", kind: .mlm)]
        let model = try MultiTaskModel(config: ModelConfig(encoder: encoder), heads: heads, maxBatch: 2, maxLength: 8, seed: 9)
        model.extraTensors["pooler.dense.bias"] = ([8], [Float](repeating: 0.5, count: 8))
        try ModelCheckpoint.save(model, tokenizerJSON: Data("{\"tok\":1}".utf8), to: ckpt, extraFiles: ["trainer.json": Data("{}".utf8)])
        let loaded = try ModelCheckpoint.load(ckpt, maxBatch: 2, maxLength: 8)
        #expect(loaded.headSpecs == heads)
        #expect(loaded.config == model.config)
        for name in model.store.names { #expect(try loaded.store.get(name) == model.store.get(name), "\(name)") }
        #expect(loaded.extraTensors["pooler.dense.bias"]?.values == [Float](repeating: 0.5, count: 8))
        let batch = TokenBatch(sequences: [[1, 2, 3], [4, 5]])
        guard case .classes(_, let a) = try model.predict(head: "topic", batch: batch),
              case .classes(_, let b) = try loaded.predict(head: "topic", batch: batch) else { Issue.record("wrong prediction kind"); return }
        #expect(a == b)
        #expect(try Data(contentsOf: ModelCheckpoint.tokenizerURL(ckpt)) == Data("{\"tok\":1}".utf8))
        // No temporary or backup folders are left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: ckpt.deletingLastPathComponent().path) == ["best"])
    }

    @Test func polyglotCheckpointRejectsDamage() throws {
        let dir = try TestPaths.temporaryDirectory("ckpt-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = EncoderConfig(vocabSize: 12, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8)
        let model = try MultiTaskModel(config: ModelConfig(encoder: encoder),
                                       heads: [HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["a", "b"])],
                                       maxBatch: 1, maxLength: 8)
        func fresh() throws -> URL {
            let c = dir.appendingPathComponent("c\(UInt32.random(in: 0...UInt32.max))")
            try ModelCheckpoint.save(model, tokenizerJSON: nil, to: c)
            return c
        }
        func loadError(_ c: URL) -> String? {
            do { _ = try ModelCheckpoint.load(c, maxBatch: 1, maxLength: 8); return nil } catch { return "\(error)" }
        }
        let ok = try fresh()
        #expect(loadError(ok) == nil)
        // Truncated weights: the manifest notices first.
        let t = try fresh(), w = t.appendingPathComponent(ModelCheckpoint.weightsFile)
        try Data(contentsOf: w).dropLast(4).write(to: w)
        #expect(loadError(t)?.contains("incomplete copy") == true)
        // A head whose label set changed no longer fits the saved projection.
        let h = try fresh()
        let spec = [HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["a", "b", "c"])]
        let heads = try JSONEncoder().encode(["heads": spec])
        try heads.write(to: h.appendingPathComponent(ModelCheckpoint.headsFile))
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: h.appendingPathComponent(ModelCheckpoint.manifestFile))) as! [String: Any]
        var files = manifest["files"] as! [String: Int]
        files[ModelCheckpoint.headsFile] = heads.count
        manifest["files"] = files
        try JSONSerialization.data(withJSONObject: manifest).write(to: h.appendingPathComponent(ModelCheckpoint.manifestFile))
        let message = try #require(loadError(h))
        #expect(message.contains("heads.topic.proj.weight expected [2, 8] found [3, 8]") || message.contains("heads.topic.proj.weight expected [3, 8] found [2, 8]"))
        // A missing model.json.
        let m = try fresh()
        try FileManager.default.removeItem(at: m.appendingPathComponent(ModelCheckpoint.modelFile))
        #expect(loadError(m)?.contains("missing") == true)
    }
}
}
