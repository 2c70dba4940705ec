import Testing
import Foundation
import Platform
@testable import Engine

/// Touched-row gradients of the word embeddings: the encoder's backward flags the rows a batch reads, and
/// zeroing, clipping, gradient scaling and the fused AdamW pass use the flags. Every result is compared
/// with the dense computation over the whole slab, bit for bit.
@Suite struct GradientRowTests {
    static let vocab = 50, dim = 8

    func encoder(seed: UInt64 = 3) throws -> (ParameterStore, TransformerEncoder) {
        let config = EncoderConfig(vocabSize: Self.vocab, hiddenSize: Self.dim, numLayers: 2, numHeads: 2, intermediateSize: 16,
                                   maxPositions: 8, typeVocabSize: 2, layerNormEps: 1e-5, hiddenDropout: 0, attentionDropout: 0,
                                   initializerRange: 0.5)
        let store = ParameterStore(seed: seed)
        let encoder = try TransformerEncoder(config: config, store: store, maxBatch: 2, maxLength: 6)
        try store.allocate()
        return (store, encoder)
    }

    /// Forward and backward of Σ w ⊙ hidden; returns the loss.
    @discardableResult
    func backward(_ encoder: TransformerEncoder, ids: [Int32], weights: [Float], gradient: Bool = true) throws -> Double {
        let h = try encoder.forward(tokenIDs: ids, batch: 2, length: 6, training: true)
        let loss = weightedSum(h, weights)
        if gradient {
            let dHidden = try OwnedTensor(h.shape, values: weights)
            try encoder.backward(dHidden: dHidden.tensor)
        }
        return loss
    }

    @Test func touchedRowGradientEqualsTheDenseScatterAndFiniteDifferences() throws {
        let (store, enc) = try encoder()
        var d = TestData("rows")
        let ids: [Int32] = [3, 7, 3, 19, 4, 2, 5, 9, 12, 7, 7, 40]
        let w = d.floats(12 * Self.dim)
        try backward(enc, ids: ids, weights: w)
        let table = try #require(store.id("embeddings.word_embeddings.weight"))
        // The dense reference: every id's row of dSum (what the backward leaves in gradTmp) added in id order
        // into a zero table of the full vocabulary.
        let dSum = enc.gradTmp.data
        var reference = [Float](repeating: 0, count: Self.vocab * Self.dim)
        for (i, id) in ids.enumerated() { for c in 0..<Self.dim { reference[Int(id) * Self.dim + c] += dSum[i * Self.dim + c] } }
        let g = store.gradient(table).toArray()
        #expect(g.map(\.bitPattern) == reference.map(\.bitPattern))
        #expect(store.touchedGradientRows(table) == Set(ids).count)
        for r in 0..<Self.vocab where !ids.contains(Int32(r)) {
            #expect(g[(r * Self.dim)..<((r + 1) * Self.dim)].allSatisfy { $0.bitPattern == 0 }, "untouched row \(r)")
        }
        let p = store.value(table)
        let bad = try finiteDifferenceCheck(p.data, count: p.count, analytic: g, samples: 40, step: 1e-2, rtol: 3e-2, atol: 3e-3) {
            try backward(enc, ids: ids, weights: w, gradient: false)
        }
        #expect(bad.isEmpty, "\(bad.prefix(3))")
    }

