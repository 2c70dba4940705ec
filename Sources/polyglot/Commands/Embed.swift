import ArgumentParser
import Engine
import Foundation
import Models
import Platform

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one sentence vector per input line (tab-separated floats).",
        discussion: """
        --model is a Polyglot checkpoint folder or a Hugging Face BERT-family folder (config.json, model.safetensors, \
        tokenizer.json). Pooling, normalization (the Normalize module), maximum length (max_seq_length) and the prompt \
        (default_prompt_name of config_sentence_transformers.json) default to the folder's sentence-transformers \
        settings when present. A prompt is prepended to every line before tokenization (e5 asks for "query: " or \
        "passage: ").
        """
    )

    @Option(help: "Model folder.") var model: String
    @Option(help: "Input text, one sentence per line (UTF-8).") var input: String
    @Option(help: "Output file: one line of tab-separated floats per input line.") var output: String
    @Option(help: "Pooling over tokens: mean or cls.") var pooling: String?
    @Flag(inversion: .prefixedNo, help: "L2-normalize every vector (default: when the folder has a Normalize module).")
    var normalize: Bool?
    @Option(help: "Text prepended to every line before tokenization, e.g. \"query: \".") var prompt: String?
    @Option(help: "Name of one of the folder's prompts (config_sentence_transformers.json), e.g. query.") var promptName: String?
    @Option(help: "Pool the output of this layer (0 = embeddings); default the last.") var layer: Int?
    @Option(help: "Sentences per forward pass.") var batchSize = 32
    @Option(help: "Tokens per sentence, special tokens included; longer sentences are truncated.") var maxLength: Int?
    @Option(help: "Matrix products: fp32, or bf16 (AVX512-BF16; fp32 accumulation; vectors differ from fp32's in about the third significant digit).")
    var precision: Precision = .fp32
    @Flag(help: "Replace an existing --output file Polyglot did not write (never a link, device or the input).") var force = false

    func validate() throws {
        if let pooling, Pooling(rawValue: pooling) == nil { throw ValidationError("--pooling must be mean or cls, got \(pooling)") }
        try OptionRange.positive(batchSize, "--batch-size")
        if let layer { try OptionRange.atLeast(0, layer, "--layer", meaning: "0 = embeddings") }
        if let maxLength { try OptionRange.atLeast(2, maxLength, "--max-length") }
        if prompt != nil && promptName != nil { throw ValidationError("give --prompt or --prompt-name, not both") }
    }

    func run() throws {
        Threads.configure()
        do {
            let dir = URL(fileURLWithPath: model)
            let chosenPooling = pooling.flatMap(Pooling.init(rawValue:))
            // The input, and every file of the model folder, are never the output.
            var inputs = [CommandInput(input, flag: "--input")]
            for name in (try? FileManager.default.contentsOfDirectory(atPath: model)) ?? [] {
                inputs.append(CommandInput(dir.appendingPathComponent(name).path, flag: "--model"))
            }
            try OutputPolicy.checkFile(output, force: force, inputs: inputs)
            let (positions, settings) = try ModelDirectory.embeddingDefaults(dir)
            let length = Swift.min(maxLength ?? settings?.maxSeqLength ?? positions, positions)
            guard length >= 2 else { throw ValidationError("--max-length must be at least 2") }
            let prefix = try (settings ?? SentenceTransformersSettings(pooling: nil)).prompt(text: prompt, name: promptName)
            let texts = try readLines(input)
            // Tokenized first, so that the encoder is sized for the longest input, not for every position.
            let (tokenizer, _) = try ModelDirectory.loadTokenizer(dir)
            let ids = try SentenceEmbedder.tokenize(texts, tokenizer: tokenizer, maxLength: length, prompt: prefix)
            let longest = Swift.max(1, ids.map(\.count).max() ?? 1)
            let m = try ModelDirectory.loadModel(dir, maxBatch: Swift.min(batchSize, Swift.max(1, ids.count)), maxLength: longest,
                                                 tokenizer: tokenizer)
            try m.store.setPrecision(precision)
            if let layer, !(0...m.config.encoder.numLayers).contains(layer) {
                throw ConfigError.layerOutOfRange(layer, layers: m.config.encoder.numLayers)
            }
            let embedder = SentenceEmbedder(pooling: chosenPooling ?? m.config.embeddingPooling ?? .mean,
                                            normalize: normalize ?? m.config.embeddingNormalize ?? false, layer: layer, batchSize: batchSize)
            let vectors = try embedder.embed(ids, with: m.inference)
            var out = ""
            out.reserveCapacity(vectors.count * m.config.encoder.hiddenSize * 12)
            for v in vectors {
                out += v.map { "\($0)" }.joined(separator: "\t")
                out += "\n"
            }
            try OutputPolicy.writeFile(Data(out.utf8), to: output, force: force, inputs: inputs)
        } catch let e as ValidationError {
            throw e
        } catch {
            fail(error)
        }
    }

    /// Lines of a UTF-8 file; a final newline does not start another line.
    func readLines(_ path: String) throws -> [String] {
        // Bounded lines, regular files only (Platform's LineReader).
        let reader = try LineReader(path: path)
        var lines: [String] = []
        while let line = try reader.next() { lines.append(line) }
        return lines
    }
}
