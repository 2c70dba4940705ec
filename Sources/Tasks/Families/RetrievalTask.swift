import Data
import Foundation
import Models
import Platform
import Runs
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

/// Sentence retrieval (Tatoeba, BUCC-style bitext, label matching turned into retrieval): each source retrieves
/// its partner among the language's distinct partners (distinct, because label-matching data pairs many texts
/// with one label text), and each partner its source. Vectors come from the trained head when the model has
/// one for the task (pooled embeddings, or token vectors scored by late interaction) unless `settings` asks for
/// another layer or pooling; otherwise from pooled, L2-normalized hidden states (XTREME's protocol for
/// Tatoeba). Every ranking breaks ties towards the lower index, so accuracy@1 and the rank agree.
public struct RetrievalTask: TaskFamily {
    public let spec: TaskSpec
    public let head: HeadSpec
    public let settings: RetrievalSettings

    public var sequencesPerFeature: Int { 2 }

    public func encode(_ examples: [Example], tokenizer: Tokenizer) throws -> EncodedExamples {
        let state = EncoderState()
        var features: [EncodedExample] = []
        for (i, ex) in examples.enumerated() {
            guard case .translation(let source, let partner) = ex.input else { throw spec.wrongInput(ex) }
            let a = try tokenizer.encode(source, state: state), b = try tokenizer.encode(partner, state: state)
            features.append(EncodedExample(ids: a.ids32, target: .partner(ids: b.ids32, maskable: b.maskable), maskable: a.maskable, example: i))
        }
        return EncodedExamples(examples: examples, tokenizer: tokenizer, features: features)
    }

    /// Whether predictions go through the trained head (else pooled hidden states).
    public func usesHead(_ model: MultiTaskModel) -> Bool {
        model.heads[head.name] != nil && settings.layer == nil && settings.pooling == nil
    }

    public func predict(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord] {
        var partnerIndex: [String: Int] = [:], partners: [Int] = [], gold: [Int] = []
        for (i, ex) in encoded.examples.enumerated() {
            guard case .translation(_, let partner) = ex.input else { throw spec.wrongInput(ex) }
            if partnerIndex[partner] == nil { partnerIndex[partner] = partners.count; partners.append(i) }
            gold.append(partnerIndex[partner]!)
        }
        guard !encoded.examples.isEmpty else { throw ConfigError(key: "tasks", "task '\(spec.name)': nothing to retrieve") }
        let scores = try similarities(encoded, partners: partners, model: model, batchSize: batchSize)
        let n = encoded.examples.count, m = partners.count
        // Reverse direction: each source's partner retrieves a source.
        let reverseBest = (0..<m).map { j in RetrievalRanking.best(stride(from: j, to: n * m, by: m).map { scores[$0] }) }
        return (0..<n).map { i in
            let row = Array(scores[(i * m)..<((i + 1) * m)])
            return PredictionRecord(id: encoded.examples[i].id, gold: .index(gold[i]), predicted: .index(RetrievalRanking.best(row)),
                                    predictedReverse: reverseBest[gold[i]], goldRank: RetrievalRanking.rank(row, gold: gold[i]))
        }
    }

    /// Scores [source][distinct partner], row-major.
    func similarities(_ encoded: EncodedExamples, partners: [Int], model: MultiTaskModel, batchSize: Int) throws -> [Float] {
        let n = encoded.examples.count, m = partners.count
        let pad = Int32(model.config.padTokenId)
        let sources = encoded.features.map { (ids: $0.ids, maskable: $0.maskable) }
        let targets = partners.map { i -> (ids: [Int32], maskable: [Bool]) in
            guard case .partner(let ids, let maskable) = encoded.features[i].target else { preconditionFailure("retrieval feature without a partner") }
            return (ids, maskable)
        }
        let size = max(1, min(batchSize, model.encoder.maxBatch))
        func batches(_ sequences: [(ids: [Int32], maskable: [Bool])]) -> [(TokenBatch, [Int32])] {
            stride(from: 0, to: sequences.count, by: size).map { start in
                let slice = sequences[start..<min(sequences.count, start + size)]
                let batch = TokenBatch(sequences: slice.map(\.ids), pad: pad)
                return (batch, BatchAssembly.paddedMask(slice.map(\.maskable), length: batch.length))
            }
        }
        if usesHead(model), head.kind == .lateInteraction {
            var q: [[[Float]]] = [], d: [[[Float]]] = []
            for (batch, mask) in batches(sources) { q += try model.tokenVectors(head: head.name, batch: batch, candidateMask: mask) }
            for (batch, mask) in batches(targets) { d += try model.tokenVectors(head: head.name, batch: batch, candidateMask: mask) }
            return q.flatMap { query in d.map { LateInteractionHead.score(query: query, document: $0) } }
        }
        let a: [[Float]], b: [[Float]]
        if usesHead(model) {
            func embed(_ sequences: [(ids: [Int32], maskable: [Bool])]) throws -> [[Float]] {
                try batches(sequences).flatMap { batch, _ -> [[Float]] in
                    guard case .embeddings(let e) = try model.predict(head: head.name, batch: batch) else {
                        throw ConfigError(key: "tasks", "task '\(spec.name)': head '\(head.name)' does not embed")
                    }
                    return e
                }
            }
            a = try embed(sources); b = try embed(targets)
        } else {
            var sourceTexts: [String] = [], partnerTexts: [String] = []
            for ex in encoded.examples { if case .translation(let s, _) = ex.input { sourceTexts.append(s) } }
            for i in partners { if case .translation(_, let t) = encoded.examples[i].input { partnerTexts.append(t) } }
            let embedder = SentenceEmbedder(pooling: settings.pooling ?? model.config.embeddingPooling ?? .mean, normalize: true,
                                            layer: settings.layer, batchSize: size)
            // sentence-transformers' max_seq_length, when the model came with one.
            let length = Swift.min(model.encoder.maxLength, model.config.embeddingMaxLength ?? .max)
            let prompt = try settings.prompt(for: model)
            a = try embedder.embed(texts: sourceTexts, tokenizer: encoded.tokenizer, maxLength: length, model: model, prompt: prompt)
            b = try embedder.embed(texts: partnerTexts, tokenizer: encoded.tokenizer, maxLength: length, model: model, prompt: prompt)
        }
        let d = a.first?.count ?? 0
        guard d > 0 else { throw ConfigError(key: "tasks", "task '\(spec.name)': nothing to retrieve") }
        var sim = [Float](repeating: 0, count: n * m)
        let fa = a.flatMap { $0 }, fb = b.flatMap { $0 }
        // Unit vectors: the dot product is the cosine.
        fa.withUnsafeBufferPointer { pa in
            fb.withUnsafeBufferPointer { pb in
                sim.withUnsafeMutableBufferPointer { pc in
                    BLAS.sgemm(.none, .transposed, m: n, n: m, k: d, alpha: 1, a: pa, lda: d, b: pb, ldb: d, beta: 0, c: pc, ldc: m)
                }
            }
        }
        return sim
    }
}

