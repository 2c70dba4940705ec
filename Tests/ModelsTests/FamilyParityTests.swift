import Foundation
import Testing
import Engine
import Models
import Platform

/// Tiny random BERT, RoBERTa, XLM-R and DistilBERT (learned and sinusoidal positions) built by
/// tools/reference/models_families.py: hidden states against transformers', export → re-import, the exported
/// files per family, and errors naming the tensor.
extension EngineBackedTests {
@Suite struct FamilyParityTests {
    struct Golden: Decodable {
        struct Model: Decodable {
            let `class`: String
            let pad_token_id: Int
            let ids: [[Int32]]
            let attention_mask: [[Int32]]
            let token_type_ids: [[Int32]]?
            let shape: [Int]
            let hidden: [Float]
        }
        let models: [String: Model]
    }

    static let families = ["bert", "roberta", "xlm-roberta", "distilbert-learned", "distilbert-sinusoidal"]
    static let modelTypes = ["bert": "bert", "roberta": "roberta", "xlm-roberta": "xlm-roberta",
                             "distilbert-learned": "distilbert", "distilbert-sinusoidal": "distilbert"]

    static func folder(_ name: String) -> URL { TestPaths.fixture("families").appendingPathComponent(name) }

    static func golden(_ name: String) throws -> Golden.Model {
        let all = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: TestPaths.fixture("families/golden.json")))
        return try #require(all.models[name], "golden.json has no model \(name)")
    }

    /// Max |Δ| between the model's last hidden states on the golden batch and transformers', over real tokens.
    static func maxDiff(_ model: MultiTaskModel, _ g: Golden.Model) throws -> Float {
        let b = g.ids.count, t = g.ids[0].count, d = g.shape[2]
        let mask = g.attention_mask.flatMap { $0 }
        let hidden = try model.encoder.forward(tokenIDs: g.ids.flatMap { $0 }, attentionMask: mask,
                                               tokenTypeIDs: g.token_type_ids.map { $0.flatMap { $0 } },
                                               batch: b, length: t, training: false)
        #expect(hidden.shape.dims == g.shape)
        var worst: Float = 0
        for p in 0..<(b * t) where mask[p] != 0 {
            for c in 0..<d { worst = max(worst, abs(hidden[p * d + c] - g.hidden[p * d + c])) }
        }
        return worst
    }

    @Test(arguments: families) func importMatchesTransformers(_ name: String) throws {
        let g = try Self.golden(name)
        let (model, report) = try HFImport.load(directory: Self.folder(name), maxBatch: 3, maxLength: 12)
        #expect(model.config.hfModelType == Self.modelTypes[name])
        #expect(model.config.padTokenId == g.pad_token_id)
        #expect(report.initialized.isEmpty)
        let hasTypes = model.store.names.contains("embeddings.token_type_embeddings.weight")
        #expect(hasTypes == !name.hasPrefix("distilbert"))
        if name == "distilbert-sinusoidal" { #expect(model.config.sinusoidalPositions == true) }
        let diff = try Self.maxDiff(model, g)
        print("\(name) import: max |Δ| of last hidden states against transformers \(diff)")
        #expect(diff < 1e-4, "\(name): max |Δ| of last hidden states \(diff)")
    }

    /// Export writes the family's own tensor names, shapes and values (RoBERTa's reserved position rows,
    /// which only padding reads, are zeros); importing the export gives the same weights and hidden states.
    @Test(arguments: families) func exportRoundTrip(_ name: String) throws {
        let source = Self.folder(name)
        let (model, _) = try HFImport.load(directory: source, maxBatch: 3, maxLength: 12)
        let tmp = try TestPaths.temporaryDirectory("family-\(name)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("export")
        let tokenizer = try Data(contentsOf: source.appendingPathComponent("tokenizer.json"))
        try HFExport.write(model, tokenizerJSON: tokenizer, to: out)

        let original = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors"))
        let exported = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors"))
        #expect(Set(exported.names) == Set(original.names), "\(name): tensor names of the export")
        let pad = model.config.padTokenId
        for e in original.entries {
            guard let x = exported.entry(e.name) else { continue }
            #expect(x.shape == e.shape, "\(name): \(e.name) shape")
            var a = try original.floats(e.name), b = try exported.floats(e.name)
            if name.contains("roberta") && e.name == "embeddings.position_embeddings.weight" {
                let d = e.shape[1]
                #expect(b.prefix((pad + 1) * d).allSatisfy { $0 == 0 }, "reserved position rows are zeros")
                a.removeFirst((pad + 1) * d); b.removeFirst((pad + 1) * d)
            }
            #expect(a == b, "\(name): \(e.name) values")
        }
        let (again, report) = try HFImport.load(directory: out, maxBatch: 3, maxLength: 12)
        #expect(report.initialized.isEmpty)
        #expect(again.config.hfModelType == model.config.hfModelType)
        #expect(again.config.encoder == model.config.encoder)
        #expect(again.store.names == model.store.names)
        for n in model.store.names { #expect(try again.store.get(n) == model.store.get(n), "\(name): \(n) after re-import") }
        let diff = try Self.maxDiff(again, Self.golden(name))
        #expect(diff < 1e-4, "\(name) re-imported: max |Δ| \(diff)")
    }

    /// config.json of the export: the family's model_type, architecture and keys, the original's values.
    @Test(arguments: families) func exportedConfigIsTheFamilys(_ name: String) throws {
        let source = Self.folder(name)
        let (model, _) = try HFImport.load(directory: source, maxBatch: 1, maxLength: 8)
        let files = try HFExport.files(model, tokenizerJSON: Data("{}".utf8))
        #expect(Set(files.keys) == ["config.json", "model.safetensors", "tokenizer.json"])
        let config = try #require(files["config.json"])
        let exported = try #require(try StrictJSON.parse(config, path: "config.json").foundationValue as? [String: Any])
        let original = try #require(try StrictJSON.read(path: source.appendingPathComponent("config.json").path).foundationValue as? [String: Any])
        let g = try Self.golden(name)
        #expect(exported["model_type"] as? String == Self.modelTypes[name])
        #expect(exported["architectures"] as? [String] == [g.class])
        let keys = name.hasPrefix("distilbert")
            ? ["vocab_size", "dim", "n_layers", "n_heads", "hidden_dim", "activation", "max_position_embeddings",
               "sinusoidal_pos_embds", "pad_token_id", "dropout", "attention_dropout"]
            : ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
               "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "pad_token_id"]
        for key in keys {
            let a = try #require(exported[key], "\(name): exported config.json lacks \(key)")
            let b = try #require(original[key], "\(name): original config.json lacks \(key)")
            #expect("\(a)" == "\(b)", "\(name): \(key) exported \(a), original \(b)")
        }
        if name.hasPrefix("distilbert") {
            for key in ["hidden_size", "num_hidden_layers", "type_vocab_size"] { #expect(exported[key] == nil, "\(name): BERT key \(key) written") }
        }
    }

    /// What DistilBERT cannot express is refused: a LayerNorm epsilon other than its fixed 1e-12 (XLM-R's
    /// 1e-5), two token types (BERT); an unknown model_type too.
    @Test func distilBertExportRefusesWhatItCannotExpress() throws {
        let (xlmr, _) = try HFImport.load(directory: Self.folder("xlm-roberta"), maxBatch: 1, maxLength: 8)
        #expect(throws: ConfigError.self) { _ = try HFExport.files(xlmr, tokenizerJSON: Data(), modelType: "distilbert") }
        let (bert, _) = try HFImport.load(directory: Self.folder("bert"), maxBatch: 1, maxLength: 8)
        do {
            _ = try HFExport.files(bert, tokenizerJSON: Data(), modelType: "distilbert")
            Issue.record("two token types exported as DistilBERT")
        } catch let e as ConfigError {
            #expect(e.key == "encoder.type_vocab_size")
        }
        #expect(throws: ConfigError.self) { _ = try HFExport.files(bert, tokenizerJSON: Data(), modelType: "gpt2") }
    }

    /// The BERT fixture written as RoBERTa gains `pad + 1` position rows and keeps its hidden states.
    @Test func bertExportedAsRobertaKeepsItsHiddenStates() throws {
        let (bert, _) = try HFImport.load(directory: Self.folder("bert"), maxBatch: 3, maxLength: 12)
        let tmp = try TestPaths.temporaryDirectory("as-roberta")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("r")
        try HFExport.write(bert, tokenizerJSON: Data("{}".utf8), modelType: "roberta", to: out)
        let config = try HFBertConfig.load(out.appendingPathComponent("config.json"))
        #expect(config.modelType == "roberta" && config.maxPositionEmbeddings == 40 + bert.config.padTokenId + 1)
        let (again, _) = try HFImport.load(directory: out, maxBatch: 3, maxLength: 12)
        #expect(try Self.maxDiff(again, Self.golden("bert")) < 1e-4)
    }

    /// A [CLS] classification head on RoBERTa / XLM-R is written as …ForSequenceClassification (`roberta.*`,
    /// `classifier.dense`, `classifier.out_proj`, no pooler) and read back into the same head.
    @Test(arguments: ["roberta", "xlm-roberta"]) func robertaClassificationHeadRoundTrip(_ name: String) throws {
        let spec = HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["a", "b", "c"], pooling: .cls)
        let (model, report) = try HFImport.load(directory: Self.folder(name), heads: [spec], maxBatch: 1, maxLength: 8, seed: 5)
        #expect(report.initialized.sorted() == ["heads.topic.dense.bias", "heads.topic.dense.weight", "heads.topic.proj.bias", "heads.topic.proj.weight"])
        let tmp = try TestPaths.temporaryDirectory("roberta-head")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("cls")
        try HFExport.write(model, tokenizerJSON: Data("{}".utf8), classificationHead: "topic", to: out)
        let file = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors"))
        #expect(file.names.contains("roberta.encoder.layer.1.output.dense.weight"))
        #expect(file.entry("classifier.dense.weight")?.shape == [32, 32] && file.entry("classifier.out_proj.weight")?.shape == [3, 32])
        #expect(!file.names.contains { $0.contains("pooler") })
        let config = try HFBertConfig.load(out.appendingPathComponent("config.json"))
        #expect(config.architectures == [name == "roberta" ? "RobertaForSequenceClassification" : "XLMRobertaForSequenceClassification"])
        #expect(config.id2label == ["0": "a", "1": "b", "2": "c"])
        let (again, r2) = try HFImport.load(directory: out, heads: [spec], maxBatch: 1, maxLength: 8, seed: 9)
        #expect(r2.initialized.isEmpty)
        for n in model.store.names { #expect(try again.store.get(n) == model.store.get(n), "\(n)") }
    }

    // MARK: - Errors name the tensor

    /// Copies a fixture with its tensors passed through `edit` (nil drops one).
    static func editedCopy(_ name: String, into dir: URL, edit: (String, [Int], [Float]) -> (String, [Int], [Float])?) throws -> URL {
        let source = folder(name)
        let out = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for f in ["config.json", "tokenizer.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: out.appendingPathComponent(f))
        }
        let file = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors"))
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for e in file.entries {
            if let (n, s, v) = edit(e.name, e.shape, try file.floats(e.name)) { try w.add(n, shape: s, floats: v) }
        }
        try w.write(to: out.appendingPathComponent("model.safetensors"))
        return out
    }

    static func importError(_ dir: URL) -> String? {
        do { _ = try HFImport.load(directory: dir, maxBatch: 1, maxLength: 8); return nil } catch { return "\(error)" }
    }

    @Test func nameAndShapeMismatchesNameTheTensor() throws {
        let tmp = try TestPaths.temporaryDirectory("mismatch")
        defer { try? FileManager.default.removeItem(at: tmp) }
        // BERT: a misspelt tensor (unmatched, and its target missing) and one with a row too few.
        let bert = try Self.editedCopy("bert", into: tmp) { n, s, v in
            if n == "encoder.layer.1.attention.self.query.weight" { return ("encoder.layer.1.attention.self.querry.weight", s, v) }
            if n == "encoder.layer.0.intermediate.dense.weight" { return (n, [s[0] - 1, s[1]], Array(v.dropLast(s[1]))) }
            return (n, s, v)
        }
        let message = try #require(Self.importError(bert))
        #expect(message.contains("unmatched tensors: encoder.layer.1.attention.self.querry.weight"), "\(message)")
        #expect(message.contains("missing tensors: encoder.layer.1.attention.self.query.weight"), "\(message)")
        #expect(message.contains("encoder.layer.0.intermediate.dense.weight expected [64, 32] found [63, 32]"), "\(message)")
        #expect(!message.contains("\n"))
        #expect(message.hasPrefix(bert.appendingPathComponent("model.safetensors").path))
        // DistilBERT: errors use DistilBERT's names; a token-type table has no place in it.
        let distil = try Self.editedCopy("distilbert-learned", into: tmp) { n, s, v in
            if n == "transformer.layer.1.ffn.lin1.weight" { return nil }
            if n == "transformer.layer.0.sa_layer_norm.bias" { return (n, [s[0] + 1], v + [0]) }
            if n == "embeddings.LayerNorm.bias" { return ("embeddings.token_type_embeddings.weight", [2, 32], [Float](repeating: 0, count: 64)) }
            return (n, s, v)
        }
        let m2 = try #require(Self.importError(distil))
        #expect(m2.contains("missing tensors: ") && m2.contains("transformer.layer.1.ffn.lin1.weight"), "\(m2)")
        #expect(m2.contains("embeddings.LayerNorm.bias"), "\(m2)")
        #expect(m2.contains("unmatched tensors: embeddings.token_type_embeddings.weight"), "\(m2)")
        #expect(m2.contains("transformer.layer.0.sa_layer_norm.bias expected [32] found [33]"), "\(m2)")
        // RoBERTa: the position table must hold the reserved rows too.
        let roberta = try Self.editedCopy("roberta", into: tmp) { n, s, v in
            n == "embeddings.position_embeddings.weight" ? (n, [s[0] - 2, s[1]], Array(v.dropFirst(2 * s[1]))) : (n, s, v)
        }
        let m3 = try #require(Self.importError(roberta))
        #expect(m3.contains("embeddings.position_embeddings.weight expected [42, 32] found [40, 32]"), "\(m3)")
    }

    @Test func distilBertConfigErrorsNameItsKeys() throws {
        let tmp = try TestPaths.temporaryDirectory("distil-config")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let url = tmp.appendingPathComponent("config.json")
        try Data(#"{"model_type": "distilbert", "vocab_size": 10, "dim": 30, "n_heads": 4, "activation": "gelu"}"#.utf8).write(to: url)
        do { _ = try HFBertConfig.load(url); Issue.record("accepted") } catch let e as ConfigError { #expect(e.key == "n_heads") }
        try Data(#"{"model_type": "distilbert", "vocab_size": 10, "dim": 32, "n_heads": 4, "activation": "relu"}"#.utf8).write(to: url)
        do { _ = try HFBertConfig.load(url); Issue.record("accepted") } catch let e as ConfigError { #expect(e.key == "activation") }
    }
}
}
