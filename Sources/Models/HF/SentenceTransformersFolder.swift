import Foundation
import Platform

/// How sentence-transformers turns a model folder into sentence vectors: the modules it chains
/// (`modules.json`: the transformer at the folder's root, `Pooling`, optionally `Normalize`), the pooling
/// mode (`1_Pooling/config.json`), the token limit (`sentence_bert_config.json` `max_seq_length`) and the
/// prompts prepended to texts (`config_sentence_transformers.json` `prompts`, `default_prompt_name`).
public struct SentenceTransformersSettings: Equatable, Sendable {
    public var pooling: Pooling?
    public var normalize: Bool
    public var maxSeqLength: Int?
    public var prompts: [String: String]
    public var defaultPromptName: String?

    public init(pooling: Pooling? = .mean, normalize: Bool = false, maxSeqLength: Int? = nil,
                prompts: [String: String] = [:], defaultPromptName: String? = nil) {
        self.pooling = pooling; self.normalize = normalize; self.maxSeqLength = maxSeqLength
        self.prompts = prompts; self.defaultPromptName = defaultPromptName
    }

    /// The prompt prepended to every text before tokenization, as sentence-transformers does: `text` when
    /// given, else the prompt `name` names, else the default prompt, else none ("").
    public func prompt(text: String?, name: String?) throws -> String {
        if let text {
            guard name == nil else { throw ConfigError(key: "prompt", "give a prompt text or a prompt name, not both") }
            return text
        }
        if let name {
            guard let p = prompts[name] else {
                let have = prompts.isEmpty ? "the model has no prompts" : "the model has: " + prompts.keys.sorted().joined(separator: ", ")
                throw ConfigError(key: "prompt_name", "no prompt named \"\(name)\" (\(have))")
            }
            return p
        }
        return defaultPromptName.flatMap { prompts[$0] } ?? ""
    }
}

/// Reads and writes the sentence-transformers files of a model folder. Reading is strict: a module
/// Polyglot cannot run (Dense, a pooling mode other than mean or CLS, prompts excluded from pooling,
/// lower-casing) is an error naming the file and key, never silently skipped.
public enum SentenceTransformersFolder {
    public static let modulesFile = "modules.json", poolingFolder = "1_Pooling", normalizeFolder = "2_Normalize"
    public static let bertConfigFile = "sentence_bert_config.json", configFile = "config_sentence_transformers.json"

    struct Module: Codable { var idx: Int; var name: String; var path: String; var type: String }

    struct PoolingConfig: Codable {
        var wordEmbeddingDimension: Int?
        var cls: Bool?, mean: Bool?, max: Bool?, meanSqrtLen: Bool?, weightedMean: Bool?, lastToken: Bool?
        var includePrompt: Bool?
        enum CodingKeys: String, CodingKey {
            case wordEmbeddingDimension = "word_embedding_dimension", cls = "pooling_mode_cls_token"
            case mean = "pooling_mode_mean_tokens", max = "pooling_mode_max_tokens"
            case meanSqrtLen = "pooling_mode_mean_sqrt_len_tokens", weightedMean = "pooling_mode_weightedmean_tokens"
            case lastToken = "pooling_mode_lasttoken", includePrompt = "include_prompt"
        }
    }

    struct BertConfig: Codable {
        var maxSeqLength: Int?
        var doLowerCase: Bool?
        enum CodingKeys: String, CodingKey { case maxSeqLength = "max_seq_length", doLowerCase = "do_lower_case" }
    }

    struct Config: Codable {
        var prompts: [String: String]?
        var defaultPromptName: String?
        var similarityFnName: String?
        enum CodingKeys: String, CodingKey {
            case prompts, defaultPromptName = "default_prompt_name", similarityFnName = "similarity_fn_name"
        }
    }