    /// After a step that touched rows, zeroGradients leaves the whole slab zero, and the next batch's gradient
    /// is bitwise that of a fresh model (no stale rows), for every parameter.
    @Test func zeroGradientsClearsTouchedRowsAndTheNextStepIsClean() throws {
        let (store, enc) = try encoder()
        var d = TestData("zero")
        let w1 = d.floats(12 * Self.dim), w2 = d.floats(12 * Self.dim)
        let ids1: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], ids2: [Int32] = [12, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 49]
        try backward(enc, ids: ids1, weights: w1)
        try backward(enc, ids: ids2, weights: w2)   // two micro-batches accumulate; both sets of rows flagged
        let table = try #require(store.id("embeddings.word_embeddings.weight"))
        #expect(store.touchedGradientRows(table) == Set(ids1 + ids2).count)
        store.zeroGradients()
        #expect(store.gradients.toArray().allSatisfy { $0.bitPattern == 0 })
        #expect(store.touchedGradientRows(table) == 0)
        try backward(enc, ids: ids2, weights: w2)
        let (fresh, freshEncoder) = try encoder()
        try backward(freshEncoder, ids: ids2, weights: w2)
        #expect(store.gradients.toArray().map(\.bitPattern) == fresh.gradients.toArray().map(\.bitPattern))
        // A dense write (the tied MLM decoder, a caller adding slabs) is cleared whole.
        store.gradients.data.update(repeating: 1, count: store.count)
        store.markAllGradientRows()
        #expect(store.touchedGradientRows(table) == Self.vocab)
        store.zeroGradients()
        #expect(store.gradients.toArray().allSatisfy { $0.bitPattern == 0 })
    }

    @Test func theTiedMLMDecoderMarksEveryRow() throws {
        let config = EncoderConfig(vocabSize: 20, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8,
                                   typeVocabSize: 2, layerNormEps: 1e-5, hiddenDropout: 0, attentionDropout: 0, initializerRange: 0.5)
        let store = ParameterStore(seed: 1)
        let enc = try TransformerEncoder(config: config, store: store, maxBatch: 1, maxLength: 4)
        let head = try MLMHead(config: config, store: store, tiedTo: enc, maxTokens: 4)
        try store.allocate()
        let h = try enc.forward(tokenIDs: [1, 2, 3, 4], batch: 1, length: 4, training: true)
        try head.forward(hidden: h)
        _ = try head.loss(labels: [-100, 5, -100, 6], computeGradient: true)
        try enc.backward(dHidden: try head.backward())
        #expect(store.touchedGradientRows(enc.wordEmbeddingID) == 20)
        let g = store.gradient(enc.wordEmbeddingID).toArray()
        #expect(g[(10 * 8)..<(11 * 8)].contains { $0 != 0 }, "the decoder's gradient reaches rows no input token read")
        store.zeroGradients()
        #expect(store.gradients.toArray().allSatisfy { $0.bitPattern == 0 })
    }

    /// A store with a tracked table of `rows` × `width` between two other parameters; `touched` rows get gradients.
    func trackedStore(rows: Int, width: Int, seed: UInt64) throws -> ParameterStore {
        let s = ParameterStore(seed: seed)
        try s.register("a.bias", .vector(37), initializer: .normal(std: 1))
        let table = try s.register("t.weight", .matrix(rows, width), initializer: .normal(std: 1))
        try s.register("c.weight", .matrix(5, 7), initializer: .normal(std: 1))
        try s.trackGradientRows(table)
        try s.allocate()
        return s
    }

    func fill(_ s: ParameterStore, touched: [Int32], rng: inout RandomStream) throws {
        let table = try #require(s.id("t.weight")), e = s.entries[table.index]
        let width = e.shape[1], g = s.gradients.data
        for i in 0..<37 { g[i] = rng.nextGaussian() }
        for r in touched { for c in 0..<width { g[e.offset + Int(r) * width + c] = rng.nextGaussian() } }
        for i in (e.offset + e.shape.count)..<s.count { g[i] = rng.nextGaussian() }
        touched.withUnsafeBufferPointer { s.markGradientRows(table, rows: $0.baseAddress!, count: $0.count) }
    }

    @Test func clippingAndScalingOverTouchedRowsEqualTheDenseLoops() throws {
        let s = try trackedStore(rows: 30, width: 5, seed: 2)
        var rng = RandomStream(seed: 9, name: "clip")
        try fill(s, touched: [0, 1, 2, 17, 29, 5, 6], rng: &rng)
        let g = s.gradients.toArray()
        var total = 0.0
        for e in s.entries {
            var part = 0.0
            for i in e.offset..<(e.offset + e.shape.count) { part += Double(g[i]) * Double(g[i]) }
            total += part
        }
        #expect(GradientClipping.globalNorm(s).bitPattern == Float(total.squareRoot()).bitPattern)
        let norm = try GradientClipping.clip(s, maxNorm: 0.5)
        let coef = 0.5 / (norm + 1e-6)
        #expect(s.gradients.toArray().map(\.bitPattern) == g.map { ($0 * coef).bitPattern })
        let clipped = s.gradients.toArray()
        s.scaleGradients(by: 3)
        #expect(s.gradients.toArray().map(\.bitPattern) == clipped.map { ($0 * 3).bitPattern })
    }

    /// The fused, multi-threaded AdamW pass against the naive per-run loop over every float: bitwise equal in
    /// values and both moments, over steps touching different rows, with two groups (decay and none), an idle
    /// parameter, a frozen table that thaws, moments holding −0 in untouched rows, and a table large enough to be
    /// split across the pool mid-row.
    @Test func fusedAdamWEqualsTheNaiveLoopBitwise() throws {
        let rows = 700, width = 61
        let fused = try trackedStore(rows: rows, width: width, seed: 4), naive = try trackedStore(rows: rows, width: width, seed: 4)
        for s in [fused, naive] {
            let decay = s.addGroup(ParameterGroup(name: "decay", weightDecay: 0.01))
            try s.assign(group: decay) { $0.hasSuffix(".weight") }
            let embeddings = s.addGroup(ParameterGroup(name: "table", learningRateScale: 0.5, weightDecay: 0.1))
            try s.assign(group: embeddings) { $0 == "t.weight" }
        }
        let a = try AdamW(store: fused), b = try AdamW(store: naive)
        var start = RandomStream(seed: 5, name: "moments")
        for i in 0..<fused.count {
            let mi = i % 11 == 0 ? -Float.zero : start.nextGaussian() * 1e-3, vi = abs(start.nextGaussian()) * 1e-6
            a.m[i] = mi; b.m[i] = mi; a.v[i] = vi; b.v[i] = vi
        }
        var rngA = RandomStream(seed: 6, name: "grads"), rngB = rngA, pick = RandomStream(seed: 7, name: "rows")
        for step in 1...6 {
            let touched = (0..<(step * 20)).map { _ in Int32(pick.nextInt(below: rows)) }
            for s in [fused, naive] {
                s.zeroGradients()
                s.setIdle(2, step == 3)
                s.updateGroup(2) { $0.frozen = step == 2 }
            }
            try fill(fused, touched: touched, rng: &rngA)
            try fill(naive, touched: touched, rng: &rngB)
            a.step(learningRate: 1e-2)
            b.naiveStep(learningRate: 1e-2)
            let same = fused.values.toArray().map(\.bitPattern) == naive.values.toArray().map(\.bitPattern)
            let sameM = (0..<fused.count).allSatisfy { a.m[$0].bitPattern == b.m[$0].bitPattern }
            let sameV = (0..<fused.count).allSatisfy { a.v[$0].bitPattern == b.v[$0].bitPattern }
            #expect(same && sameM && sameV, "step \(step)")
        }
        #expect(a.exportState() == b.exportState())
        // The −0 moments of untouched rows became +0 in both (the general formula's β·m + (1 − β)·0).
        let e = fused.entries[1]
        #expect(!(e.offset..<(e.offset + e.shape.count)).contains { a.m[$0].bitPattern == (-Float.zero).bitPattern })
    }
}
