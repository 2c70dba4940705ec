import Testing
import Foundation
import Platform
@testable import Engine

/// The whole encoder + MLM head: finite differences through every parameter tensor, both LayerNorm
/// placements, with padding, token types, language embeddings and dropout; determinism; errors.
@Suite struct EncoderTests {
    struct Setup {
        let store: ParameterStore, encoder: TransformerEncoder, head: MLMHead
        let ids: [Int32], mask: [Int32], types: [Int32], languages: [Int32]?, labels: [Int32]
    }

    func make(preLN: Bool, languages: Bool, dropout: Float, seed: UInt64 = 11) throws -> Setup {
        let config = EncoderConfig(vocabSize: 20, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, maxPositions: 8,
                                   typeVocabSize: 2, numLanguages: languages ? 3 : 0, layerNormEps: 1e-5, preLayerNorm: preLN,
                                   hiddenDropout: dropout, attentionDropout: dropout, initializerRange: 0.5)
        let store = ParameterStore(seed: seed)
        let encoder = try TransformerEncoder(config: config, store: store, maxBatch: 2, maxLength: 6)
        let head = try MLMHead(config: config, store: store, tiedTo: encoder, maxTokens: 12)
        try store.allocate()
        let ids: [Int32] = [3, 7, 1, 19, 4, 2, 5, 9, 12, 0, 0, 0]
        let mask: [Int32] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]
        let types: [Int32] = [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
        let langs: [Int32]? = languages ? [0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2] : nil
        let labels: [Int32] = [-100, 7, 4, -100, 11, 2, 5, -100, 12, -100, -100, -100]
        return Setup(store: store, encoder: encoder, head: head, ids: ids, mask: mask, types: types, languages: langs, labels: labels)
    }

