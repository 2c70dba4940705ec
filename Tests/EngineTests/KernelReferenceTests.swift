import Testing
import Foundation
import Platform
@testable import Engine

/// Each optimized kernel against its plain reference.
@Suite struct KernelReferenceTests {
    @Test func fastMathMatchesLibm() {
        var worstExp: Float = 0, worstErf: Float = 0
        var x: Float = -80
        while x < 80 {
            let r = Float(Foundation.exp(Double(x)))
            worstExp = max(worstExp, abs(FastMath.exp(x) - r) / r)
            x += 0.0137
        }
        x = -6
        while x < 6 {
            worstErf = max(worstErf, abs(FastMath.erf(x) - Float(Foundation.erf(Double(x)))))
            x += 0.001
        }
        #expect(worstExp < 4e-7, "exp relative error \(worstExp)")
        #expect(worstErf < 6e-7, "erf absolute error \(worstErf)")
        #expect(FastMath.exp(-200) < 1e-37 && FastMath.exp(0) == 1)
        for v in [-5.0, -0.5, 0.001, 0.3, 2.5] {
            #expect(abs(Double(TanhOp.fastTanh(Float(v))) - Foundation.tanh(v)) < 1e-6 * max(1, abs(Foundation.tanh(v))))
        }
    }

    @Test(arguments: [(Transpose.none, Transpose.none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed)])
    func matmul(ta: Transpose, tb: Transpose) throws {
        var d = TestData("matmul")
        let m = 17, n = 13, k = 29
        let a = d.tensor(ta == .none ? .matrix(m, k) : .matrix(k, m)), b = d.tensor(tb == .none ? .matrix(k, n) : .matrix(n, k))
        let c1 = try OwnedTensor(.matrix(m, n), values: d.floats(m * n)), c2 = OwnedTensor(.matrix(m, n))
        c2.tensor.copy(from: c1.tensor)
        try Matmul.multiply(a.tensor, ta, b.tensor, tb, into: c1.tensor, alpha: 0.5, beta: 2)
        Matmul.naiveMultiply(a.tensor, ta, b.tensor, tb, into: c2.tensor, alpha: 0.5, beta: 2)
        #expect(maxAbsDiff(c1.tensor.toArray(), c2.tensor.toArray()) < 1e-4)
    }

    @Test func batchedMatmul() throws {
        var d = TestData("batched")
        let a = d.tensor(.rank3(3, 4, 5)), b = d.tensor(.rank3(3, 6, 5)), c = OwnedTensor(.rank3(3, 4, 6))
        try Matmul.batched(a.tensor, .none, b.tensor, .transposed, into: c.tensor)
        for i in 0..<3 {
            let ref = OwnedTensor(.matrix(4, 6))
            Matmul.naiveMultiply(Tensor(data: a.tensor.data + i * 20, shape: .matrix(4, 5)), .none,
                                 Tensor(data: b.tensor.data + i * 30, shape: .matrix(6, 5)), .transposed, into: ref.tensor)
            #expect(maxAbsDiff(Array(c.tensor.toArray()[(i * 24)..<((i + 1) * 24)]), ref.tensor.toArray()) < 1e-5)
        }
    }

    @Test func linearAndColumnSums() throws {
        var d = TestData("linear-ref")
        let x = d.tensor(.matrix(37, 19)), w = d.tensor(.matrix(300, 19)), b = d.tensor(.vector(300))
        let y1 = OwnedTensor(.matrix(37, 300)), y2 = OwnedTensor(.matrix(37, 300))
        try LinearOp.forward(x: x.tensor, weight: w.tensor, bias: b.tensor, y: y1.tensor)
        LinearOp.naiveForward(x: x.tensor, weight: w.tensor, bias: b.tensor, y: y2.tensor)
        #expect(maxAbsDiff(y1.tensor.toArray(), y2.tensor.toArray()) < 1e-4)
        let dy = d.tensor(.matrix(37, 300))
        let dx1 = OwnedTensor(.matrix(37, 19)), dw1 = OwnedTensor(.matrix(300, 19)), db1 = OwnedTensor(.vector(300))
        let dx2 = OwnedTensor(.matrix(37, 19)), dw2 = OwnedTensor(.matrix(300, 19)), db2 = OwnedTensor(.vector(300))
        try LinearOp.backward(dy: dy.tensor, x: x.tensor, weight: w.tensor, dx: dx1.tensor, dWeight: dw1.tensor, dBias: db1.tensor)
        LinearOp.naiveBackward(dy: dy.tensor, x: x.tensor, weight: w.tensor, dx: dx2.tensor, dWeight: dw2.tensor, dBias: db2.tensor)
        #expect(maxAbsDiff(dx1.tensor.toArray(), dx2.tensor.toArray()) < 1e-4)
        #expect(maxAbsDiff(dw1.tensor.toArray(), dw2.tensor.toArray()) < 1e-4)
        #expect(maxAbsDiff(db1.tensor.toArray(), db2.tensor.toArray()) < 1e-4)
        #expect(maxAbsDiff(db1.tensor.toArray(), BiasOp.naiveColumnSums(dy.tensor)) < 1e-4)
    }

