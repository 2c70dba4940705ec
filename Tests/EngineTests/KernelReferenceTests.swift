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

    /// erf's tail is taken as 0 where x² > 80 (no subnormal products); every result equals the formula's
    /// without that shortcut, bit for bit, including the values just around the cut and far beyond it.
    @Test func erfTailShortcutChangesNoResult() {
        func formula(_ x: Float) -> Float {
            let a = Swift.abs(x)
            let t = 1 / (1 + 0.327_591_1 * a)
            var p: Float = 1.061_405_429
            p = p * t - 1.453_152_027
            p = p * t + 1.421_413_741
            p = p * t - 0.284_496_736
            p = p * t + 0.254_829_592
            let y = 1 - p * t * FastMath.exp(-a * a)
            return x < 0 ? -y : y
        }
        var values: [Float] = []
        var x: Float = -40
        while x < 40 { values.append(x); x += 0.0071 }
        let cut = Float(80).squareRoot()
        for v in [cut, cut.nextUp, cut.nextDown, 1e3, 1e6, 3e38, .greatestFiniteMagnitude] { values += [v, -v] }
        var differing = 0
        for v in values where FastMath.erf(v).bitPattern != formula(v).bitPattern { differing += 1 }
        #expect(differing == 0, "\(differing) of \(values.count) values differ")
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

/// The block split behind pool-parallel products, run block by block on this thread (no process-wide
/// thread configuration is touched, so these tests can run beside any other).
@Suite struct BlockSplitProductTests {
    @Test(arguments: [(Transpose.none, Transpose.transposed), (.transposed, .none), (.none, .none), (.transposed, .transposed)])
    func blocksMatchNaive(ta: Transpose, tb: Transpose) throws {
        var d = TestData("split")
        let (m, n, k) = (37, 29, 23)
        let a = d.tensor(ta == .none ? .matrix(m, k) : .matrix(k, m)), b = d.tensor(tb == .none ? .matrix(k, n) : .matrix(n, k))
        let start = d.floats(m * n)
        let ref = try OwnedTensor(.matrix(m, n), values: start)
        Matmul.naiveMultiply(a.tensor, ta, b.tensor, tb, into: ref.tensor, alpha: 1.5, beta: 0.5)
        for rows in [true, false] {
            let c = try OwnedTensor(.matrix(m, n), values: start)
            let args: Matmul.BlockArgs = (ta, tb, m, n, k, 1.5, UnsafePointer(a.tensor.data), a.tensor.shape.last, UnsafePointer(b.tensor.data), b.tensor.shape.last,
                                          0.5, c.tensor.data, n, .fp32)
            runInBlocks(args, byRows: rows)
            #expect(maxAbsDiff(c.tensor.toArray(), ref.tensor.toArray()) < 1e-4, "split by \(rows ? "rows" : "columns")")
        }
    }
}

/// Attention's BLAS path (taken when OpenBLAS runs single-threaded) against the reference and the loop path,
/// with padding, an all-padding sequence and dropout. One scratch slot keeps every pair on this thread.
@Suite struct AttentionPathTests {
    func run(_ dims: AttentionOp.Dimensions, qkv: Tensor, mask: [Int32], dropout: Tensor?, dOut: Tensor, blas: Bool) -> (out: [Float], dq: [Float]) {
        let n = dims.batch * dims.length
        let out = OwnedTensor(.matrix(n, dims.model)), dq = OwnedTensor(.matrix(n, 3 * dims.model))
        let probs = OwnedTensor(.vector(dims.probabilityCount))
        let scratch = OwnedTensor(.vector(AttentionOp.scratchFloats(length: dims.length, headDim: dims.headDim, slots: 1)))
        mask.withUnsafeBufferPointer {
            AttentionOp.forwardUnchecked(dims, qkv: qkv.data, mask: $0.baseAddress, probs: probs.tensor.data, dropoutMask: dropout?.data,
                                         out: out.tensor.data, scratch: scratch.tensor.data, scratchCount: scratch.tensor.count, useBLAS: blas)
            AttentionOp.backwardUnchecked(dims, dOut: dOut.data, qkv: qkv.data, mask: $0.baseAddress, probs: probs.tensor.data,
                                          dropoutMask: dropout?.data, dQKV: dq.tensor.data, scratch: scratch.tensor.data,
                                          scratchCount: scratch.tensor.count, useBLAS: blas)
        }
        return (out.tensor.toArray(), dq.tensor.toArray())
    }

    @Test func blasPathMatchesLoopsAndReference() throws {
        var d = TestData("attention-paths")
        let dims = AttentionOp.Dimensions(batch: 3, length: 13, heads: 2, headDim: 8)
        let n = 39
        let qkv = d.tensor(.matrix(n, 3 * dims.model)), dOut = d.tensor(.matrix(n, dims.model))
        var mask = [Int32](repeating: 1, count: n)
        for t in 9..<13 { mask[13 + t] = 0 }
        for t in 0..<13 { mask[26 + t] = 0 }       // a sequence that is all padding
        let dm = OwnedTensor(.vector(dims.probabilityCount))
        try DropoutOp.makeMask(dm.tensor, probability: 0.2, seed: 3)
        let blas = run(dims, qkv: qkv.tensor, mask: mask, dropout: nil, dOut: dOut.tensor, blas: true)
        let blasDrop = run(dims, qkv: qkv.tensor, mask: mask, dropout: dm.tensor, dOut: dOut.tensor, blas: true)
        let loops = run(dims, qkv: qkv.tensor, mask: mask, dropout: nil, dOut: dOut.tensor, blas: false)
        let loopsDrop = run(dims, qkv: qkv.tensor, mask: mask, dropout: dm.tensor, dOut: dOut.tensor, blas: false)
        // The all-padding sequence has no keys: both paths give zeros there (the reference's softmax is undefined).
        let ref = AttentionOp.naive(AttentionOp.Dimensions(batch: 2, length: 13, heads: 2, headDim: 8),
                                    qkv: Array(qkv.tensor.toArray()[0..<(26 * 48)]), mask: Array(mask[0..<26]),
                                    dOut: Array(dOut.tensor.toArray()[0..<(26 * 16)]))
        #expect(maxAbsDiff(Array(blas.out[0..<(26 * 16)]), ref.out) < 1e-5)
        #expect(maxAbsDiff(Array(blas.dq[0..<(26 * 48)]), ref.dQKV) < 1e-5)
        #expect(blas.out[(26 * 16)...].allSatisfy { $0 == 0 } && blas.dq[(26 * 48)...].allSatisfy { $0 == 0 })
        #expect(maxAbsDiff(blas.out, loops.out) < 1e-5 && maxAbsDiff(blas.dq, loops.dq) < 1e-5)
        #expect(maxAbsDiff(blasDrop.out, loopsDrop.out) < 1e-5 && maxAbsDiff(blasDrop.dq, loopsDrop.dq) < 1e-5)
        #expect(maxAbsDiff(blasDrop.out, blas.out) > 1e-3) // dropout did something
    }
}
