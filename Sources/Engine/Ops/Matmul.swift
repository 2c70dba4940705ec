import Platform

/// Matrix products through BLAS (called on the calling thread; OpenBLAS threads itself) and the
/// plain-loop reference each is tested against. Linear layers use PyTorch's layout: weight [out, in],
/// y = x Wᵀ + b.
public enum Matmul {
    /// C = alpha · op(A) · op(B) + beta · C over tensors seen as matrices [rows, last].
    public static func multiply(_ a: Tensor, _ transA: Transpose, _ b: Tensor, _ transB: Transpose,
                                into c: Tensor, alpha: Float = 1, beta: Float = 0) throws {
        let (m, ka) = transA == .none ? (a.shape.rows, a.shape.last) : (a.shape.last, a.shape.rows)
        let (kb, n) = transB == .none ? (b.shape.rows, b.shape.last) : (b.shape.last, b.shape.rows)
        try EngineError.require(ka == kb && c.shape.rows == m && c.shape.last == n, "matmul",
                                "op(A) \(a.shape)\(transA == .none ? "" : "ᵀ") · op(B) \(b.shape)\(transB == .none ? "" : "ᵀ") into C \(c.shape)")
        gemm(transA, transB, m: m, n: n, k: ka, alpha: alpha, a: a.data, lda: a.shape.last,
             b: b.data, ldb: b.shape.last, beta: beta, c: c.data, ldc: c.shape.last)
    }

    /// Batched product: for each i in 0..<batch, C[i] = op(A[i]) · op(B[i]) (+ beta C[i]), every operand a
    /// rank-3 tensor [batch, rows, cols].
    public static func batched(_ a: Tensor, _ transA: Transpose, _ b: Tensor, _ transB: Transpose,
                               into c: Tensor, alpha: Float = 1, beta: Float = 0) throws {
        try EngineError.require(a.shape.rank == 3 && b.shape.rank == 3 && c.shape.rank == 3
                                && a.shape[0] == b.shape[0] && a.shape[0] == c.shape[0], "batched_matmul",
                                "operands \(a.shape), \(b.shape), \(c.shape) must be rank 3 with one batch size")
        let batch = a.shape[0]
        let sa = a.shape[1] * a.shape[2], sb = b.shape[1] * b.shape[2], sc = c.shape[1] * c.shape[2]
        let (m, ka) = transA == .none ? (a.shape[1], a.shape[2]) : (a.shape[2], a.shape[1])
        let (kb, n) = transB == .none ? (b.shape[1], b.shape[2]) : (b.shape[2], b.shape[1])
        try EngineError.require(ka == kb && c.shape[1] == m && c.shape[2] == n, "batched_matmul",
                                "op(A) \(a.shape) · op(B) \(b.shape) into C \(c.shape)")
        for i in 0..<batch {
            gemm(transA, transB, m: m, n: n, k: ka, alpha: alpha, a: a.data + i * sa, lda: a.shape[2],
                 b: b.data + i * sb, ldb: b.shape[2], beta: beta, c: c.data + i * sc, ldc: c.shape[2])
        }
    }

