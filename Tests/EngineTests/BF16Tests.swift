import Testing
import Foundation
import Platform
@testable import Engine

/// bf16 products (AVX512-BF16 kernels): against a Double reference on the bf16-rounded operands, which they
/// must match to fp32 accumulation, in every transpose, with alpha and beta, odd sizes, padded leading
/// dimensions and the engine's row and column split; against fp32 they differ by bf16's rounding, which the
/// training-step test bounds. Skipped, with the reason, on a CPU without AVX512-BF16.
@Suite(.enabled(if: BF16.isSupported, "this CPU has no AVX512-BF16")) struct BF16Tests {
    /// Σ op(A)·op(B) in Double over the bf16-rounded operands, then alpha and beta.
    func reference(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int, b: [Float], ldb: Int,
                   beta: Float, c: [Float], ldc: Int) -> (values: [Double], scale: [Double]) {
        let ra = BF16.rounded(a), rb = BF16.rounded(b)
        var out = [Double](repeating: 0, count: m * n), scale = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = Double(ta == .none ? ra[i * lda + p] : ra[p * lda + i])
                    let y = Double(tb == .none ? rb[p * ldb + j] : rb[j * ldb + p])
                    sum += x * y; magnitude += abs(x * y)
                }
                out[i * n + j] = Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j]))
                scale[i * n + j] = abs(Double(alpha)) * magnitude + abs(Double(beta) * Double(c[i * ldc + j]))
            }
        }
        return (out, scale)
    }

    @Test(arguments: [(Transpose.none, Transpose.none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed)])
    func gemmMatchesTheReferenceOnRoundedOperands(ta: Transpose, tb: Transpose) {
        var d = TestData("bf16-gemm")
        for (m, n, k, alpha, beta, pad) in [(1, 1, 1, Float(1), Float(0), 0), (37, 29, 23, 1.5, 0.5, 3), (70, 65, 130, 1, 1, 0),
                                            (16, 33, 2, -0.5, 0, 1), (129, 40, 517, 1, 0, 2)] {
            let aRows = ta == .none ? m : k, aCols = ta == .none ? k : m
            let bRows = tb == .none ? k : n, bCols = tb == .none ? n : k
            let lda = aCols + pad, ldb = bCols + pad, ldc = n + pad
            let a = d.floats(aRows * lda), b = d.floats(bRows * ldb), c0 = d.floats(m * ldc)
            var c = c0
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                BF16.gemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: ap, lda: lda, b: bp, ldb: ldb, beta: beta, c: cp, ldc: ldc)
            } } }
            let (expected, scale) = reference(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c0, ldc: ldc)
            var worst = 0.0
            for i in 0..<m { for j in 0..<n {
                worst = max(worst, abs(Double(c[i * ldc + j]) - expected[i * n + j]) / max(scale[i * n + j], 1e-30))
            } }
            #expect(worst < 1e-6, "\(m)×\(n)×\(k): worst error \(worst) of Σ|a·b|")
            // The padding columns of C are not written.
            for i in 0..<m { for j in n..<ldc { #expect(c[i * ldc + j] == c0[i * ldc + j]) } }
        }
    }

    /// The engine's row and column blocks of one product (what the pool runs) give what one call gives.
    @Test func theEnginesSplitEqualsOneCall() throws {
        var d = TestData("bf16-split")
        let (m, n, k) = (96, 80, 64)
        let a = d.tensor(.matrix(m, k)), b = d.tensor(.matrix(n, k))
        let whole = OwnedTensor(.matrix(m, n))
        Matmul.serialGemm(.none, .transposed, m: m, n: n, k: k, alpha: 1, a: a.tensor.data, lda: k, b: b.tensor.data, ldb: k,
                          beta: 0, c: whole.tensor.data, ldc: n, precision: .bf16)
        for rows in [true, false] {
            let c = OwnedTensor(.matrix(m, n))
            let args: Matmul.BlockArgs = (.none, .transposed, m, n, k, 1, UnsafePointer(a.tensor.data), k, UnsafePointer(b.tensor.data), k,
                                          0, c.tensor.data, n, .bf16)
            runInBlocks(args, byRows: rows)
            #expect(maxAbsDiff(c.tensor.toArray(), whole.tensor.toArray()) < 1e-5, "split by \(rows ? "rows" : "columns")")
        }
    }

    /// A training step of the encoder + MLM head in bf16 against the same step in fp32: the loss within 1%,
    /// every gradient within 5% of its norm, so bf16 trains the same model; and the two are not equal, so the
    /// step did run in bf16.
    @Test(arguments: [false, true])
    func aTrainingStepInBF16StaysCloseToFP32(preLN: Bool) throws {
        func step(_ precision: Precision) throws -> (loss: Float, gradients: [Float], entries: [ParameterStore.Entry]) {
            let config = EncoderConfig(vocabSize: 300, hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 128, maxPositions: 32,
                                       typeVocabSize: 2, layerNormEps: 1e-12, preLayerNorm: preLN, hiddenDropout: 0, attentionDropout: 0)
            let store = ParameterStore(seed: 3)
            let encoder = try TransformerEncoder(config: config, store: store, maxBatch: 4, maxLength: 24)
            let head = try MLMHead(config: config, store: store, tiedTo: encoder, maxTokens: 96)
            try store.allocate()
            try store.setPrecision(precision)
            var rng = RandomStream(seed: 5, name: "bf16-step")
            let ids = (0..<96).map { _ in Int32(5 + rng.nextInt(below: 295)) }
            let mask = (0..<96).map { i in Int32(i % 24 < 24 - (i / 24) * 3 ? 1 : 0) }
            let labels = (0..<96).map { i in mask[i] == 1 && i % 3 == 0 ? ids[i] : -100 }
            let hidden = try encoder.forward(tokenIDs: ids, attentionMask: mask, batch: 4, length: 24, training: true)
            try head.forward(hidden: hidden)
            let loss = try head.loss(labels: labels, computeGradient: true)
            try encoder.backward(dHidden: try head.backward())
            return (loss, store.gradients.toArray(), store.entries)
        }
        let full = try step(.fp32), half = try step(.bf16)
        #expect(abs(half.loss - full.loss) <= 0.01 * abs(full.loss), "loss \(half.loss) vs \(full.loss)")
        var differs = false
        for e in full.entries {
            let range = e.offset..<(e.offset + e.shape.count)
            var diff = 0.0, norm = 0.0
            for i in range {
                diff += Double(half.gradients[i] - full.gradients[i]) * Double(half.gradients[i] - full.gradients[i])
                norm += Double(full.gradients[i]) * Double(full.gradients[i])
            }
            if diff > 0 { differs = true }
            #expect(diff.squareRoot() <= 0.05 * norm.squareRoot() + 1e-7, "\(e.name): ‖Δg‖ \(diff.squareRoot()) vs ‖g‖ \(norm.squareRoot())")
        }
        #expect(differs, "bf16 gave the fp32 gradients bit for bit: the products did not run in bf16")
    }
}
