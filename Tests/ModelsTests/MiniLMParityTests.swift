import Foundation
import Testing
import Engine
import Models

/// The imported all-MiniLM-L6-v2 against sentence-transformers (fixture from
/// tools/reference/models_embeddings.py): the model part, fed the reference tokenizer's ids.
extension EngineBackedTests {
@Suite struct MiniLMParityTests {
    struct Fixture: Decodable {
        struct Sentence: Decodable { let lang: String; let text: String; let ids: [Int32]; let embedding: [Float] }
        struct Hidden: Decodable { let ids: [Int32]; let shape: [Int]; let values: [Float] }
        let sentences: [Sentence]
        let hidden_first: Hidden
        let max_seq_length: Int
    }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: TestPaths.fixture("minilm_embeddings.json")))
    }

    @Test func lastLayerHiddenStatesMatchTransformers() throws {
        let f = try Self.fixture()
        let (model, report) = try HFImport.load(directory: TestPaths.miniLM, maxBatch: 1, maxLength: 64)
        #expect(report.unused.map(\.name) == ["embeddings.position_ids"])
        #expect(report.initialized.isEmpty)
        #expect(model.config.embeddingPooling == .mean && model.config.embeddingMaxLength == 256)
        let ids = f.hidden_first.ids
        let hidden = try model.encoder.forward(tokenIDs: ids, attentionMask: [Int32](repeating: 1, count: ids.count),
                                               batch: 1, length: ids.count, training: false)
        #expect([1] + Array(f.hidden_first.shape) == hidden.shape.dims)
        var maxDiff: Float = 0
        for i in 0..<hidden.count { maxDiff = max(maxDiff, abs(hidden[i] - f.hidden_first.values[i])) }
        #expect(maxDiff < 1e-4, "max |Δ| of last-layer hidden states: \(maxDiff)")
    }

    @Test func meanPooledNormalizedEmbeddingsMatchSentenceTransformers() throws {
        let f = try Self.fixture()
        let (model, _) = try HFImport.load(directory: TestPaths.miniLM, maxBatch: 8, maxLength: f.max_seq_length)
        let embedder = SentenceEmbedder(pooling: .mean, normalize: true, batchSize: 8)
        let got = try embedder.embed(f.sentences.map(\.ids), with: model.inference)
        #expect(got.count == f.sentences.count)
        var maxDiff: Float = 0
        for (g, s) in zip(got, f.sentences) {
            for (a, b) in zip(g, s.embedding) { maxDiff = max(maxDiff, abs(a - b)) }
        }
        #expect(maxDiff < 1e-4, "max |Δ| over \(got.count) sentences in \(Set(f.sentences.map(\.lang)).count) languages: \(maxDiff)")
    }

    /// What `polyglot embed --pooling mean --normalize` does: tokenizer.json + model from the folder.
    @Test func textToEmbeddingPipelineMatchesSentenceTransformers() throws {
        let f = try Self.fixture()
        let length = try ModelDirectory.defaultEmbeddingLength(TestPaths.miniLM)
        #expect(length == f.max_seq_length)
        let (model, tokenizer, _) = try ModelDirectory.load(TestPaths.miniLM, maxBatch: 8, maxLength: length)
        var tok = tokenizer
        tok.maxLength = length
        for s in f.sentences {
            #expect(try tok.encode(s.text).ids.map(Int32.init) == s.ids, "token ids of a \(s.lang) sentence")
        }
        let got = try SentenceEmbedder(pooling: .mean, normalize: true, batchSize: 8)
            .embed(texts: f.sentences.map(\.text), tokenizer: tokenizer, maxLength: length, model: model)
        var maxDiff: Float = 0
        for (g, s) in zip(got, f.sentences) {
            #expect(g.count == s.embedding.count)
            for (a, b) in zip(g, s.embedding) { maxDiff = max(maxDiff, abs(a - b)) }
        }
        #expect(maxDiff < 1e-4, "max |Δ| from text: \(maxDiff)")
    }

    @Test func clsPoolingAndLayerSelection() throws {
        let f = try Self.fixture()
        let (model, _) = try HFImport.load(directory: TestPaths.miniLM, maxBatch: 2, maxLength: 64)
        let ids = f.hidden_first.ids
        let cls = try SentenceEmbedder(pooling: .cls, normalize: false).embed([ids], with: model.inference)[0]
        let d = f.hidden_first.shape[1]
        #expect(zip(cls, f.hidden_first.values.prefix(d)).allSatisfy { abs($0 - $1) < 1e-4 })
        // Layer 6 of 6 is the last layer; layer 0 (embeddings) differs from it.
        let last = try SentenceEmbedder(pooling: .mean, normalize: true, layer: 6).embed([ids], with: model.inference)[0]
        let byDefault = try SentenceEmbedder(pooling: .mean, normalize: true).embed([ids], with: model.inference)[0]
        #expect(last == byDefault)
        let first = try SentenceEmbedder(pooling: .mean, normalize: true, layer: 0).embed([ids], with: model.inference)[0]
        #expect(first != byDefault)
        #expect(throws: EngineError.self) { _ = try SentenceEmbedder(layer: 7).embed([ids], with: model.inference) }
    }
}
}
