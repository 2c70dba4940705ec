import Platform

/// LoRA on one weight matrix W [out, in] of a block: y += (alpha/r) · dropout(x) Aᵀ Bᵀ, with A [r, in]
/// (Kaiming-uniform, bound 1/√in, as PyTorch's `nn.Linear` and LoRA's reference) and B [out, r] (zero).
/// Weights `<prefix>loras.<name>.lora_A` and `.lora_B`, as AdapterHub names them. The output may be a
/// column block of a wider matrix (query, key and value live side by side in the fused [n, 3d] projection):
/// `column` and `outStride` place it.
final class LoRALinear {
    let a: ParameterID, b: ParameterID
    let rank: Int, fin: Int, fout: Int
    let scaling: Float
    let dropout: Float
    unowned let store: ParameterStore

    struct Buffers {
        let projected: Tensor      // t [n, r] = dropout(x) Aᵀ
        let mask: Tensor?          // [n, in] the dropout mask (dropout > 0)
        let dropped: Tensor?       // [n, in] x ⊙ mask, rewritten in the backward
        let dProjected: Tensor     // [n, r] scratch of the backward
    }

    init(prefix: String, out fout: Int, in fin: Int, config c: LoRAConfig, store: ParameterStore) throws {
        self.store = store; self.fin = fin; self.fout = fout
        rank = c.rank; scaling = c.scaling; dropout = Float(c.dropout)
        a = try store.register(prefix + "lora_A", .matrix(c.rank, fin), initializer: .uniform(bound: 1 / Float(fin).squareRoot()))
        b = try store.register(prefix + "lora_B", .matrix(fout, c.rank), initializer: .zeros)
    }

    func buffers(tokens n: Int, _ allocate: (Shape) throws -> Tensor) throws -> Buffers {
        Buffers(projected: try allocate(.matrix(n, rank)),
                mask: dropout > 0 ? try allocate(.matrix(n, fin)) : nil, dropped: dropout > 0 ? try allocate(.matrix(n, fin)) : nil,
                dProjected: try allocate(.matrix(n, rank)))
    }

    /// y[:, column ..< column + out] += scaling · dropout(x) Aᵀ Bᵀ for x [n, in]; `dropoutSeed` nil: no dropout.
    /// `tokenOffset`: these rows follow that many of a whole batch, whose dropout mask they take their part of.
    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, column: Int = 0, outStride: Int, buffers bf: Buffers,
                 dropoutSeed: UInt64?, tokens n: Int, tokenOffset: Int = 0) {
        var input = x
        if let seed = dropoutSeed, let mask = bf.mask, let dropped = bf.dropped {
            DropoutOp.makeMaskUnchecked(mask.data, count: n * fin, probability: dropout, seed: seed, offset: tokenOffset * fin)
            DropoutOp.applyUnchecked(x, mask.data, dropped.data, count: n * fin)
            input = UnsafePointer(dropped.data)
        }
        let p = store.precision
        Matmul.gemm(.none, .transposed, m: n, n: rank, k: fin, a: input, lda: fin, b: store.value(a).data, ldb: fin,
                    beta: 0, c: bf.projected.data, ldc: rank, precision: p)
        Matmul.gemm(.none, .transposed, m: n, n: fout, k: rank, alpha: scaling, a: bf.projected.data, lda: rank, b: store.value(b).data, ldb: rank,
                    beta: 1, c: y + column, ldc: outStride, precision: p)
    }

    /// From dy (the output block's gradient, row stride `outStride`): dB += s·dyᵀ t, dA += (s·dy B)ᵀ dropout(x),
    /// dx += (s·dy B) A (⊙ mask). `dropoutSeed` must say whether the forward dropped (its value is not re-read).
    func backward(dy: UnsafePointer<Float>, column: Int = 0, outStride: Int, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                  buffers bf: Buffers, dropped wasDropped: Bool, tokens n: Int) {
        let p = store.precision
        let dyBlock = dy + column
        Matmul.gemm(.transposed, .none, m: fout, n: rank, k: n, alpha: scaling, a: dyBlock, lda: outStride, b: bf.projected.data, ldb: rank,
                    beta: 1, c: store.gradient(b).data, ldc: rank, precision: p)
        Matmul.gemm(.none, .none, m: n, n: rank, k: fout, alpha: scaling, a: dyBlock, lda: outStride, b: store.value(b).data, ldb: rank,
                    beta: 0, c: bf.dProjected.data, ldc: rank, precision: p)
        var input = x
        if wasDropped, let mask = bf.mask, let dropped = bf.dropped {
            DropoutOp.applyUnchecked(x, mask.data, dropped.data, count: n * fin)
            input = UnsafePointer(dropped.data)
        }
        Matmul.gemm(.transposed, .none, m: rank, n: fin, k: n, a: bf.dProjected.data, lda: rank, b: input, ldb: fin,
                    beta: 1, c: store.gradient(a).data, ldc: fin, precision: p)
        if wasDropped, let mask = bf.mask, let dropped = bf.dropped {
            Matmul.gemm(.none, .none, m: n, n: fin, k: rank, a: bf.dProjected.data, lda: rank, b: store.value(a).data, ldb: fin,
                        beta: 0, c: dropped.data, ldc: fin, precision: p)
            DropoutOp.applyUnchecked(dropped.data, mask.data, dropped.data, count: n * fin)
            ResidualOp.accumulateUnchecked(dropped.data, into: dx, count: n * fin)
        } else {
            Matmul.gemm(.none, .none, m: n, n: fin, k: rank, a: bf.dProjected.data, lda: rank, b: store.value(a).data, ldb: fin,
                        beta: 1, c: dx, ldc: fin, precision: p)
        }
    }

    /// W += scaling · B A (the merge for export; `sign` −1 takes it out again).
    func merge(into w: Tensor, sign: Float = 1) {
        Matmul.gemm(.none, .none, m: fout, n: fin, k: rank, alpha: sign * scaling, a: store.value(b).data, lda: rank, b: store.value(a).data,
                    ldb: fin, beta: 1, c: w.data, ldc: fin)
    }
}
