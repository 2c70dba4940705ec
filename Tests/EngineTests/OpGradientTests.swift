import Testing
import Foundation
import Platform
@testable import Engine

/// Every op's backward against central finite differences of L = Σ w ⊙ op(x) (Double accumulation).
@Suite struct OpGradientTests {
    @Test func linear() throws {
        var d = TestData("linear")
        let x = d.tensor(.matrix(5, 7)), w = d.tensor(.matrix(4, 7)), b = d.tensor(.vector(4)), y = OwnedTensor(.matrix(5, 4))
        let wy = d.floats(20)
        let loss = { () throws -> Double in try LinearOp.forward(x: x.tensor, weight: w.tensor, bias: b.tensor, y: y.tensor); return weightedSum(y.tensor, wy) }
        _ = try loss()
        let dy = try OwnedTensor(.matrix(5, 4), values: wy)
        let dx = OwnedTensor(.matrix(5, 7)), dw = OwnedTensor(.matrix(4, 7)), db = OwnedTensor(.vector(4))
        try LinearOp.backward(dy: dy.tensor, x: x.tensor, weight: w.tensor, dx: dx.tensor, dWeight: dw.tensor, dBias: db.tensor)
        try expectGradient(finiteDifferenceCheck(x.tensor.data, count: 35, analytic: dx.tensor.toArray(), loss: loss))
        try expectGradient(finiteDifferenceCheck(w.tensor.data, count: 28, analytic: dw.tensor.toArray(), loss: loss))
        try expectGradient(finiteDifferenceCheck(b.tensor.data, count: 4, analytic: db.tensor.toArray(), loss: loss))
    }

    @Test func biasAndResidual() throws {
        var d = TestData("bias")
        let x = d.tensor(.matrix(6, 5)), b = d.tensor(.vector(5)), r = d.tensor(.matrix(6, 5)), y = OwnedTensor(.matrix(6, 5))
        let wy = d.floats(30)
        let loss = { () throws -> Double in
            try ResidualOp.forward(x.tensor, r.tensor, into: y.tensor); try BiasOp.forward(y.tensor, bias: b.tensor)
            return weightedSum(y.tensor, wy)
        }
        let dy = try OwnedTensor(.matrix(6, 5), values: wy), db = OwnedTensor(.vector(5)), dx = OwnedTensor(.matrix(6, 5))
        try BiasOp.backward(dy: dy.tensor, dBias: db.tensor)
        try ResidualOp.accumulate(dy.tensor, into: dx.tensor)
        try expectGradient(finiteDifferenceCheck(b.tensor.data, count: 5, analytic: db.tensor.toArray(), loss: loss))
        try expectGradient(finiteDifferenceCheck(x.tensor.data, count: 30, analytic: dx.tensor.toArray(), loss: loss))
        try expectGradient(finiteDifferenceCheck(r.tensor.data, count: 30, analytic: dx.tensor.toArray(), loss: loss))
    }

    @Test(arguments: [false, true]) func layerNorm(accumulate: Bool) throws {
        var d = TestData("layernorm")
        let x = d.tensor(.matrix(4, 8), scale: 2), g = try OwnedTensor(.vector(8), values: d.floats(8).map { 1 + 0.3 * $0 }), b = d.tensor(.vector(8))
        let y = OwnedTensor(.matrix(4, 8)), mean = OwnedTensor(.vector(4)), rstd = OwnedTensor(.vector(4))
        let wy = d.floats(32)
        let loss = { () throws -> Double in
            try LayerNormOp.forward(x: x.tensor, gamma: g.tensor, beta: b.tensor, eps: 1e-5, y: y.tensor, mean: mean.tensor, rstd: rstd.tensor)
            return weightedSum(y.tensor, wy)
        }
        _ = try loss()
        let dy = try OwnedTensor(.matrix(4, 8), values: wy)
        let prior = d.floats(32)
        let dx = try OwnedTensor(.matrix(4, 8), values: accumulate ? prior : [Float](repeating: 0, count: 32))
        let dg = OwnedTensor(.vector(8)), dbeta = OwnedTensor(.vector(8))
        try LayerNormOp.backward(dy: dy.tensor, x: x.tensor, gamma: g.tensor, mean: mean.tensor, rstd: rstd.tensor, dx: dx.tensor,
                                 dGamma: dg.tensor, dBeta: dbeta.tensor, accumulate: accumulate)
        let dxOnly = accumulate ? zip(dx.tensor.toArray(), prior).map { $0 - $1 } : dx.tensor.toArray()
        try expectGradient(finiteDifferenceCheck(x.tensor.data, count: 32, analytic: dxOnly, step: 1e-2, loss: loss))
        try expectGradient(finiteDifferenceCheck(g.tensor.data, count: 8, analytic: dg.tensor.toArray(), loss: loss))
        try expectGradient(finiteDifferenceCheck(b.tensor.data, count: 8, analytic: dbeta.tensor.toArray(), loss: loss))
    }

