import Foundation
import Testing

/// `polyglot embed` and `polyglot export` with sentence-transformers folders, through the binary: the folder's
/// prompts (`--prompt`, `--prompt-name`, default_prompt_name), its Normalize module (`--normalize`/`--no-normalize`),
/// and the exported folder's files.
@Suite struct EmbedPromptTests {
    static let fixture = CLI.root.appendingPathComponent("Tests/Fixtures/models/families/bert")

    /// The tiny BERT fixture as a sentence-transformers folder with two prompts, "query" the default.
    static func promptedModel(in dir: URL) throws -> URL {
        let model = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors", "tokenizer.json"] {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: model.appendingPathComponent(name))
        }
        let files = [
            "modules.json": #"[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}, {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]"#,
            "1_Pooling/config.json": #"{"word_embedding_dimension": 32, "pooling_mode_mean_tokens": true}"#,
            "sentence_bert_config.json": #"{"max_seq_length": 16, "do_lower_case": false}"#,
            "config_sentence_transformers.json": #"{"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query"}"#,
        ]
        for (name, text) in files { try Data(text.utf8).write(to: model.appendingPathComponent(name)) }
        return model
    }

    static func vectors(_ path: URL) throws -> [[Double]] {
        try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").compactMap { Double($0) } }
    }

    static func maxDiff(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
    }

    @Test func promptsAndNormalizeFollowTheFolderAndTheFlags() throws {
        let dir = try CLI.temporaryFolder("embed-prompt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.promptedModel(in: dir)
        let lines = ["hello world", "abc def ghi", "the cat"]
        let input = dir.appendingPathComponent("in.txt"), prefixed = dir.appendingPathComponent("prefixed.txt")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
        try Data((lines.map { "query: " + $0 }.joined(separator: "\n") + "\n").utf8).write(to: prefixed)
        func embed(_ name: String, _ extra: [String], input: URL = input) throws -> [[Double]] {
            let out = dir.appendingPathComponent(name)
            let o = try CLI.run(["embed", "--model", model.path, "--input", input.path, "--output", out.path] + extra)
            #expect(o.status == 0, "\(extra): \(o.stderr)")
            return try Self.vectors(out)
        }
        let byDefault = try embed("default.tsv", [])
        let explicit = try embed("explicit.tsv", ["--prompt", "query: "])
        let named = try embed("named.tsv", ["--prompt-name", "query"])
        let passage = try embed("passage.tsv", ["--prompt-name", "passage"])
        let none = try embed("none.tsv", ["--prompt", ""])
        let typed = try embed("typed.tsv", ["--prompt", ""], input: prefixed)
        #expect(byDefault.count == 3 && byDefault.allSatisfy { $0.count == 32 })
        // The default prompt is the folder's "query: ", prepended to the text before tokenization.
        #expect(Self.maxDiff(byDefault, explicit) == 0 && Self.maxDiff(byDefault, named) == 0)
        #expect(Self.maxDiff(byDefault, typed) < 1e-6)
        #expect(Self.maxDiff(byDefault, passage) > 1e-3 && Self.maxDiff(byDefault, none) > 1e-3)
        // The Normalize module makes unit vectors; --no-normalize turns it off.
        for v in byDefault { #expect(abs(v.map { $0 * $0 }.reduce(0, +).squareRoot() - 1) < 1e-5) }
        let raw = try embed("raw.tsv", ["--no-normalize"])
        #expect(raw.contains { abs($0.map { $0 * $0 }.reduce(0, +).squareRoot() - 1) > 1e-2 })

        let unknown = try CLI.run(["embed", "--model", model.path, "--input", input.path, "--output", dir.appendingPathComponent("x").path,
                                   "--prompt-name", "document"])
        #expect(unknown.status == 1)
        #expect(unknown.errorLines == [#"error: prompt_name: no prompt named "document" (the model has: passage, query)"#])
        let both = try CLI.run(["embed", "--model", model.path, "--input", input.path, "--output", dir.appendingPathComponent("y").path,
                                "--prompt", "a", "--prompt-name", "query"])
        #expect(both.status != 0 && both.stderr.contains("give --prompt or --prompt-name, not both"))
    }

    @Test func exportWritesTheFamilyAndTheSentenceTransformersFolder() throws {
        let dir = try CLI.temporaryFolder("export-st")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.promptedModel(in: dir)
        let out = dir.appendingPathComponent("out")
        let o = try CLI.run(["export", "--model", model.path, "--output", out.path, "--sentence-transformers", "--pooling", "cls"])
        #expect(o.status == 0, "\(o.stderr)")
        let files = CLI.snapshot(out)
        for name in ["config.json", "model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json",
                     "sentence_bert_config.json", "config_sentence_transformers.json"] {
            #expect(files[name] != nil, "\(name) not written (have \(files.keys.sorted()))")
        }
        let pooling = String(decoding: files["1_Pooling/config.json"] ?? Data(), as: UTF8.self)
        #expect(pooling.contains(#""pooling_mode_cls_token" : true"#), "\(pooling)")
        let prompts = String(decoding: files["config_sentence_transformers.json"] ?? Data(), as: UTF8.self)
        #expect(prompts.contains(#""query" : "query: ""#) && prompts.contains(#""default_prompt_name" : "query""#), "\(prompts)")
        let st = String(decoding: files["sentence_bert_config.json"] ?? Data(), as: UTF8.self)
        #expect(st.contains(#""max_seq_length" : 16"#), "\(st)")
        // The same model as DistilBERT is refused (two token types), naming the key; nothing is written.
        let refused = try CLI.run(["export", "--model", model.path, "--output", dir.appendingPathComponent("d").path, "--model-type", "distilbert"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("encoder.type_vocab_size: DistilBERT has no token types"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("d").path))
        let stray = try CLI.run(["export", "--model", model.path, "--output", dir.appendingPathComponent("e").path, "--pooling", "cls"])
        #expect(stray.status != 0 && stray.stderr.contains("add --sentence-transformers"))
    }
}
