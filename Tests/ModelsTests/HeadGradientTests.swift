import Foundation
import Testing
import Engine
import Platform
import Models

/// Finite-difference checks of every head's loss with respect to its own weights and to the hidden
/// states it reads (the gradient the encoder's backward receives).
extension EngineBackedTests {
@Suite struct HeadGradientTests {
    static let hidden = 6

    struct Case {
        var spec: HeadSpec
        var sequences: Int
        var length: Int
        var targets: HeadTargets
        var mask: [Int32]? = nil
        var candidates: [Int32]? = nil
        /// Central-difference step; a max (late interaction) needs one small enough not to change the argmax.
        var eps: Float = 1e-2
    }

    /// Compares analytic and central-difference gradients; returns the worst (|Δ| − tolerance).
    func check(_ c: Case, makeHead: ((ParameterStore) throws -> TaskHead)? = nil, paramFilter: (String) -> Bool = { _ in true }) throws {
        let store = ParameterStore(seed: 11)
        let head = try makeHead?(store) ?? TaskHeads.make(c.spec, hiddenSize: Self.hidden, store: store)
        try store.allocate()
        var rng = RandomStream(seed: 5, name: "gradcheck")
        // Biases start at zero and LayerNorm at one; random values exercise every term.
        for i in 0..<store.count { store.values[i] = rng.nextGaussian() * 0.5 }
        let n = c.sequences, t = c.length, h = Self.hidden
        let x = OwnedTensor(.rank3(n, t, h))
        for i in 0..<x.tensor.count { x.tensor[i] = rng.nextGaussian() }
        let mask = c.mask ?? [Int32](repeating: 1, count: n * t)
        let input = HeadInput(hidden: x.tensor, attentionMask: mask, candidateMask: c.candidates)
        let dx = OwnedTensor(.rank3(n, t, h))
        store.zeroGradients()
        let loss = try head.loss(input, targets: c.targets, dHidden: dx.tensor, dropoutSeed: nil)
        #expect(loss.isFinite && loss > 0, "\(c.spec.kind): loss \(loss)")
        let analytic = store.gradients.toArray()
        func lossAt() throws -> Double {
            Double(try head.loss(input, targets: c.targets, dHidden: nil, dropoutSeed: nil))
        }
        let eps = c.eps
        var checked = 0, worst = 0.0
        func compare(_ a: Float, _ numeric: Double, _ what: String) {
            let tol = 2e-3 + 2e-2 * abs(numeric)
            let excess = abs(Double(a) - numeric) - tol
            worst = max(worst, excess)
            #expect(excess <= 0, "\(c.spec.kind) \(what): analytic \(a) vs numeric \(numeric)")
            checked += 1
        }
        for e in store.entries where paramFilter(e.name) {
            // Large tables (the MLM decoder's vocabulary) are sampled.
            let stride = max(1, e.shape.count / 40)
            for k in Swift.stride(from: 0, to: e.shape.count, by: stride) {
                let i = e.offset + k
                let v = store.values[i]
                store.values[i] = v + eps; let up = try lossAt()
                store.values[i] = v - eps; let down = try lossAt()
                store.values[i] = v
                compare(analytic[i], (up - down) / Double(2 * eps), "\(e.name)[\(k)]")
            }
        }
        for i in 0..<x.tensor.count {
            let v = x.tensor[i]
            x.tensor[i] = v + eps; let up = try lossAt()
            x.tensor[i] = v - eps; let down = try lossAt()
            x.tensor[i] = v
            compare(dx.tensor[i], (up - down) / Double(2 * eps), "hidden[\(i)]")
        }
        #expect(checked >= x.tensor.count)
    }

    static let ignore = CrossEntropyOp.ignoreIndex

    @Test func sequenceClassificationCLS() throws {
        try check(Case(spec: HeadSpec(name: "cls", kind: .sequenceClassification, labels: ["a", "b", "c"]),
                       sequences: 4, length: 3, targets: .classes([0, 2, 1, Self.ignore])))
    }

    @Test func pairClassificationMeanPooling() throws {
        try check(Case(spec: HeadSpec(name: "nli", kind: .pairClassification, labels: ["e", "n", "c"], pooling: .mean),
                       sequences: 3, length: 4, targets: .classes([1, 0, 2]),
                       mask: [1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1]))
    }

    @Test func regression() throws {
        try check(Case(spec: HeadSpec(name: "sts", kind: .regression), sequences: 4, length: 3, targets: .values([0.5, -1, 2, 0.1])))
    }

    @Test func tokenTagging() throws {
        let i = Self.ignore
        try check(Case(spec: HeadSpec(name: "pos", kind: .tokenTagging, labels: ["x", "y", "z", "w"]),
                       sequences: 2, length: 4, targets: .tokenClasses([i, 1, 3, i, i, 0, i, 2])))
    }

    @Test func spanQA() throws {
        try check(Case(spec: HeadSpec(name: "qa", kind: .spanQA), sequences: 3, length: 5,
                       targets: .spans(start: [1, 3, 0], end: [2, 4, 0])))
    }

    @Test func multipleChoice() throws {
        try check(Case(spec: HeadSpec(name: "mc", kind: .multipleChoice, numChoices: 3), sequences: 6, length: 2,
                       targets: .classes([2, 0])))
    }

