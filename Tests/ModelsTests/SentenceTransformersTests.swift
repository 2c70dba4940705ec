import Foundation
import Testing
import Engine
import Models
import Platform

/// sentence-transformers folders: written by `HFExport` (modules.json, 1_Pooling, Normalize, max_seq_length,
/// prompts), read back by `SentenceTransformersFolder` and `HFImport`, refused where Polyglot cannot run them.
extension EngineBackedTests {
@Suite struct SentenceTransformersTests {
    static let settings = SentenceTransformersSettings(pooling: .cls, normalize: true, maxSeqLength: 10,
                                                       prompts: ["query": "query: ", "passage": "passage: "],
                                                       defaultPromptName: "query")

    static func json(_ url: URL) throws -> Any { try StrictJSON.read(path: url.path).foundationValue }

    @Test func exportWritesTheFolderAndImportReadsItBack() throws {
        let (model, _) = try HFImport.load(directory: FamilyParityTests.folder("bert"), maxBatch: 1, maxLength: 8)
        let tmp = try TestPaths.temporaryDirectory("st-export")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("st")
        try HFExport.write(model, tokenizerJSON: Data("{}".utf8), sentenceTransformers: Self.settings, to: out)

        let modules = try #require(try Self.json(out.appendingPathComponent("modules.json")) as? [[String: Any]])
        #expect(modules.map { $0["type"] as? String } == ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                                                          "sentence_transformers.models.Normalize"])
        #expect(modules.map { $0["path"] as? String } == ["", "1_Pooling", "2_Normalize"])
        #expect(modules.map { $0["idx"] as? Int } == [0, 1, 2])
        let pooling = try #require(try Self.json(out.appendingPathComponent("1_Pooling/config.json")) as? [String: Any])
        #expect(pooling["word_embedding_dimension"] as? Int == 32)
        #expect(pooling["pooling_mode_cls_token"] as? Bool == true && pooling["pooling_mode_mean_tokens"] as? Bool == false)
        #expect(pooling["pooling_mode_max_tokens"] as? Bool == false && pooling["include_prompt"] as? Bool == true)
        let bertConfig = try #require(try Self.json(out.appendingPathComponent("sentence_bert_config.json")) as? [String: Any])
        #expect(bertConfig["max_seq_length"] as? Int == 10 && bertConfig["do_lower_case"] as? Bool == false)
        let config = try #require(try Self.json(out.appendingPathComponent("config_sentence_transformers.json")) as? [String: Any])
        #expect(config["prompts"] as? [String: String] == ["query": "query: ", "passage": "passage: "])
        #expect(config["default_prompt_name"] as? String == "query")
        let marker = try #require(try Self.json(out.appendingPathComponent(OutputPolicy.markerName)) as? [String: Any])
        #expect((marker["files"] as? [String])?.contains("1_Pooling/config.json") == true)

        #expect(try SentenceTransformersFolder.read(out) == Self.settings)
        let (again, _) = try HFImport.load(directory: out, maxBatch: 1, maxLength: 8)
        #expect(again.config.sentenceTransformers == Self.settings)
        #expect(try ModelDirectory.defaultEmbeddingLength(out) == 10)
        // Exported again, the model's own settings travel with it.
        let second = tmp.appendingPathComponent("again")
        try HFExport.write(again, tokenizerJSON: Data("{}".utf8), sentenceTransformers: again.config.sentenceTransformers, to: second)
        #expect(try SentenceTransformersFolder.read(second) == Self.settings)
        // Without Normalize the module list stops at pooling; mean pooling is the default.
        let plain = tmp.appendingPathComponent("plain")
        try HFExport.write(model, tokenizerJSON: Data("{}".utf8), sentenceTransformers: SentenceTransformersSettings(maxSeqLength: 12), to: plain)
        #expect(try SentenceTransformersFolder.read(plain) == SentenceTransformersSettings(pooling: .mean, normalize: false, maxSeqLength: 12))
    }