    /// The folder's settings, or nil when it has none of the files (a plain Hugging Face folder).
    public static func read(_ dir: URL) throws -> SentenceTransformersSettings? {
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        func exists(_ name: String) -> Bool { PathEntry(path: path(name)) != .missing }
        var poolingPath: String?
        var normalize = false
        var any = false
        if exists(modulesFile) {
            any = true
            let modules = try StrictJSON.decode([Module].self, path: path(modulesFile))
            for (i, m) in modules.enumerated() {
                switch m.type.split(separator: ".").last.map(String.init) ?? m.type {
                case "Transformer":
                    guard m.path.isEmpty || m.path == "." else {
                        throw ConfigError(file: path(modulesFile), key: "[\(i)].path",
                                          "the transformer is read from the folder itself, not from \"\(m.path)\"")
                    }
                case "Pooling": poolingPath = m.path
                case "Normalize": normalize = true
                default:
                    throw ConfigError(file: path(modulesFile), key: "[\(i)].type",
                                      "module \(m.type) is not supported (Polyglot runs Transformer, Pooling, Normalize)")
                }
            }
        } else if exists(poolingFolder + "/config.json") {
            poolingPath = poolingFolder
        }
        var settings = SentenceTransformersSettings(pooling: nil)
        settings.normalize = normalize
        if let poolingPath {
            any = true
            let file = path(poolingPath + "/config.json")
            let c = try StrictJSON.decode(PoolingConfig.self, path: file)
            for (key, on) in [("pooling_mode_max_tokens", c.max), ("pooling_mode_mean_sqrt_len_tokens", c.meanSqrtLen),
                              ("pooling_mode_weightedmean_tokens", c.weightedMean), ("pooling_mode_lasttoken", c.lastToken)] where on == true {
                throw ConfigError(file: file, key: key, "this pooling mode is not supported (Polyglot pools by mean or CLS)")
            }
            switch (c.mean == true, c.cls == true) {
            case (true, false): settings.pooling = .mean
            case (false, true): settings.pooling = .cls
            case (true, true):
                throw ConfigError(file: file, key: "pooling_mode_cls_token", "several pooling modes at once are not supported")
            case (false, false):
                throw ConfigError(file: file, key: "pooling_mode_mean_tokens", "no pooling mode is set")
            }
            if c.includePrompt == false {
                throw ConfigError(file: file, key: "include_prompt", "false (prompt tokens left out of pooling) is not supported")
            }
        }
        if exists(bertConfigFile) {
            any = true
            let c = try StrictJSON.decode(BertConfig.self, path: path(bertConfigFile))
            if c.doLowerCase == true {
                throw ConfigError(file: path(bertConfigFile), key: "do_lower_case", "true is not supported (give a tokenizer that lower-cases)")
            }
            if let n = c.maxSeqLength, n < 2 {
                throw ConfigError(file: path(bertConfigFile), key: "max_seq_length", "must be at least 2, found \(n)")
            }
            settings.maxSeqLength = c.maxSeqLength
        }
        if exists(configFile) {
            any = true
            let c = try StrictJSON.decode(Config.self, path: path(configFile))
            settings.prompts = c.prompts ?? [:]
            if let name = c.defaultPromptName {
                guard settings.prompts[name] != nil else {
                    throw ConfigError(file: path(configFile), key: "default_prompt_name",
                                      "\"\(name)\" is not among the prompts (\(settings.prompts.keys.sorted().joined(separator: ", ")))")
                }
                settings.defaultPromptName = name
            }
        }
        return any ? settings : nil
    }

    /// The files sentence-transformers writes for a model of width `hiddenSize` (paths relative to the folder).
    public static func files(_ s: SentenceTransformersSettings, hiddenSize: Int) throws -> [String: Data] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let pooling = s.pooling ?? .mean
        var modules = [Module(idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer"),
                       Module(idx: 1, name: "1", path: poolingFolder, type: "sentence_transformers.models.Pooling")]
        if s.normalize { modules.append(Module(idx: 2, name: "2", path: normalizeFolder, type: "sentence_transformers.models.Normalize")) }
        let poolingConfig = PoolingConfig(wordEmbeddingDimension: hiddenSize, cls: pooling == .cls, mean: pooling == .mean,
                                          max: false, meanSqrtLen: false, weightedMean: false, lastToken: false, includePrompt: true)
        var files: [String: Data] = [
            modulesFile: try enc.encode(modules),
            poolingFolder + "/config.json": try enc.encode(poolingConfig),
            configFile: try enc.encode(Config(prompts: s.prompts, defaultPromptName: s.defaultPromptName, similarityFnName: "cosine")),
        ]
        if let n = s.maxSeqLength { files[bertConfigFile] = try enc.encode(BertConfig(maxSeqLength: n, doLowerCase: false)) }
        return files
    }
}
