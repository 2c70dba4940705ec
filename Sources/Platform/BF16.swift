import CBF16

/// The arithmetic of matrix products: `fp32` (OpenBLAS sgemm) or `bf16` (operands rounded to bfloat16,
/// products accumulated in fp32, results and weights fp32), `model.precision` in an experiment file and
/// `--precision` on the commands that take it.
public enum Precision: String, ConfigChoice {
    case fp32, bf16
}

/// bf16 matrix products with fp32 accumulation on CPUs with AVX512-BF16 (the `CBF16` kernels), with the same
/// checked entry as `BLAS.sgemm`: every extent is validated before raw memory is handed over.
public enum BF16 {
    /// Whether this CPU (and OS) runs the kernels: AVX512F/BW/VL/DQ and AVX512-BF16 with the ZMM state on.
    public static let isSupported: Bool = pg_bf16_supported() != 0

    /// Why `precision: bf16` cannot run here, or nil when it can.
    public static var unsupportedReason: String? {
        isSupported ? nil : "bf16 needs a CPU with AVX512-BF16 (Intel Cooper Lake or Sapphire Rapids and later, AMD Zen 4 and later); this one has none, so use fp32"
    }

    /// C = alpha · op(A) · op(B) + beta · C, row-major, as `BLAS.sgemm`, with A and B rounded to bf16 (round to
    /// nearest even) as they are packed. Uses the calling thread's workspace (`pg_bf16_thread_workspace`).
    public static func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafeBufferPointer<Float>, lda: Int, b: UnsafeBufferPointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutableBufferPointer<Float>, ldc: Int
    ) {
        guard BLAS.checkExtents("bf16 gemm", transA, transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
                                c: c, ldc: ldc) else { return }
        precondition(isSupported, "bf16 gemm called on a CPU without AVX512-BF16 (callers check BF16.isSupported first)")
        let ta: Int32 = transA == .none ? 0 : 1, tb: Int32 = transB == .none ? 0 : 1
        let bytes = pg_bf16_workspace_size(ta, tb, m, n, k)
        guard let workspace = pg_bf16_thread_workspace(bytes) else {
            fatalError("out of memory: the bf16 product's workspace of \(bytes) bytes")
        }
        pg_bf16_gemm(ta, tb, m, n, k, alpha, a.baseAddress, lda, b.baseAddress, ldb, beta, c.baseAddress, ldc, workspace)
    }

    /// Rounds fp32 values to bf16 and back (what the products see), for tests and references.
    public static func rounded(_ values: [Float]) -> [Float] {
        values.map { v in
            guard v.isFinite else { return v }
            let bits = v.bitPattern
            let rounding = 0x7FFF + ((bits >> 16) & 1)
            return Float(bitPattern: (bits &+ rounding) & 0xFFFF_0000)
        }
    }
}
