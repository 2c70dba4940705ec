import Testing
import Foundation
import Platform
@testable import Engine

/// The inference pass against the padded training-capable forward (`training: false`), which stays the
/// reference: every real token's hidden states at every layer, both LayerNorm placements, token types and
/// language embeddings, the padded form the heads read; packed attention against the Double reference.
/// Values agree to float rounding, not bit for bit: OpenBLAS computes a row of a product with a kernel
/// that depends on where the row falls in its blocking, and packing moves rows (measured here: rows that
/// keep their blocks agree exactly, the others within a few ulps).
@Suite struct EncoderInferenceTests {
    static let lengths = [7, 3, 5, 1]
    static let padded = 7

    func make(preLN: Bool, languages: Bool) throws -> TransformerEncoder {
        let config = EncoderConfig(vocabSize: 40, hiddenSize: 16, numLayers: 3, numHeads: 2, intermediateSize: 24, maxPositions: 10,
                                   typeVocabSize: 2, numLanguages: languages ? 3 : 0, layerNormEps: 1e-5, preLayerNorm: preLN,
                                   hiddenDropout: 0.1, attentionDropout: 0.1, initializerRange: 0.5)
        let store = ParameterStore(seed: 5)
        let encoder = try TransformerEncoder(config: config, store: store, maxBatch: Self.lengths.count, maxLength: Self.padded)
        try store.allocate()
        return encoder
    }

    /// Padded [batch, length] ids, mask, types and languages for `lengths`, and their packed forms.
    struct Batch {
        var ids: [Int32] = [], mask: [Int32] = [], types: [Int32] = [], languages: [Int32] = []
        var packedIDs: [Int32] = [], packedTypes: [Int32] = [], packedLanguages: [Int32] = []
    }
    func batch() -> Batch {
        var b = Batch()
        var rng = RandomStream(seed: 3, name: "inference-test")
        for (s, n) in Self.lengths.enumerated() {
            for j in 0..<Self.padded {
                let real = j < n
                let id = real ? Int32(1 + rng.nextInt(below: 39)) : 0
                let type: Int32 = real && j >= n / 2 ? 1 : 0
                let language = Int32(s % 3)
                b.ids.append(id); b.mask.append(real ? 1 : 0); b.types.append(type); b.languages.append(language)
                if real { b.packedIDs.append(id); b.packedTypes.append(type); b.packedLanguages.append(language) }
            }
        }
        return b
    }