    func loss(_ s: Setup, gradient: Bool, smoothing: Float = 0) throws -> Float {
        let h = try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, tokenTypeIDs: s.types, languageIDs: s.languages,
                                      batch: 2, length: 6, training: true)
        try s.head.forward(hidden: h)
        let l = try s.head.loss(labels: s.labels, labelSmoothing: smoothing, computeGradient: gradient)
        if gradient {
            s.store.zeroGradients()
            try s.encoder.backward(dHidden: try s.head.backward())
        }
        return l
    }

    @Test(arguments: [(false, false, Float(0)), (false, true, 0.2), (true, false, 0.2), (true, true, 0)])
    func gradientsMatchFiniteDifferences(preLN: Bool, languages: Bool, dropout: Float) throws {
        let s = try make(preLN: preLN, languages: languages, dropout: dropout)
        let stream = s.encoder.dropoutStream
        _ = try loss(s, gradient: true, smoothing: 0.1)
        var failures: [String] = []
        for name in s.store.names {
            let g = try s.store.gradient(named: name).toArray()
            let p = try s.store.value(named: name)
            let bad = try finiteDifferenceCheck(p.data, count: p.count, analytic: g, samples: 6, step: 1e-2, rtol: 3e-2, atol: 3e-3) {
                s.encoder.dropoutStream = stream // same dropout masks for every evaluation
                return Double(try loss(s, gradient: false, smoothing: 0.1))
            }
            if !bad.isEmpty { failures.append("\(name): \(bad.prefix(3))") }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func sameSeedSameRunBitwise() throws {
        func run() throws -> [Float] {
            let s = try make(preLN: false, languages: false, dropout: 0.1, seed: 5)
            let opt = try AdamW(store: s.store)
            for _ in 0..<3 { _ = try loss(s, gradient: true); opt.step(learningRate: 1e-2) }
            return s.store.values.toArray()
        }
        let a = try run(), b = try run()
        #expect(a == b)
        let c = try make(preLN: false, languages: false, dropout: 0.1, seed: 6)
        #expect(c.store.values.toArray() != a)
    }

    @Test func hiddenStatesAndPaddingIndependence() throws {
        let s = try make(preLN: false, languages: false, dropout: 0)
        try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, tokenTypeIDs: s.types, batch: 2, length: 6, training: false)
        let full = s.encoder.output.toArray()
        #expect(try s.encoder.hiddenState(after: 2).toArray() == full)
        #expect(try s.encoder.hiddenState(after: 0).count == 2 * 6 * 8)
        // Changing the padded tokens must not change the real tokens' states.
        var ids2 = s.ids
        ids2[10] = 17; ids2[11] = 13
        try s.encoder.forward(tokenIDs: ids2, attentionMask: s.mask, tokenTypeIDs: s.types, batch: 2, length: 6, training: false)
        let other = s.encoder.output.toArray()
        #expect(Array(full[0..<(9 * 8)]) == Array(other[0..<(9 * 8)]))
    }

    @Test func badInputGivesEngineErrors() throws {
        let s = try make(preLN: false, languages: false, dropout: 0)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch let e as EngineError { return e.description } catch { return "other: \(error)" }
        }
        let tooBig = message { try s.encoder.forward(tokenIDs: [Int32](repeating: 1, count: 21), batch: 3, length: 7, training: false) }
        #expect(tooBig.contains("encoder") && tooBig.contains("capacity"))
        let badID = message { try s.encoder.forward(tokenIDs: [1, 2, 25, 3], batch: 1, length: 4, training: false) }
        #expect(badID.contains("embedding") && badID.contains("25"))
        let count = message { try s.encoder.forward(tokenIDs: [1, 2, 3], batch: 1, length: 4, training: false) }
        #expect(count.contains("[1, 4]"))
        let x = OwnedTensor(.matrix(3, 5)), w = OwnedTensor(.matrix(4, 6)), y = OwnedTensor(.matrix(3, 4))
        let linear = message { try LinearOp.forward(x: x.tensor, weight: w.tensor, bias: nil, y: y.tensor) }
        #expect(linear.hasPrefix("linear:") && linear.contains("[3, 5]") && linear.contains("[4, 6]"))
        let logits = try OwnedTensor(.matrix(2, 3), values: [1, .nan, 0, 1, 2, 3]), rows = OwnedTensor(.vector(2))
        let nan = message {
            _ = try [Int32(0), 1].withUnsafeBufferPointer {
                try CrossEntropyOp.forward(logits: logits.tensor, targets: $0, rowLoss: rows.tensor, writeGradient: false)
            }
        }
        #expect(nan.hasPrefix("cross_entropy:") && nan.contains("nan") && nan.contains("[2, 3]"))
        let label = message { try s.encoder.forward(tokenIDs: s.ids, batch: 2, length: 6, training: false); try s.head.forward(hidden: s.encoder.output); _ = try s.head.loss(labels: [Int32](repeating: 40, count: 12), computeGradient: false) }
        #expect(label.contains("cross_entropy") && label.contains("40"))
        #expect(throws: ConfigError.self) { try EncoderConfig(vocabSize: 10, hiddenSize: 10, numHeads: 3).validate() }
        let late = message { try s.store.register("late.weight", .vector(3), initializer: .zeros) }
        #expect(late.contains("already allocated"))
    }

    @Test func configRoundTripsWithSnakeCaseKeys() throws {
        let c = EncoderConfig(vocabSize: 100, numLanguages: 4, preLayerNorm: true)
        let data = try JSONEncoder().encode(c)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"vocab_size\":100") && text.contains("\"pre_layer_norm\":true") && text.contains("\"layer_norm_eps\""))
        #expect(try JSONDecoder().decode(EncoderConfig.self, from: data) == c)
    }

    /// Sparse prediction (`maskedLoss`, only the scored rows through the transform and decoder) against the dense
    /// head (`forward` + `loss` + `backward`): the same loss, the same d(loss)/d(hidden) with zeros on unscored
    /// rows, and every parameter gradient to float rounding (they sum the same terms over fewer rows).
    @Test func sparsePredictionEqualsTheDenseHead() throws {
        let s = try make(preLN: false, languages: false, dropout: 0)
        func run(sparse: Bool) throws -> (loss: Float, dHidden: [Float], grads: [String: [Float]]) {
            let h = try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, tokenTypeIDs: s.types, languageIDs: nil,
                                          batch: 2, length: 6, training: true)
            s.store.zeroGradients()
            let loss: Float
            var dHidden: [Float]
            if sparse {
                loss = try s.head.maskedLoss(hidden: h, labels: s.labels, computeGradient: true)
                let owned = OwnedTensor(h.shape)
                try s.head.maskedBackward(into: owned.tensor)
                dHidden = owned.tensor.toArray()
                try s.encoder.backward(dHidden: owned.tensor)
            } else {
                try s.head.forward(hidden: h)
                loss = try s.head.loss(labels: s.labels, computeGradient: true)
                let d = try s.head.backward()
                dHidden = d.toArray()
                try s.encoder.backward(dHidden: d)
            }
            var grads: [String: [Float]] = [:]
            for name in s.store.names { grads[name] = try s.store.gradient(named: name).toArray() }
            return (loss, dHidden, grads)
        }
        let dense = try run(sparse: false), sparse = try run(sparse: true)
        #expect(abs(dense.loss - sparse.loss) <= 1e-6 * abs(dense.loss), "loss \(dense.loss) vs \(sparse.loss)")
        for r in 0..<12 where s.labels[r] == CrossEntropyOp.ignoreIndex {
            #expect(sparse.dHidden[(r * 8)..<(r * 8 + 8)].allSatisfy { $0 == 0 }, "row \(r) is not scored")
        }
        let worstHidden = zip(dense.dHidden, sparse.dHidden).map { abs($0 - $1) }.max() ?? 0
        #expect(worstHidden <= 1e-6, "d hidden differs by \(worstHidden)")
        // Fewer rows through the products may take another BLAS blocking, so the sums differ by roundings; the
        // tolerance is the one the HF golden gradients use. Its floor covers the attention key bias, whose gradient
        // is zero up to rounding (softmax ignores a shift shared by every key): 4.5e-8 apart on an AMD EPYC's kernels.
        for (name, g) in dense.grads {
            let other = try #require(sparse.grads[name])
            let scale = max(g.map(abs).max() ?? 0, 1e-3)
            let worst = zip(g, other).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4 * scale, "\(name): gradients differ by \(worst) (largest \(scale))")
        }
        // Nothing scored: no loss, no gradient.
        let h = try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, tokenTypeIDs: s.types, languageIDs: nil, batch: 2, length: 6, training: false)
        #expect(try s.head.maskedLoss(hidden: h, labels: [Int32](repeating: -100, count: 12), computeGradient: true) == 0)
        let owned = OwnedTensor(h.shape, fill: 1)
        try s.head.maskedBackward(into: owned.tensor)
        #expect(owned.tensor.toArray().allSatisfy { $0 == 0 })
    }
}
