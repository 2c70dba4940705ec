import ArgumentParser
import Engine
import Foundation
import Models
import Platform

/// `polyglot bench embed`: sentence-embedding throughput of a model folder on a text file, measured as the
/// sentence-transformers peer (bench/embed_bench.py) measures it: tokenization, encoding, pooling and
/// normalization of every line, best of --runs after one warm-up pass over the first 2 × --batch lines;
/// tokens counted with special tokens after truncation; peak resident memory of the whole process.
struct BenchEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Time sentence embeddings (sentences/s, tokens/s, peak memory) of a model folder on a text file.",
        discussion: "Pooling, normalization, maximum length and prompt default to the folder's sentence-transformers settings, as in `polyglot embed`."
    )

    @Option(help: "Model folder (Polyglot checkpoint or Hugging Face BERT-family folder).") var model: String
    @Option(help: "Text file, one sentence a line (blank lines skipped, as the peer does).") var input: String
    @Option(help: "Sentences per forward pass.") var batch = 32
    @Option(help: "Threads (the worker pool; OpenBLAS runs one thread per product chunk).") var threads = 2
    @Option(help: "Timed runs; the best is reported.") var runs = 3
    @Option(help: "Text prepended to every line, e.g. \"query: \" for e5.") var prompt = ""
    @Option(help: "Tokens per sentence, special tokens included (default: the folder's max_seq_length, else its positions).")
    var maxLength: Int?
    @Option(help: "Matrix products: fp32, or bf16 (AVX512-BF16; fp32 accumulation).") var precision: Precision = .fp32
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        try OptionRange.positive(batch, "--batch")
        try OptionRange.positive(threads, "--threads")
        try OptionRange.positive(runs, "--runs")
        if let maxLength { try OptionRange.atLeast(2, maxLength, "--max-length") }
    }

    func run() throws {
        do { try measure() } catch { fail(error) }
    }

    func measure() throws {
        Threads.configure(threads)
        let dir = URL(fileURLWithPath: model)
        let (positions, settings) = try ModelDirectory.embeddingDefaults(dir)
        let length = Swift.min(maxLength ?? settings?.maxSeqLength ?? positions, positions)
        let lines = try readTextLines(input, policy: .reject).filter { !$0.unicodeScalars.allSatisfy(\.properties.isWhitespace) }
        guard !lines.isEmpty else { throw FileError(path: input, "no sentences (every line is blank)") }
        let (tokenizer, _) = try ModelDirectory.loadTokenizer(dir)
        let m = try ModelDirectory.loadModel(dir, maxBatch: 1, maxLength: 1, tokenizer: tokenizer)
        try m.store.setPrecision(precision)
        let embedder = SentenceEmbedder(pooling: m.config.embeddingPooling ?? .mean, normalize: m.config.embeddingNormalize ?? false,
                                        batchSize: batch)
        let tokens = try SentenceEmbedder.tokenize(lines, tokenizer: tokenizer, maxLength: length, prompt: prompt)
            .reduce(0) { $0 + $1.count }
        _ = try embedder.embed(texts: Array(lines.prefix(2 * batch)), tokenizer: tokenizer, maxLength: length, model: m, prompt: prompt)
        var best = Double.infinity
        var vectors = 0
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            vectors = try embedder.embed(texts: lines, tokenizer: tokenizer, maxLength: length, model: m, prompt: prompt).count
            best = Swift.min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let peak = RuntimeInfo.peakResidentBytes
        let sentencesPerSecond = Double(vectors) / best, tokensPerSecond = Double(tokens) / best
        if json {
            let object: [String: Any] = [
                "sentences": vectors, "tokens": tokens, "seconds": best, "sentences_per_second": sentencesPerSecond,
                "tokens_per_second": tokensPerSecond, "peak_rss_bytes": peak, "threads": threads, "batch": batch,
                "max_length": length, "workspace_floats": m.inference.workspaceFloats, "precision": precision.rawValue, "blas_core": BLAS.coreName,
            ]
            try say(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            try say(String(format: "polyglot threads=%d precision=\(precision.rawValue) blas_core=\(BLAS.coreName) sentences=%d seconds=%.2f sentences/s=%.1f tokens/s=%.0f peak_rss_mb=%.0f",
                           threads, vectors, best, sentencesPerSecond, tokensPerSecond, Double(peak) / 1_048_576))
        }
    }
}