    /// Equal to float rounding: |a − b| ≤ 1e-5 · (1 + |b|) everywhere.
    func close(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * (1 + abs($1)) }
    }

    /// Row r of sequence s in the padded [batch, length, D] layout.
    func paddedRow(_ t: Tensor, _ s: Int, _ r: Int, _ d: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: t.data + (s * Self.padded + r) * d, count: d))
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func everyLayerOfEveryRealTokenEqualsThePaddedForward(preLN: Bool, languages: Bool) throws {
        let encoder = try make(preLN: preLN, languages: languages)
        let b = batch(), d = encoder.config.hiddenSize, layers = encoder.config.numLayers
        let inference = EncoderInference(encoder)
        let out = try inference.forward(tokenIDs: b.packedIDs, lengths: Self.lengths, tokenTypeIDs: b.packedTypes,
                                        languageIDs: languages ? b.packedLanguages : nil, keep: Array(0...layers))
        let reference = try encoder.forward(tokenIDs: b.ids, attentionMask: b.mask, tokenTypeIDs: b.types,
                                            languageIDs: languages ? b.languages : nil, batch: Self.lengths.count, length: Self.padded,
                                            training: false)
        var compared = 0
        for l in 0...layers {
            let kept = try inference.keptState(after: l), expected = try encoder.hiddenState(after: l)
            for (s, n) in Self.lengths.enumerated() {
                let rows = inference.rows(of: s)
                #expect(rows.count == n)
                for (j, r) in rows.enumerated() {
                    let got = Array(UnsafeBufferPointer(start: kept.data + r * d, count: d))
                    #expect(close(got, paddedRow(expected, s, j, d)), "layer \(l), sequence \(s), token \(j)")
                    compared += 1
                }
            }
        }
        for (s, _) in Self.lengths.enumerated() {
            for (j, r) in inference.rows(of: s).enumerated() {
                #expect(close(Array(UnsafeBufferPointer(start: out.data + r * d, count: d)), paddedRow(reference, s, j, d)))
            }
        }
        #expect(compared == (layers + 1) * Self.lengths.reduce(0, +))
        #expect(out.shape == .matrix(Self.lengths.reduce(0, +), d))
    }

    @Test func stoppingAtALayerGivesThatLayersStateAndThePaddedFormHasZeroPadRows() throws {
        let encoder = try make(preLN: true, languages: false)
        let b = batch(), d = encoder.config.hiddenSize
        let inference = EncoderInference(encoder)
        let early = try inference.forward(tokenIDs: b.packedIDs, lengths: Self.lengths, tokenTypeIDs: b.packedTypes, through: 1)
        let earlyRows = early.toArray()
        let reference = try encoder.forward(tokenIDs: b.ids, attentionMask: b.mask, tokenTypeIDs: b.types,
                                            batch: Self.lengths.count, length: Self.padded, training: false)
        let afterOne = try encoder.hiddenState(after: 1)
        for (s, n) in Self.lengths.enumerated() {
            for j in 0..<n {
                let r = inference.rows(of: s).lowerBound + j
                #expect(close(Array(earlyRows[(r * d)..<((r + 1) * d)]), paddedRow(afterOne, s, j, d)))
            }
        }
        let referenceRows = reference.toArray()
        guard let paddedOut = try inference.forwardPadded(tokenIDs: b.ids, attentionMask: b.mask, tokenTypeIDs: b.types, languageIDs: nil,
                                                          batch: Self.lengths.count, length: Self.padded) else {
            Issue.record("a right-padded mask was not packed"); return
        }
        #expect(paddedOut.shape == .rank3(Self.lengths.count, Self.padded, d))
        for (s, n) in Self.lengths.enumerated() {
            for j in 0..<Self.padded {
                let got = paddedRow(paddedOut, s, j, d)
                if j < n {
                    #expect(close(got, Array(referenceRows[((s * Self.padded + j) * d)..<((s * Self.padded + j + 1) * d)])))
                } else {
                    #expect(got.allSatisfy { $0 == 0 }, "pad row \(j) of sequence \(s)")
                }
            }
        }
        // A mask with a hole, or a row with no token, is left to the padded forward.
        var holed = b.mask; holed[1] = 0
        #expect(try inference.forwardPadded(tokenIDs: b.ids, attentionMask: holed, tokenTypeIDs: nil, languageIDs: nil,
                                            batch: Self.lengths.count, length: Self.padded) == nil)
        var empty = b.mask; for j in 0..<Self.padded { empty[j] = 0 }
        #expect(try inference.forwardPadded(tokenIDs: b.ids, attentionMask: empty, tokenTypeIDs: nil, languageIDs: nil,
                                            batch: Self.lengths.count, length: Self.padded) == nil)
    }

    @Test func theWorkspaceGrowsForALongerBatchAndResultsDoNotDependOnIt() throws {
        let encoder = try make(preLN: false, languages: false)
        let inference = EncoderInference(encoder)
        let short: [Int32] = [4, 9, 2]
        let first = try inference.forward(tokenIDs: short, lengths: [3]).toArray()
        let small = inference.workspaceFloats
        _ = try inference.forward(tokenIDs: Array(repeating: 5, count: 40), lengths: [10, 10, 10, 10])
        #expect(inference.workspaceFloats > small)
        let again = try inference.forward(tokenIDs: short, lengths: [3]).toArray()
        #expect(first == again)
    }

    @Test func badInputIsRefusedWithAReason() throws {
        let encoder = try make(preLN: false, languages: false)
        let inference = EncoderInference(encoder)
        #expect(throws: EngineError.self) { try inference.forward(tokenIDs: [], lengths: []) }
        #expect(throws: EngineError.self) { try inference.forward(tokenIDs: [1, 2], lengths: [2, 0]) }
        #expect(throws: EngineError.self) { try inference.forward(tokenIDs: Array(repeating: 1, count: 11), lengths: [11]) }
        #expect(throws: EngineError.self) { try inference.forward(tokenIDs: [1, 40], lengths: [2]) }
        #expect(throws: EngineError.self) { try inference.forward(tokenIDs: [1, 2], lengths: [2], through: 4) }
        #expect(throws: EngineError.self) { try inference.forward(tokenIDs: [1, 2], lengths: [2], through: 1, keep: [2]) }
        try inference.forward(tokenIDs: [1, 2], lengths: [2], keep: [1])
        #expect(throws: EngineError.self) { _ = try inference.keptState(after: 2) }
    }

    @Test(arguments: [true, false])
    func packedAttentionMatchesTheReferencePerSequence(blas: Bool) throws {
        let lengths = [5, 2, 7, 1], heads = 3, headDim = 4, d = heads * headDim
        let n = lengths.reduce(0, +)
        var rng = RandomStream(seed: 9, name: "packed-attention")
        let qkv = (0..<(n * 3 * d)).map { _ in rng.nextGaussian() }
        var starts = [0]
        for l in lengths { starts.append(starts.last! + l) }
        let qkvTensor = OwnedTensor(.matrix(n, 3 * d)); try qkvTensor.tensor.copy(from: qkv)
        let out = OwnedTensor(.matrix(n, d))
        let scratch = OwnedTensor(.vector(AttentionOp.scratchFloats(length: 7, headDim: headDim, slots: Swift.max(1, Threads.count))))
        starts.withUnsafeBufferPointer { s in
            AttentionOp.forwardPackedUnchecked(starts: s.baseAddress!, sequences: lengths.count, longest: 7, heads: heads, headDim: headDim,
                                               qkv: qkvTensor.tensor.data, out: out.tensor.data, scratch: scratch.tensor.data,
                                               scratchCount: scratch.tensor.count, useBLAS: blas)
        }
        let got = out.tensor.toArray()
        for (i, t) in lengths.enumerated() {
            let slice = Array(qkv[(starts[i] * 3 * d)..<(starts[i + 1] * 3 * d)])
            let expected = AttentionOp.naive(.init(batch: 1, length: t, heads: heads, headDim: headDim), qkv: slice, mask: nil, dOut: nil).out
            for k in 0..<(t * d) {
                #expect(abs(Double(got[starts[i] * d + k]) - expected[k]) <= 1e-5 * (1 + abs(expected[k])), "sequence \(i), value \(k)")
            }
        }
    }
}