    /// Unchecked entry for layers that validated shapes already. When the pool has several threads and
    /// OpenBLAS runs single-threaded (`Threads.configure(n)`, what every command uses), a large
    /// product is split into row (or column) blocks of C, each a single-threaded BLAS call on a pool worker:
    /// OpenBLAS's own threaded driver allocates on every call and spins its threads between calls, both of
    /// which a training step on a few cores cannot afford. Otherwise OpenBLAS threads the call itself.
    /// With `precision` bf16 every product (and every block of one) goes to the bf16 kernels instead, which
    /// never thread themselves, so large products are split over the pool whatever OpenBLAS's threads.
    @inline(__always) static func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float = 1,
                                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, precision: Precision = .fp32) {
        if m == 0 || n == 0 { return }
        if m * n * k >= 1 << 18 && (precision == .bf16 || BLAS.threadCount == 1) && Threads.count > 1 {
            let args: BlockArgs = (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, precision)
            if m >= n {
                Parallel.ranges(m, grain: 32, chunksPerThread: 2, args, rowBlock)
            } else {
                Parallel.ranges(n, grain: 32, chunksPerThread: 2, args, columnBlock)
            }
            return
        }
        serialGemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
                   precision: precision)
    }

    typealias BlockArgs = (Transpose, Transpose, Int, Int, Int, Float, FloatPointer, Int, FloatPointer, Int, Float, MutableFloatPointer, Int, Precision)

    /// Rows lo..<hi of op(A) and of C.
    static let rowBlock: Parallel.Kernel = { raw, lo, hi in
        let (ta, tb, _, n, k, alpha, a, lda, b, ldb, beta, c, ldc, precision) = raw.load(as: BlockArgs.self)
        let aBlock = ta == .none ? a + lo * lda : a + lo
        Matmul.serialGemm(ta, tb, m: hi - lo, n: n, k: k, alpha: alpha, a: aBlock, lda: lda, b: b, ldb: ldb,
                          beta: beta, c: c + lo * ldc, ldc: ldc, precision: precision)
    }
    /// Columns lo..<hi of op(B) and of C.
    static let columnBlock: Parallel.Kernel = { raw, lo, hi in
        let (ta, tb, m, _, k, alpha, a, lda, b, ldb, beta, c, ldc, precision) = raw.load(as: BlockArgs.self)
        let bBlock = tb == .none ? b + lo : b + lo * ldb
        Matmul.serialGemm(ta, tb, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda, b: bBlock, ldb: ldb,
                          beta: beta, c: c + lo, ldc: ldc, precision: precision)
    }

    @inline(__always) static func serialGemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, precision: Precision = .fp32) {
        let aRows = transA == .none ? m : k, bRows = transB == .none ? k : n
        let aCols = transA == .none ? k : m, bCols = transB == .none ? n : k
        let aBuffer = UnsafeBufferPointer(start: a, count: (aRows - 1) * lda + aCols)
        let bBuffer = UnsafeBufferPointer(start: b, count: (bRows - 1) * ldb + bCols)
        let cBuffer = UnsafeMutableBufferPointer(start: c, count: (m - 1) * ldc + n)
        switch precision {
        case .fp32:
            BLAS.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: aBuffer, lda: lda, b: bBuffer, ldb: ldb, beta: beta, c: cBuffer, ldc: ldc)
        case .bf16:
            BF16.gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: aBuffer, lda: lda, b: bBuffer, ldb: ldb, beta: beta, c: cBuffer, ldc: ldc)
        }
    }

    /// The reference: three loops in Double.
    public static func naiveMultiply(_ a: Tensor, _ transA: Transpose, _ b: Tensor, _ transB: Transpose,
                                     into c: Tensor, alpha: Float = 1, beta: Float = 0) {
        let m = c.shape.rows, n = c.shape.last
        let k = transA == .none ? a.shape.last : a.shape.rows
        let lda = a.shape.last, ldb = b.shape.last
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA == .none ? a.data[i * lda + p] : a.data[p * lda + i]
                    let bv = transB == .none ? b.data[p * ldb + j] : b.data[j * ldb + p]
                    s += Double(av) * Double(bv)
                }
                c.data[i * n + j] = Float(Double(alpha) * s + (beta == 0 ? 0 : Double(beta) * Double(c.data[i * n + j])))
            }
        }
    }
}

/// y = x Wᵀ + b with W [out, in] (PyTorch's nn.Linear), forward and backward.
public enum LinearOp {
    static func validate(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ y: Tensor) throws {
        try EngineError.require(w.shape.rank == 2 && x.shape.last == w.shape[1] && y.shape.last == w.shape[0]
                                && y.shape.rows == x.shape.rows && (b == nil || b!.count == w.shape[0]), "linear",
                                "x \(x.shape) · Wᵀ (W \(w.shape))\(b.map { " + b \($0.shape)" } ?? "") into y \(y.shape)")
    }

    public static func forward(x: Tensor, weight w: Tensor, bias b: Tensor?, y: Tensor, precision: Precision = .fp32) throws {
        try validate(x, w, b, y)
        forwardUnchecked(x: x, weight: w, bias: b, y: y, precision: precision)
    }

