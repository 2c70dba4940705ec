import Data
import Foundation
import Models
import Platform
import Text

/// Sentence retrieval (Tatoeba): every source sentence and every target sentence is embedded (pooled
/// hidden states of a layer, L2-normalized); each source retrieves its nearest target by cosine and each
/// target its nearest source (ties to the lowest index), as XTREME scores Tatoeba.
public struct RetrievalSettings: Codable, Equatable, Sendable {
    /// Encoder layer to pool (nil: the last; 0: the embeddings).
    public var layer: Int?
    /// nil: the model's sentence-transformers pooling, else mean.
    public var pooling: Pooling?
    /// Text prepended to every sentence (sentence-transformers' prompt), or the name of one of the model's
    /// prompts; neither: the model's default prompt, if it has one.
    public var prompt: String?
    public var promptName: String?
    public init(layer: Int? = nil, pooling: Pooling? = nil, prompt: String? = nil, promptName: String? = nil) {
        self.layer = layer; self.pooling = pooling; self.prompt = prompt; self.promptName = promptName
    }

    /// The prompt these settings give for a model.
    public func prompt(for model: MultiTaskModel) throws -> String { try model.config.prompt(text: prompt, name: promptName) }
}

public enum RetrievalEvaluator {
    public static func predict(model: MultiTaskModel, tokenizer: Tokenizer, examples: [Example], settings: RetrievalSettings,
                               batchSize: Int, task: String) throws -> [PredictionRecord] {
        var sources: [String] = [], targets: [String] = []
        for ex in examples {
            guard case .translation(let s, let t) = ex.input else {
                throw ConfigError(key: "tasks", "task '\(task)', example \(ex.id): retrieval needs sentence pairs")
            }
            sources.append(s); targets.append(t)
        }
        let embedder = SentenceEmbedder(pooling: settings.pooling ?? model.config.embeddingPooling ?? .mean, normalize: true, layer: settings.layer, batchSize: batchSize)
        // sentence-transformers' max_seq_length, when the model came with one.
        let length = Swift.min(model.encoder.maxLength, model.config.embeddingMaxLength ?? .max)
        let prompt = try settings.prompt(for: model)
        let a = try embedder.embed(texts: sources, tokenizer: tokenizer, maxLength: length, model: model, prompt: prompt)
        let b = try embedder.embed(texts: targets, tokenizer: tokenizer, maxLength: length, model: model, prompt: prompt)
        let n = a.count, d = a.first?.count ?? 0
        var sim = [Float](repeating: 0, count: n * n)
        let fa = a.flatMap { $0 }, fb = b.flatMap { $0 }
        // Unit vectors: the dot product is the cosine.
        guard n > 0, d > 0 else { throw ConfigError(key: "tasks", "task '\(task)': nothing to retrieve") }
        fa.withUnsafeBufferPointer { pa in
            fb.withUnsafeBufferPointer { pb in
                sim.withUnsafeMutableBufferPointer { pc in
                    BLAS.sgemm(.none, .transposed, m: n, n: n, k: d, alpha: 1, a: pa, lda: d, b: pb, ldb: d, beta: 0, c: pc, ldc: n)
                }
            }
        }
        return (0..<n).map { i in
            var best = 0, rank = 1
            for j in 0..<n {
                if sim[i * n + j] > sim[i * n + best] { best = j }
                if sim[i * n + j] > sim[i * n + i] { rank += 1 }
            }
            var reverse = 0
            for j in 0..<n where sim[j * n + i] > sim[reverse * n + i] { reverse = j }
            return PredictionRecord(id: examples[i].id, gold: .index(i), predicted: .index(best), predictedReverse: reverse, goldRank: rank)
        }
    }
}