    @Test func layerNormAndGELU() throws {
        var d = TestData("ln-ref")
        let x = d.tensor(.matrix(50, 96), scale: 3), g = d.tensor(.vector(96)), b = d.tensor(.vector(96))
        let y1 = OwnedTensor(.matrix(50, 96)), y2 = OwnedTensor(.matrix(50, 96)), mean = OwnedTensor(.vector(50)), rstd = OwnedTensor(.vector(50))
        try LayerNormOp.forward(x: x.tensor, gamma: g.tensor, beta: b.tensor, eps: 1e-12, y: y1.tensor, mean: mean.tensor, rstd: rstd.tensor)
        LayerNormOp.naiveForward(x: x.tensor, gamma: g.tensor, beta: b.tensor, eps: 1e-12, y: y2.tensor)
        #expect(maxAbsDiff(y1.tensor.toArray(), y2.tensor.toArray()) < 2e-5)
        let gy = OwnedTensor(.matrix(50, 96)), gd = OwnedTensor(.matrix(50, 96))
        try GELUOp.forward(x: x.tensor, y: gy.tensor)
        let ones = OwnedTensor(.matrix(50, 96), fill: 1)
        try GELUOp.backward(dy: ones.tensor, x: x.tensor, dx: gd.tensor)
        let xs = x.tensor.toArray()
        #expect(maxAbsDiff(gy.tensor.toArray(), xs.map { GELUOp.naive(Double($0)) }) < 1e-6 * 10)
        #expect(maxAbsDiff(gd.tensor.toArray(), xs.map { GELUOp.naiveDerivative(Double($0)) }) < 1e-6)
    }

    @Test func softmaxMatchesNaive() throws {
        var d = TestData("softmax-ref")
        let x = d.tensor(.matrix(4, 33), scale: 5), y = OwnedTensor(.matrix(4, 33))
        try SoftmaxOp.forward(x: x.tensor, y: y.tensor)
        let xs = x.tensor.toArray().map(Double.init)
        for r in 0..<4 {
            let ref = SoftmaxOp.naive(Array(xs[(r * 33)..<((r + 1) * 33)]))
            #expect(maxAbsDiff(Array(y.tensor.toArray()[(r * 33)..<((r + 1) * 33)]), ref) < 1e-6)
        }
    }

    @Test(arguments: [Float(0), 0.2]) func crossEntropyMatchesNaive(smoothing: Float) throws {
        var d = TestData("ce-ref")
        let n = 9, c = 1000
        let x = d.tensor(.matrix(n, c), scale: 3), rows = OwnedTensor(.vector(n))
        var t = d.ints(n, below: c)
        t[4] = CrossEntropyOp.ignoreIndex
        let xs = x.tensor.toArray()
        let r = try t.withUnsafeBufferPointer {
            try CrossEntropyOp.forward(logits: x.tensor, targets: $0, labelSmoothing: smoothing, rowLoss: rows.tensor, writeGradient: true)
        }
        let ref = CrossEntropyOp.naive(logits: xs, rows: n, classes: c, targets: t, labelSmoothing: Double(smoothing))
        #expect(abs(Double(r.loss) - ref.loss) < 1e-5 * max(1, ref.loss))
        #expect(maxAbsDiff(x.tensor.toArray(), ref.gradient) < 1e-7)
    }