    @inline(__always) static func forwardUnchecked(x: Tensor, weight w: Tensor, bias b: Tensor?, y: Tensor, precision: Precision = .fp32) {
        let n = x.shape.rows, fin = w.shape[1], fout = w.shape[0]
        if let b {
            // Seed C with the bias so the product accumulates onto it: no second pass over y.
            BiasOp.broadcastRows(bias: b.data, rows: n, cols: fout, into: y.data)
            Matmul.gemm(.none, .transposed, m: n, n: fout, k: fin, a: x.data, lda: fin, b: w.data, ldb: fin,
                        beta: 1, c: y.data, ldc: fout, precision: precision)
        } else {
            Matmul.gemm(.none, .transposed, m: n, n: fout, k: fin, a: x.data, lda: fin, b: w.data, ldb: fin,
                        beta: 0, c: y.data, ldc: fout, precision: precision)
        }
    }

    /// Accumulates dW += dyᵀ x and db += Σ rows dy; writes dx = dy W (or adds it when `accumulateInput`).
    public static func backward(dy: Tensor, x: Tensor, weight w: Tensor, dx: Tensor?, dWeight: Tensor?, dBias: Tensor?,
                                accumulateInput: Bool = false, precision: Precision = .fp32) throws {
        try validate(x, w, dBias, dy)
        if let dx { try EngineError.check("linear.backward", "dx", dx.shape, equals: x.shape) }
        if let dWeight { try EngineError.check("linear.backward", "dW", dWeight.shape, equals: w.shape) }
        backwardUnchecked(dy: dy, x: x, weight: w, dx: dx, dWeight: dWeight, dBias: dBias, accumulateInput: accumulateInput,
                          precision: precision)
    }

    @inline(__always) static func backwardUnchecked(dy: Tensor, x: Tensor, weight w: Tensor, dx: Tensor?, dWeight: Tensor?,
                                                    dBias: Tensor?, accumulateInput: Bool, precision: Precision = .fp32) {
        let n = x.shape.rows, fin = w.shape[1], fout = w.shape[0]
        if let dx {
            Matmul.gemm(.none, .none, m: n, n: fin, k: fout, a: dy.data, lda: fout, b: w.data, ldb: fin,
                        beta: accumulateInput ? 1 : 0, c: dx.data, ldc: fin, precision: precision)
        }
        if let dWeight {
            Matmul.gemm(.transposed, .none, m: fout, n: fin, k: n, a: dy.data, lda: fout, b: x.data, ldb: fin,
                        beta: 1, c: dWeight.data, ldc: fin, precision: precision)
        }
        if let dBias { BiasOp.accumulateColumnSums(dy.data, rows: n, cols: fout, into: dBias.data) }
    }

    /// Reference forward and backward in Double loops.
    public static func naiveForward(x: Tensor, weight w: Tensor, bias b: Tensor?, y: Tensor) {
        let n = x.shape.rows, fin = w.shape[1], fout = w.shape[0]
        for r in 0..<n { for o in 0..<fout {
            var s = Double(b?.data[o] ?? 0)
            for i in 0..<fin { s += Double(x.data[r * fin + i]) * Double(w.data[o * fin + i]) }
            y.data[r * fout + o] = Float(s)
        } }
    }
    public static func naiveBackward(dy: Tensor, x: Tensor, weight w: Tensor, dx: Tensor, dWeight: Tensor, dBias: Tensor) {
        let n = x.shape.rows, fin = w.shape[1], fout = w.shape[0]
        for r in 0..<n { for i in 0..<fin {
            var s = 0.0
            for o in 0..<fout { s += Double(dy.data[r * fout + o]) * Double(w.data[o * fin + i]) }
            dx.data[r * fin + i] = Float(s)
        } }
        for o in 0..<fout {
            for i in 0..<fin {
                var s = Double(dWeight.data[o * fin + i])
                for r in 0..<n { s += Double(dy.data[r * fout + o]) * Double(x.data[r * fin + i]) }
                dWeight.data[o * fin + i] = Float(s)
            }
            var sb = Double(dBias.data[o])
            for r in 0..<n { sb += Double(dy.data[r * fout + o]) }
            dBias.data[o] = Float(sb)
        }
    }
}
