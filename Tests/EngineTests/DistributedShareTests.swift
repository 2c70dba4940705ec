import Testing
import Foundation
import Platform
@testable import Engine

/// What lets the ranks of a distributed job compute the step one process computes: a stretch of a dropout
/// mask drawn alone equals that stretch of the whole mask, and an encoder run on rows of a batch (its
/// `rowOffset`) drops, outputs and differentiates as those rows of the whole batch do; the gradient sum
/// leaves a single process's slab alone.
@Suite struct DistributedShareTests {
    @Test func aMaskStretchDrawnAloneIsThatStretchOfTheWholeMask() throws {
        let count = 3 * 16384 + 123
        let whole = OwnedTensor(.vector(count))
        try DropoutOp.makeMask(whole.tensor, probability: 0.3, seed: 41)
        let all = whole.tensor.toArray()
        for (offset, n) in [(0, 10), (5, 100), (16383, 2), (16384, 16384), (20000, 29000), (count - 7, 7), (1, count - 1)] {
            let part = OwnedTensor(.vector(n))
            try DropoutOp.makeMask(part.tensor, probability: 0.3, seed: 41, offset: offset)
            #expect(part.tensor.toArray() == Array(all[offset..<(offset + n)]), "offset \(offset), \(n) elements")
        }
        // Offset 0 is the mask as it always was: a seed's whole mask does not depend on the new parameter.
        let again = OwnedTensor(.vector(count))
        try DropoutOp.makeMask(again.tensor, probability: 0.3, seed: 41, offset: 0)
        #expect(again.tensor.toArray() == all)
        #expect(throws: EngineError.self) { try DropoutOp.makeMask(again.tensor, probability: 0.3, seed: 41, offset: -1) }
    }

    func encoder(lora: Bool) throws -> (ParameterStore, TransformerEncoder) {
        let config = EncoderConfig(vocabSize: 30, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, maxPositions: 8,
                                   typeVocabSize: 2, layerNormEps: 1e-5, hiddenDropout: 0.2, attentionDropout: 0.2, initializerRange: 0.5)
        let store = ParameterStore(seed: 5)
        let setup = lora ? AdapterSetup(lora: .init(name: "lora", config: LoRAConfig(rank: 2, alpha: 4, dropout: 0.3, targets: LoRATarget.allCases)))
                         : AdapterSetup()
        let encoder = try TransformerEncoder(config: config, store: store, maxBatch: 4, maxLength: 6, adapters: setup)
        try store.allocate()
        if lora {
            // LoRA's B starts at zero; random values make its A's gradient (and the dropout it reads) count.
            var rng = RandomStream(seed: 8, name: "lora-b")
            for name in store.names where name.hasSuffix("lora_B") {
                let n = try store.value(named: name).count
                try store.set(name, values: (0..<n).map { _ in rng.nextGaussian() * 0.3 })
            }
        }
        return (store, encoder)
    }

    @Test(arguments: [false, true])
    func rowsOfABatchRunAloneMatchTheWholeBatch(lora: Bool) throws {
        let (store, encoder) = try encoder(lora: lora)
        let b = 4, t = 6, d = 8
        let ids: [Int32] = (0..<(b * t)).map { Int32(1 + ($0 * 7) % 29) }
        var mask = [Int32](repeating: 1, count: b * t)
        for j in 4..<6 { mask[1 * t + j] = 0 }
        for j in 3..<6 { mask[3 * t + j] = 0 }
        var data = RandomStream(seed: 3, name: "dy")
        let dy = (0..<(b * t * d)).map { _ in data.nextGaussian() }
        let stream = encoder.dropoutStream

        // The whole batch: outputs and gradients.
        store.zeroGradients()
        let out = try encoder.forward(tokenIDs: ids, attentionMask: mask, batch: b, length: t, training: true).toArray()
        let dWhole = try OwnedTensor(.rank3(b, t, d), values: dy)
        try encoder.backward(dHidden: dWhole.tensor)
        let wholeGradient = store.gradients.toArray()
        let after = encoder.dropoutStream

        // Two shares, rows 0..<1 and 1..<4, each from the same stream state (as two ranks are), gradients summed.
        store.zeroGradients()
        store.markAllGradientRows()
        for rows in [0..<1, 1..<4] {
            encoder.dropoutStream = stream
            let tokens = (rows.lowerBound * t)..<(rows.upperBound * t)
            let part = try encoder.forward(tokenIDs: Array(ids[tokens]), attentionMask: Array(mask[tokens]), batch: rows.count, length: t,
                                           training: true, rowOffset: rows.lowerBound).toArray()
            let expected = Array(out[(tokens.lowerBound * d)..<(tokens.upperBound * d)])
            #expect(maxAbsDiff(part, expected) <= 1e-5, "rows \(rows): outputs differ by \(maxAbsDiff(part, expected))")
            let dPart = try OwnedTensor(.rank3(rows.count, t, d), values: Array(dy[(tokens.lowerBound * d)..<(tokens.upperBound * d)]))
            try encoder.backward(dHidden: dPart.tensor)
            #expect(encoder.dropoutStream == after, "a share draws the seeds the whole batch draws")
        }
        let summed = store.gradients.toArray()
        func largest(_ name: String) -> Float {
            guard let e = store.entries.first(where: { $0.name == name }) else { return 0 }
            return wholeGradient[e.offset..<(e.offset + e.shape.count)].map { abs($0) }.max() ?? 0
        }
        // One share's products run over other row counts than the whole batch's, so BLAS may block and sum them in
        // another order: differences of a few float roundings of the summed terms (1.5e-5 of a tensor's largest
        // gradient on an AMD EPYC's kernels), far below what a misplaced dropout mask gives (outputs checked above,
        // gradients of order one). The attention key bias has a gradient of zero up to rounding (softmax ignores a
        // shift shared by every key): both sides are noise of the size of the roundings of its key weight's gradient.
        var failures: [String] = []
        for e in store.entries {
            let r = e.offset..<(e.offset + e.shape.count)
            let diff = maxAbsDiff(Array(summed[r]), Array(wholeGradient[r]))
            let scale = e.name.hasSuffix("attention.self.key.bias")
                ? max(1e-3, largest(String(e.name.dropLast("bias".count)) + "weight"))
                : max(1e-3, Array(wholeGradient[r]).map { abs($0) }.max() ?? 0)
            if diff > 1e-4 * scale + 1e-7 { failures.append("\(e.name): \(diff) (largest \(scale))") }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func theGradientSumLeavesOneProcessAlone() throws {
        let (store, encoder) = try encoder(lora: false)
        _ = try encoder.forward(tokenIDs: [1, 2, 3, 4, 5, 6], batch: 1, length: 6, training: true)
        let dy = try OwnedTensor(.rank3(1, 6, 8), values: [Float](repeating: 0.1, count: 48))
        try encoder.backward(dHidden: dy.tensor)
        let before = store.gradients.toArray()
        let reduce = GradientAllReduce(store: store)
        try reduce.run()
        #expect(store.gradients.toArray() == before)
        #expect(reduce.lastFloats == 0)
        #expect(reduce.denseBytes == store.count * 4)
    }
}