    /// An export holding a subfolder is replaced like any other; a stranger's file inside 1_Pooling makes it foreign.
    @Test func subfolderOfAnExportIsPolyglotsOnlyWhenItHoldsWhatPolyglotWrote() throws {
        let (model, _) = try HFImport.load(directory: FamilyParityTests.folder("bert"), maxBatch: 1, maxLength: 8)
        let tmp = try TestPaths.temporaryDirectory("st-replace")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("st")
        try HFExport.write(model, tokenizerJSON: Data("{}".utf8), sentenceTransformers: Self.settings, to: out)
        #expect(try OutputPolicy.checkFolder(out.path, kind: HFExport.outputKind, force: false) == .replace)
        try HFExport.write(model, tokenizerJSON: Data("{}".utf8), sentenceTransformers: Self.settings, to: out)
        let stranger = out.appendingPathComponent("1_Pooling/notes.txt")
        try Data("mine".utf8).write(to: stranger)
        do {
            _ = try OutputPolicy.checkFolder(out.path, kind: HFExport.outputKind, force: false)
            Issue.record("a folder with a foreign file in 1_Pooling was replaceable")
        } catch let e as OutputRefusal {
            #expect("\(e)".contains("1_Pooling/notes.txt"), "\(e)")
        }
        // --force writes into it and deletes nothing.
        try HFExport.write(model, tokenizerJSON: Data("{}".utf8), sentenceTransformers: Self.settings, to: out, force: true)
        #expect(FileManager.default.fileExists(atPath: stranger.path))
    }

    /// A folder Polyglot cannot run as sentence-transformers would is refused, naming the file and the key.
    @Test func unsupportedModulesAndModesAreErrorsNamingTheKey() throws {
        let tmp = try TestPaths.temporaryDirectory("st-errors")
        defer { try? FileManager.default.removeItem(at: tmp) }
        func write(_ name: String, _ text: String) throws {
            let url = tmp.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        func key() -> (String, String)? {
            do { _ = try SentenceTransformersFolder.read(tmp); return nil } catch let e as ConfigError { return (e.file ?? "", e.key) } catch { return ("", "\(error)") }
        }
        #expect(try SentenceTransformersFolder.read(tmp) == nil)
        try write("modules.json", #"[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]"#)
        try write("1_Pooling/config.json", #"{"word_embedding_dimension": 32, "pooling_mode_mean_tokens": true}"#)
        #expect(key()?.1 == "[2].type")
        #expect(key()?.0.hasSuffix("modules.json") == true)
        try write("modules.json", #"[{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]"#)
        #expect(try SentenceTransformersFolder.read(tmp)?.pooling == .mean)
        try write("1_Pooling/config.json", #"{"pooling_mode_mean_tokens": false, "pooling_mode_max_tokens": true}"#)
        #expect(key()?.1 == "pooling_mode_max_tokens")
        #expect(key()?.0.hasSuffix("1_Pooling/config.json") == true)
        try write("1_Pooling/config.json", #"{"pooling_mode_mean_tokens": true, "include_prompt": false}"#)
        #expect(key()?.1 == "include_prompt")
        try write("1_Pooling/config.json", #"{"pooling_mode_cls_token": true}"#)
        try write("config_sentence_transformers.json", #"{"prompts": {"query": "query: "}, "default_prompt_name": "passage"}"#)
        #expect(key()?.1 == "default_prompt_name")
        try write("config_sentence_transformers.json", #"{"prompts": {"query": "query: "}, "default_prompt_name": null}"#)
        try write("sentence_bert_config.json", #"{"max_seq_length": 128, "do_lower_case": true}"#)
        #expect(key()?.1 == "do_lower_case")
        try write("sentence_bert_config.json", #"{"max_seq_length": 128, "do_lower_case": false}"#)
        #expect(try SentenceTransformersFolder.read(tmp) == SentenceTransformersSettings(pooling: .cls, normalize: false, maxSeqLength: 128,
                                                                                        prompts: ["query": "query: "]))
    }

    @Test func promptResolution() throws {
        var c = ModelConfig(encoder: EncoderConfig(vocabSize: 10, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 8))
        #expect(try c.prompt(text: nil, name: nil) == "")
        #expect(try c.prompt(text: "query: ", name: nil) == "query: ")
        #expect(throws: ConfigError.self) { _ = try c.prompt(text: nil, name: "query") }
        c.sentenceTransformers = Self.settings
        #expect(try c.prompt(text: nil, name: nil) == "query: ")
        #expect(try c.prompt(text: nil, name: "passage") == "passage: ")
        #expect(try c.prompt(text: "", name: nil) == "")
        #expect(throws: ConfigError.self) { _ = try c.prompt(text: "a", name: "query") }
        do { _ = try c.prompt(text: nil, name: "doc"); Issue.record("unknown prompt accepted") } catch let e as ConfigError {
            #expect(e.message.contains("passage, query"), "\(e)")
        }
        // Saved with a checkpoint: model.json round-trips the settings.
        let data = try JSONEncoder().encode(c)
        let back = try JSONDecoder().decode(ModelConfig.self, from: data)
        #expect(back.sentenceTransformers == Self.settings)
        try back.validate()
    }
}
}