    @Test func attentionMatchesNaive() throws {
        var d = TestData("attention-ref")
        let dims = AttentionOp.Dimensions(batch: 3, length: 11, heads: 3, headDim: 8)
        let n = 33, dm = dims.model
        let qkv = d.tensor(.matrix(n, 3 * dm)), out = OwnedTensor(.matrix(n, dm)), dq = OwnedTensor(.matrix(n, 3 * dm))
        let probs = OwnedTensor(.vector(dims.probabilityCount))
        let scratch = OwnedTensor(.vector(AttentionOp.scratchFloats(length: 11, headDim: 8, slots: 2)))
        var mask = [Int32](repeating: 1, count: n)
        for t in 7..<11 { mask[11 + t] = 0 }      // right padding
        mask[22 + 3] = 0                           // a hole in the middle
        let dOut = d.tensor(.matrix(n, dm))
        try mask.withUnsafeBufferPointer {
            try AttentionOp.forward(dims, qkv: qkv.tensor, mask: $0, probs: probs.tensor, dropoutMask: nil, out: out.tensor, scratch: scratch.tensor)
            try AttentionOp.backward(dims, dOut: dOut.tensor, qkv: qkv.tensor, mask: $0, probs: probs.tensor, dropoutMask: nil, dQKV: dq.tensor, scratch: scratch.tensor)
        }
        let ref = AttentionOp.naive(dims, qkv: qkv.tensor.toArray(), mask: mask, dOut: dOut.tensor.toArray())
        #expect(maxAbsDiff(out.tensor.toArray(), ref.out) < 1e-5)
        #expect(maxAbsDiff(dq.tensor.toArray(), ref.dQKV) < 1e-5)
        // Padded keys get exactly zero probability.
        let p = probs.tensor.toArray()
        for h in 0..<3 { for i in 0..<11 { for j in 7..<11 { #expect(p[((1 * 3 + h) * 11 + i) * 11 + j] == 0) } } }
    }

    @Test func embeddingScatterMatchesNaive() throws {
        var d = TestData("emb-ref")
        let ids = d.ints(200, below: 13)
        let dOut = d.tensor(.matrix(200, 70)), dt = OwnedTensor(.matrix(13, 70))
        try ids.withUnsafeBufferPointer { try EmbeddingOp.backward(dOut: dOut.tensor, ids: $0, dTable: dt.tensor) }
        var ref = [Double](repeating: 0, count: 13 * 70)
        for (i, id) in ids.enumerated() { for c in 0..<70 { ref[Int(id) * 70 + c] += Double(dOut.tensor[i * 70 + c]) } }
        #expect(maxAbsDiff(dt.tensor.toArray(), ref) < 1e-4)
    }

    @Test func dropoutMaskIsSeededAndUnbiased() throws {
        let a = OwnedTensor(.vector(100_000)), b = OwnedTensor(.vector(100_000))
        try DropoutOp.makeMask(a.tensor, probability: 0.1, seed: 77)
        try DropoutOp.makeMask(b.tensor, probability: 0.1, seed: 77)
        #expect(a.tensor.toArray() == b.tensor.toArray())
        let kept = a.tensor.toArray().filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.9) < 1e-6 })
        #expect(abs(Double(kept.count) / 100_000 - 0.9) < 0.005)
    }
}

/// Serialized: changes the process-wide thread configuration to exercise the pool-split products.
@Suite(.serialized) struct PartitionedProductTests {
    @Test(arguments: [(Transpose.none, Transpose.transposed), (.transposed, .none), (.none, .none), (.transposed, .transposed)])
    func poolSplitProductMatchesNaive(ta: Transpose, tb: Transpose) throws {
        let previous = Threads.count
        Threads.configure(2, blasThreads: 1)
        defer { Threads.configure(previous) }
        var d = TestData("split")
        for (m, n, k) in [(300, 70, 40), (50, 400, 30)] {
            let a = d.tensor(ta == .none ? .matrix(m, k) : .matrix(k, m)), b = d.tensor(tb == .none ? .matrix(k, n) : .matrix(n, k))
            let c1 = try OwnedTensor(.matrix(m, n), values: d.floats(m * n)), c2 = OwnedTensor(.matrix(m, n))
            c2.tensor.copy(from: c1.tensor)
            try Matmul.multiply(a.tensor, ta, b.tensor, tb, into: c1.tensor, alpha: 1.5, beta: 0.5)
            Matmul.naiveMultiply(a.tensor, ta, b.tensor, tb, into: c2.tensor, alpha: 1.5, beta: 0.5)
            #expect(maxAbsDiff(c1.tensor.toArray(), c2.tensor.toArray()) < 1e-4, "m=\(m) n=\(n) k=\(k)")
        }
    }
}
