import Testing
@testable import Platform

/// Serialized: these tests change the process-wide thread count.
@Suite(.serialized) struct BLASTests {
    func random(_ n: Int, _ rng: inout RandomStream) -> [Float] { (0..<n).map { _ in rng.nextFloat() * 2 - 1 } }

    @Test(arguments: [(Transpose.none, Transpose.none), (.transposed, .none), (.none, .transposed), (.transposed, .transposed)])
    func sgemmMatchesNaiveLoopOnOddShapes(transA: Transpose, transB: Transpose) {
        var rng = RandomStream(seed: 7, name: "blas")
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 13, 29), (64, 33, 1), (5, 1, 65), (31, 47, 129)] {
            // Leading dimensions wider than the matrices, to exercise strides.
            let lda = (transA == .none ? k : m) + 3
            let ldb = (transB == .none ? n : k) + 2
            let ldc = n + 1
            let a = random((transA == .none ? m : k) * lda, &rng)
            let b = random((transB == .none ? k : n) * ldb, &rng)
            var fast = random(m * ldc, &rng)
            var slow = fast
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(transA, transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: c, ldc: ldc)
                }
                slow.withUnsafeMutableBufferPointer { c in
                    BLAS.naiveSgemm(transA, transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: c, ldc: ldc)
                }
            } }
            for i in 0..<fast.count {
                #expect(abs(fast[i] - slow[i]) <= 1e-4 * max(1, abs(slow[i])), "m=\(m) n=\(n) k=\(k) at \(i)")
            }
        }
    }

    /// Shapes large enough for OpenBLAS's blocked, threaded path (the odd shapes above stay in its
    /// small-matrix kernels).
    @Test func sgemmMatchesNaiveLoopOnBlockedShapes() {
        Threads.configure(2, blasThreads: 2)
        defer { Threads.configure() }
        var rng = RandomStream(seed: 11, name: "blas-large")
        for (ta, tb, m, n, k) in [(Transpose.none, Transpose.none, 300, 257, 513), (.transposed, .none, 129, 700, 384), (.none, .transposed, 512, 96, 1000)] {
            let a = random(m * k, &rng), b = random(k * n, &rng)
            var fast = [Float](repeating: 0, count: m * n), slow = fast
            let lda = ta == .none ? k : m, ldb = tb == .none ? n : k
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { BLAS.sgemm(ta, tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: $0, ldc: n) }
                slow.withUnsafeMutableBufferPointer { BLAS.naiveSgemm(ta, tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: $0, ldc: n) }
            } }
            var worst: Float = 0
            for i in 0..<fast.count { worst = max(worst, abs(fast[i] - slow[i]) / max(1, abs(slow[i]))) }
            #expect(worst <= 1e-4, "\(m)x\(n)x\(k): worst relative difference \(worst)")
        }
    }

    /// The pool takes the thread count and OpenBLAS stays on one thread (the engine splits products over the
    /// pool), unless a caller asks for OpenBLAS's own threads.
    @Test func threadCountIsConfiguredInOnePlace() {
        Threads.configure(2)
        #expect(BLAS.threadCount == 1)
        #expect(Threads.count == 2)
        Threads.configure(2, blasThreads: 2)
        #expect(BLAS.threadCount == 2)
        Threads.configure(1)
        #expect(BLAS.threadCount == 1)
        Threads.configure()
        #expect(BLAS.threadCount == 1)
        #expect(Threads.count == Threads.requested)
    }

    @Test func parallelForRunsEveryChunkOnce() {
        Threads.configure(2)
        let n = 1000
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        hits.initialize(repeating: 0)
        defer { hits.deallocate() }
        for _ in 0..<50 { Threads.parallelFor(chunks: n) { hits[$0] += 1 } }
        #expect(hits.allSatisfy { $0 == 50 })
        var total = 0
        Threads.parallelRanges(10) { r in _ = r }
        Threads.parallelRanges(7, grain: 1) { r in for _ in r {} }
        total = hits.reduce(0, +)
        #expect(total == 50 * n)
    }
}