    @Test func contrastiveEmbeddingMeanAndCLS() throws {
        try check(Case(spec: HeadSpec(name: "emb", kind: .embedding, pooling: .mean, temperature: 0.5), sequences: 6, length: 3,
                       targets: .parallelPairs, mask: [1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0]))
        try check(Case(spec: HeadSpec(name: "emb", kind: .embedding, pooling: .cls, temperature: 0.3), sequences: 4, length: 2,
                       targets: .parallelPairs))
    }

    @Test func lateInteraction() throws {
        // Two queries, then their two documents; padding and non-matching (special) tokens take no part.
        try check(Case(spec: HeadSpec(name: "colbert", kind: .lateInteraction, temperature: 0.5), sequences: 4, length: 4,
                       targets: .parallelPairs, mask: [1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0],
                       candidates: [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0], eps: 1e-3))
        try check(Case(spec: HeadSpec(name: "colbert", kind: .lateInteraction, temperature: 0.2), sequences: 6, length: 3,
                       targets: .parallelPairs, eps: 1e-4))
    }

    @Test func lateInteractionScoresMatchTheDefinition() throws {
        // Unit token vectors: the query holds e0 and e1, document A is {e1}, document B is {e2, e0}.
        let e: [[Float]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        #expect(LateInteractionHead.score(query: [e[0], e[1]], document: [e[1]]) == 1)
        #expect(LateInteractionHead.score(query: [e[0], e[1]], document: [e[2], e[0]]) == 0.5)
        #expect(LateInteractionHead.score(query: [], document: [e[0]]) == 0)
        // The head's token vectors are the normalized hidden states of the matching tokens only.
        let head = LateInteractionHead(HeadSpec(name: "colbert", kind: .lateInteraction))
        let x = OwnedTensor(.rank3(1, 3, 2))
        for (i, v) in [3, 4, 9, 9, 0, 2].enumerated() { x.tensor[i] = Float(v) }
        let v = try head.tokenVectors(HeadInput(hidden: x.tensor, attentionMask: [1, 1, 1], candidateMask: [1, 0, 1]))
        #expect(v == [[[0.6, 0.8], [0, 1]]])
    }

    @Test func labelMatching() throws {
        try check(Case(spec: HeadSpec(name: "tars", kind: .labelMatching), sequences: 4, length: 3, targets: .values([1, 0, 0, 1])))
    }

    @Test func maskedLM() throws {
        let i = Self.ignore
        let config = EncoderConfig(vocabSize: 13, hiddenSize: Self.hidden, numLayers: 1, numHeads: 2, intermediateSize: 8,
                                   maxPositions: 8, hiddenDropout: 0, attentionDropout: 0)
        try check(Case(spec: HeadSpec(name: "mlm", kind: .mlm), sequences: 2, length: 3, targets: .tokenClasses([i, 4, i, 12, i, 0])),
                  makeHead: { store in
                      let encoder = try TransformerEncoder(config: config, store: store, maxBatch: 2, maxLength: 3)
                      return try MaskedLMTaskHead(HeadSpec(name: "mlm", kind: .mlm), encoder: encoder)
                  },
                  // The head's own weights and the decoder tied to the word embeddings.
                  paramFilter: { $0.hasPrefix("cls.") || $0 == "embeddings.word_embeddings.weight" })
    }

    @Test func bestSpanRespectsOrderLengthAndCandidates() {
        let s: [Float] = [5, 0, 1, 0, 9], e: [Float] = [0, 7, 0, 3, 0]
        // Unconstrained best would be start 4 (9) with end 1 (7): invalid (end before start).
        let best = SpanQAHead.bestSpan(start: s, end: e, allowed: [true, true, true, true, true], maxAnswerLength: 30)
        #expect(best == PredictedSpan(start: 0, end: 1, score: 12))
        let short = SpanQAHead.bestSpan(start: s, end: e, allowed: [true, true, true, true, true], maxAnswerLength: 1)
        #expect(short == PredictedSpan(start: 4, end: 4, score: 9))
        let ctx = SpanQAHead.bestSpan(start: s, end: e, allowed: [false, false, true, true, true], maxAnswerLength: 30)
        #expect(ctx == PredictedSpan(start: 4, end: 4, score: 9))
        #expect(SpanQAHead.bestSpan(start: s, end: e, allowed: [false, false, false, false, false], maxAnswerLength: 3) == nil)
    }

    @Test func spanWindowsCoverLongContexts() {
        let w = SpanWindows.split(contextLength: 10, contextCapacity: 4, stride: 1, sequenceOffset: 3)
        #expect(w.map(\.contextStart) == [0, 3, 6])
        #expect(w.map(\.contextLength) == [4, 4, 4])
        #expect(w.last.map { $0.contextStart + $0.contextLength } == 10)
        #expect(SpanWindows.split(contextLength: 3, contextCapacity: 4, stride: 2, sequenceOffset: 0).count == 1)
        let empty = SpanWindows.split(contextLength: 0, contextCapacity: 4, stride: 1, sequenceOffset: 3)
        #expect(empty.count == 1 && empty.first?.contextLength == 0)
        #expect(SpanWindows.candidateMask(window: w[1], length: 9) == [0, 0, 0, 1, 1, 1, 1, 0, 0])
    }
}
}
