import Testing
import Foundation
import Platform
@testable import Engine

/// The encoder + MLM head against HF BertForMaskedLM (tools/reference/engine_golden.py): a 2-layer post-LN
/// model on a padded batch — hidden states, logits and loss, every parameter's gradient, 10 AdamW steps.
@Suite struct GoldenTests {
    struct Model {
        let store: ParameterStore
        let encoder: TransformerEncoder
        let head: MLMHead
        let ids: [Int32], mask: [Int32], types: [Int32], labels: [Int32]
        let batch: Int, length: Int
    }

    func load(_ f: GoldenFixture) throws -> Model {
        let c = f.meta.config
        let config = EncoderConfig(vocabSize: Int(c["vocab_size"]!), hiddenSize: Int(c["hidden_size"]!), numLayers: Int(c["num_hidden_layers"]!),
                                   numHeads: Int(c["num_attention_heads"]!), intermediateSize: Int(c["intermediate_size"]!),
                                   maxPositions: Int(c["max_position_embeddings"]!), typeVocabSize: Int(c["type_vocab_size"]!),
                                   layerNormEps: Float(c["layer_norm_eps"]!), hiddenDropout: 0, attentionDropout: 0)
        let store = ParameterStore(seed: 3)
        let encoder = try TransformerEncoder(config: config, store: store, maxBatch: f.meta.batch, maxLength: f.meta.length)
        let head = try MLMHead(config: config, store: store, tiedTo: encoder, maxTokens: f.meta.batch * f.meta.length)
        try store.allocate()
        let fixtureParams = Set(f.names.filter { $0.hasPrefix("param/") }.map { String($0.dropFirst(6)) })
        #expect(fixtureParams == Set(store.names), "parameter names differ from HF's")
        for name in store.names { try store.set(name, values: f.tensor("param/" + name)) }
        func ints(_ n: String) -> [Int32] { f.tensor(n).map { Int32($0) } }
        return Model(store: store, encoder: encoder, head: head, ids: ints("input_ids"), mask: ints("attention_mask"),
                     types: ints("token_type_ids"), labels: ints("labels"), batch: f.meta.batch, length: f.meta.length)
    }

    func step(_ m: Model, gradient: Bool) throws -> Float {
        let h = try m.encoder.forward(tokenIDs: m.ids, attentionMask: m.mask, tokenTypeIDs: m.types, batch: m.batch, length: m.length, training: true)
        try m.head.forward(hidden: h)
        let loss = try m.head.loss(labels: m.labels, computeGradient: gradient)
        if gradient {
            m.store.zeroGradients()
            let dh = try m.head.backward()
            try m.encoder.backward(dHidden: dh)
        }
        return loss
    }

    @Test func forwardMatchesHuggingFace() throws {
        let f = try GoldenFixture("engine_golden")
        let m = try load(f)
        let h = try m.encoder.forward(tokenIDs: m.ids, attentionMask: m.mask, tokenTypeIDs: m.types, batch: m.batch, length: m.length, training: true)
        for layer in 0...m.encoder.config.numLayers {
            let diff = maxAbsDiff(try m.encoder.hiddenState(after: layer).toArray(), f.tensor("hidden/\(layer)"))
            print("golden hidden state \(layer): max abs diff \(diff)")
            #expect(diff < 1e-5, "hidden state \(layer)")
        }
        let logits = try m.head.forward(hidden: h).toArray()
        let diff = maxAbsDiff(logits, f.tensor("logits"))
        let loss = try m.head.loss(labels: m.labels, computeGradient: false)
        print("golden logits: max abs diff \(diff); loss \(loss) vs \(f.tensor("loss")[0])")
        #expect(diff < 1e-5)
        #expect(abs(loss - f.tensor("loss")[0]) < 1e-5)
    }

    @Test func gradientsMatchHuggingFace() throws {
        let f = try GoldenFixture("engine_golden")
        let m = try load(f)
        _ = try step(m, gradient: true)
        var worstRelative: Float = 0, worstAbs: Float = 0
        for name in m.store.names {
            let g = try m.store.gradient(named: name).toArray(), ref = f.tensor("grad/" + name)
            // The floor covers the key bias, whose gradient is exactly zero in theory (softmax ignores a
            // shift shared by all keys) and rounding noise (~1e-8) in both implementations.
            let scale = max(ref.map(abs).max() ?? 0, 1e-3)
            let d = maxAbsDiff(g, ref)
            worstRelative = max(worstRelative, d / scale); worstAbs = max(worstAbs, d)
            #expect(d <= 1e-4 * scale, "gradient of \(name): max abs diff \(d), largest |grad| \(scale)")
        }
        print("golden gradients: max abs diff \(worstAbs), max diff relative to each tensor's largest gradient \(worstRelative)")
    }

    @Test func adamWLossesMatchHuggingFace() throws {
        let f = try GoldenFixture("engine_golden")
        let m = try load(f)
        m.store.updateGroup(0) { $0.weightDecay = 0.01 }
        let opt = try AdamW(store: m.store, config: .init(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
        let ref = f.tensor("adamw_losses")
        var losses: [Float] = []
        for _ in 0..<10 {
            losses.append(try step(m, gradient: true))
            opt.step(learningRate: 1e-2)
        }
        let diffs = zip(losses, ref).map { abs($0 - $1) / max(abs($1), 1e-3) }
        print("golden AdamW losses: \(losses.map { String(format: "%.5f", $0) }.joined(separator: " ")); max relative diff \(diffs.max()!)")
        #expect(diffs.max()! < 1e-3)
    }
}