    @Test func geluAndTanh() throws {
        var d = TestData("gelu")
        let x = d.tensor(.matrix(3, 10), scale: 2), y = OwnedTensor(.matrix(3, 10)), t = OwnedTensor(.matrix(3, 10))
        let wy = d.floats(30), wt = d.floats(30)
        let loss = { () throws -> Double in
            try GELUOp.forward(x: x.tensor, y: y.tensor); try TanhOp.forward(x: x.tensor, y: t.tensor)
            return weightedSum(y.tensor, wy) + weightedSum(t.tensor, wt)
        }
        _ = try loss()
        let dx1 = OwnedTensor(.matrix(3, 10)), dx2 = OwnedTensor(.matrix(3, 10))
        let held0 = try OwnedTensor(.matrix(3, 10), values: wy)
        try GELUOp.backward(dy: held0.tensor, x: x.tensor, dx: dx1.tensor)
        let held1 = try OwnedTensor(.matrix(3, 10), values: wt)
        try TanhOp.backward(dy: held1.tensor, y: t.tensor, dx: dx2.tensor)
        let total = zip(dx1.tensor.toArray(), dx2.tensor.toArray()).map { $0 + $1 }
        try expectGradient(finiteDifferenceCheck(x.tensor.data, count: 30, analytic: total, step: 5e-3, loss: loss))
    }

    @Test func softmaxAndLogSoftmax() throws {
        var d = TestData("softmax")
        let x = d.tensor(.matrix(3, 9), scale: 2), y = OwnedTensor(.matrix(3, 9)), ly = OwnedTensor(.matrix(3, 9))
        let wy = d.floats(27), wl = d.floats(27)
        let loss = { () throws -> Double in
            try SoftmaxOp.forward(x: x.tensor, y: y.tensor); try SoftmaxOp.logSoftmaxForward(x: x.tensor, y: ly.tensor)
            return weightedSum(y.tensor, wy) + weightedSum(ly.tensor, wl)
        }
        _ = try loss()
        let dx1 = OwnedTensor(.matrix(3, 9)), dx2 = OwnedTensor(.matrix(3, 9))
        let held2 = try OwnedTensor(.matrix(3, 9), values: wy)
        try SoftmaxOp.backward(dy: held2.tensor, y: y.tensor, dx: dx1.tensor)
        let held3 = try OwnedTensor(.matrix(3, 9), values: wl)
        try SoftmaxOp.logSoftmaxBackward(dy: held3.tensor, y: ly.tensor, dx: dx2.tensor)
        let total = zip(dx1.tensor.toArray(), dx2.tensor.toArray()).map { $0 + $1 }
        try expectGradient(finiteDifferenceCheck(x.tensor.data, count: 27, analytic: total, step: 5e-3, loss: loss))
    }

