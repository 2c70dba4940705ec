import CBLAS

/// Whether a matrix operand is used as stored or transposed.
public enum Transpose: Sendable { case none, transposed }

/// The BLAS library (OpenBLAS) behind Polyglot's matrix products, with bounds-checked entry points:
/// every call validates that the buffers cover the rows, columns and leading dimensions it reads or
/// writes before handing raw memory to BLAS. The library is loaded at run time (`CBLAS`), so that on AMD
/// CPUs with AVX-512 that OpenBLAS 0.3.21 does not know, Polyglot can ask for its AVX-512 kernels.
public enum BLAS {
    public struct ShapeError: Error, CustomStringConvertible {
        public let description: String
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads OpenBLAS now (every entry point does it on first use, and stops the process when it cannot), so
    /// a command can report a missing library as its one error line.
    public static func load() throws {
        if pg_blas_load() != 0 { throw LoadError(description: String(cString: pg_blas_error())) }
    }

    /// The library's own description (`OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64`).
    public static var configuration: String { String(cString: pg_blas_get_config()) }
    /// The kernels it runs (`SkylakeX`, `Haswell`, ...).
    public static var coreName: String { String(cString: pg_blas_get_corename()) }
    /// Who chose them: `OpenBLAS` (its own choice for this CPU), `OPENBLAS_CORETYPE` (the environment) or
    /// `Polyglot` (the SkylakeX kernels on an AMD CPU with AVX-512; `pg_blas.h`).
    public static var coreChooser: String { String(cString: pg_blas_core_chooser()) }
    public static var threadCount: Int { Int(pg_blas_get_num_threads()) }
    /// Only `Threads.configure` calls this, so one place decides the thread count.
    static func setThreadCount(_ n: Int) { pg_blas_set_num_threads(Int32(n)) }

    /// C = alpha * op(A) * op(B) + beta * C, row-major. op(A) is m×k, op(B) is k×n, C is m×n.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
    public static func sgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafeBufferPointer<Float>, lda: Int, b: UnsafeBufferPointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutableBufferPointer<Float>, ldc: Int
    ) {
        guard checkExtents("sgemm", transA, transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc) else { return }
        pg_blas_sgemm(transA == .none ? 0 : 1, transB == .none ? 0 : 1,
                      Int32(m), Int32(n), Int32(k), alpha,
                      a.baseAddress, Int32(lda), b.baseAddress, Int32(ldb), beta,
                      c.baseAddress, Int32(ldc))
    }

    /// Checks every extent a product reads or writes (a violation stops the process: it is a bug in the
    /// caller, never bad input); returns false when there is nothing left to compute (m or n is 0, or k is
    /// 0 and C has been scaled by beta, as BLAS leaves it).
    static func checkExtents(_ op: String, _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                             a: UnsafeBufferPointer<Float>, lda: Int, b: UnsafeBufferPointer<Float>, ldb: Int, beta: Float,
                             c: UnsafeMutableBufferPointer<Float>, ldc: Int) -> Bool {
        precondition(m >= 0 && n >= 0 && k >= 0, "\(op): negative size m=\(m) n=\(n) k=\(k)")
        if m == 0 || n == 0 { return false }
        let (aRows, aCols) = transA == .none ? (m, k) : (k, m)
        let (bRows, bCols) = transB == .none ? (k, n) : (n, k)
        precondition(lda >= max(1, aCols) && ldb >= max(1, bCols) && ldc >= max(1, n),
                     "\(op): leading dimension too small (lda=\(lda) for \(aCols) cols, ldb=\(ldb) for \(bCols), ldc=\(ldc) for \(n))")
        precondition(aRows == 0 || a.count >= (aRows - 1) * lda + aCols, "\(op): A has \(a.count) floats, needs \(aRows)x\(aCols) with lda \(lda)")
        precondition(bRows == 0 || b.count >= (bRows - 1) * ldb + bCols, "\(op): B has \(b.count) floats, needs \(bRows)x\(bCols) with ldb \(ldb)")
        precondition(c.count >= (m - 1) * ldc + n, "\(op): C has \(c.count) floats, needs \(m)x\(n) with ldc \(ldc)")
        if k == 0 {
            // BLAS leaves C scaled by beta; do the same without calling it with a zero-sized operand.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return false
        }
        return true
    }

    /// The same product computed by three plain loops: the reference every optimized path is tested against.
    public static func naiveSgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafeBufferPointer<Float>, lda: Int, b: UnsafeBufferPointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutableBufferPointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let av = transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let bv = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    sum += av * bv
                }
                c[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
    }

    /// y = alpha * x + y.
    public static func saxpy(alpha: Float, x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == y.count, "saxpy: x has \(x.count) floats, y has \(y.count)")
        if x.isEmpty { return }
        pg_blas_saxpy(Int32(x.count), alpha, x.baseAddress, y.baseAddress)
    }

    public static func sdot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Float {
        precondition(x.count == y.count, "sdot: x has \(x.count) floats, y has \(y.count)")
        if x.isEmpty { return 0 }
        return pg_blas_sdot(Int32(x.count), x.baseAddress, y.baseAddress)
    }
}