    @Test(arguments: [Float(0), 0.1]) func crossEntropy(smoothing: Float) throws {
        var d = TestData("ce")
        let n = 6, c = 11
        let x = d.tensor(.matrix(n, c), scale: 2), work = OwnedTensor(.matrix(n, c)), rows = OwnedTensor(.vector(n))
        var targets = d.ints(n, below: c)
        targets[2] = CrossEntropyOp.ignoreIndex
        let loss = { () throws -> Double in
            work.tensor.copy(from: x.tensor)
            return Double(try targets.withUnsafeBufferPointer {
                try CrossEntropyOp.forward(logits: work.tensor, targets: $0, labelSmoothing: smoothing, rowLoss: rows.tensor, writeGradient: false).loss
            })
        }
        work.tensor.copy(from: x.tensor)
        let r = try targets.withUnsafeBufferPointer {
            try CrossEntropyOp.forward(logits: work.tensor, targets: $0, labelSmoothing: smoothing, rowLoss: rows.tensor, writeGradient: true)
        }
        #expect(r.count == n - 1)
        let grad = work.tensor.toArray()
        #expect(grad[(2 * c)..<(3 * c)].allSatisfy { $0 == 0 })
        try expectGradient(finiteDifferenceCheck(x.tensor.data, count: n * c, analytic: grad, samples: 40, step: 5e-3, loss: loss))
    }

    @Test(arguments: [false, true]) func attention(dropout: Bool) throws {
        var d = TestData("attention")
        let dims = AttentionOp.Dimensions(batch: 2, length: 5, heads: 2, headDim: 3)
        let n = 10, dm = dims.model
        let qkv = d.tensor(.matrix(n, 3 * dm)), out = OwnedTensor(.matrix(n, dm))
        let probs = OwnedTensor(.vector(dims.probabilityCount)), scratch = OwnedTensor(.vector(AttentionOp.scratchFloats(length: 5, headDim: 3, slots: 4)))
        let dmask = OwnedTensor(.vector(dims.probabilityCount))
        try DropoutOp.makeMask(dmask.tensor, probability: 0.3, seed: 9)
        let mask: [Int32] = [1, 1, 1, 1, 1, 1, 1, 0, 1, 0]
        let wy = d.floats(n * dm)
        let loss = { () throws -> Double in
            try mask.withUnsafeBufferPointer {
                try AttentionOp.forward(dims, qkv: qkv.tensor, mask: $0, probs: probs.tensor, dropoutMask: dropout ? dmask.tensor : nil,
                                        out: out.tensor, scratch: scratch.tensor)
            }
            return weightedSum(out.tensor, wy)
        }
        _ = try loss()
        let dq = OwnedTensor(.matrix(n, 3 * dm))
        try mask.withUnsafeBufferPointer {
            let held4 = try OwnedTensor(.matrix(n, dm), values: wy)
            try AttentionOp.backward(dims, dOut: held4.tensor, qkv: qkv.tensor, mask: $0,
                                     probs: probs.tensor, dropoutMask: dropout ? dmask.tensor : nil, dQKV: dq.tensor, scratch: scratch.tensor)
        }
        try expectGradient(finiteDifferenceCheck(qkv.tensor.data, count: n * 3 * dm, analytic: dq.tensor.toArray(), samples: 60, step: 5e-3, loss: loss))
    }

    @Test func dropoutAndEmbedding() throws {
        var d = TestData("embedding")
        let table = d.tensor(.matrix(7, 4)), out = OwnedTensor(.matrix(5, 4)), mask = OwnedTensor(.matrix(5, 4))
        let ids: [Int32] = [3, 0, 3, 6, 1]
        try DropoutOp.makeMask(mask.tensor, probability: 0.4, seed: 5)
        let wy = d.floats(20)
        let loss = { () throws -> Double in
            try ids.withUnsafeBufferPointer { try EmbeddingOp.forward(table: table.tensor, ids: $0, out: out.tensor) }
            try DropoutOp.apply(out.tensor, mask: mask.tensor, into: out.tensor)
            return weightedSum(out.tensor, wy)
        }
        _ = try loss()
        let dy = try OwnedTensor(.matrix(5, 4), values: wy), dt = OwnedTensor(.matrix(7, 4))
        try DropoutOp.apply(dy.tensor, mask: mask.tensor, into: dy.tensor)
        try ids.withUnsafeBufferPointer { try EmbeddingOp.backward(dOut: dy.tensor, ids: $0, dTable: dt.tensor) }
        try expectGradient(finiteDifferenceCheck(table.tensor.data, count: 28, analytic: dt.tensor.toArray(), loss: loss))
    }

    @Test func meanPoolNormalizeCosine() throws {
        var d = TestData("pool")
        let x = d.tensor(.rank3(2, 4, 3)), pooled = OwnedTensor(.matrix(2, 3)), normed = OwnedTensor(.matrix(2, 3)), norms = OwnedTensor(.vector(2))
        let other = d.tensor(.matrix(2, 3)), cos = OwnedTensor(.vector(2))
        let mask: [Int32] = [1, 1, 0, 0, 1, 1, 1, 1]
        let wc = d.floats(2)
        let loss = { () throws -> Double in
            try mask.withUnsafeBufferPointer { try MeanPoolOp.forward(x: x.tensor, mask: $0, out: pooled.tensor) }
            try L2NormalizeOp.forward(x: pooled.tensor, y: normed.tensor, norms: norms.tensor)
            try CosineSimilarityOp.forward(a: normed.tensor, b: other.tensor, out: cos.tensor)
            return weightedSum(cos.tensor, wc)
        }
        _ = try loss()
        let dNormed = OwnedTensor(.matrix(2, 3)), dOther = OwnedTensor(.matrix(2, 3)), dPooled = OwnedTensor(.matrix(2, 3)), dx = OwnedTensor(.rank3(2, 4, 3))
        let held5 = try OwnedTensor(.vector(2), values: wc)
        try CosineSimilarityOp.backward(dOut: held5.tensor, a: normed.tensor, b: other.tensor, dA: dNormed.tensor, dB: dOther.tensor)
        try L2NormalizeOp.backward(dy: dNormed.tensor, y: normed.tensor, norms: norms.tensor, dx: dPooled.tensor)
        try mask.withUnsafeBufferPointer { try MeanPoolOp.backward(dOut: dPooled.tensor, mask: $0, dx: dx.tensor) }
        try expectGradient(finiteDifferenceCheck(x.tensor.data, count: 24, analytic: dx.tensor.toArray(), step: 5e-3, loss: loss))
        try expectGradient(finiteDifferenceCheck(other.tensor.data, count: 6, analytic: dOther.tensor.toArray(), step: 5e-3, loss: loss))
    }

    @Test func concatAndTokenSelect() throws {
        var d = TestData("concat")
        let x = d.tensor(.rank3(2, 3, 2)), a = OwnedTensor(.matrix(2, 2)), b = d.tensor(.matrix(2, 3)), out = OwnedTensor(.matrix(2, 5))
        let positions = [0, 2]
        let wy = d.floats(10)
        let loss = { () throws -> Double in
            try TokenSelectOp.forward(x: x.tensor, positions: positions, out: a.tensor)
            try ConcatOp.forward([a.tensor, b.tensor], into: out.tensor)
            return weightedSum(out.tensor, wy)
        }
        _ = try loss()
        let da = OwnedTensor(.matrix(2, 2)), dbt = OwnedTensor(.matrix(2, 3)), dx = OwnedTensor(.rank3(2, 3, 2))
        let held6 = try OwnedTensor(.matrix(2, 5), values: wy)
        try ConcatOp.backward(dOut: held6.tensor, into: [da.tensor, dbt.tensor])
        try TokenSelectOp.backward(dOut: da.tensor, positions: positions, dx: dx.tensor)
        try expectGradient(finiteDifferenceCheck(x.tensor.data, count: 12, analytic: dx.tensor.toArray(), loss: loss))
        try expectGradient(finiteDifferenceCheck(b.tensor.data, count: 6, analytic: dbt.tensor.toArray(), loss: loss))
    }
}
