import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one place that decides how many threads Polyglot uses: `POLYGLOT_THREADS`, or every core.
/// `parallelFor` splits work across that many workers, and OpenBLAS runs on one thread inside them:
/// `Matmul.gemm` splits every large product over the pool itself, so nothing oversubscribes the machine.
public enum Threads {
    nonisolated(unsafe) private static var configured: Int = 0
    nonisolated(unsafe) private static var pool: WorkerPool?
    private static let lock = NSLock()

    public static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// The thread count from the environment, or every core; a rank of a distributed job started by Open MPI's
    /// mpirun without `POLYGLOT_THREADS` takes its part of the cores (cores / ranks on this machine, at least 1),
    /// so the ranks of one machine do not oversubscribe it.
    public static var requested: Int {
        let environment = ProcessInfo.processInfo.environment
        if let s = environment["POLYGLOT_THREADS"], let n = Int(s), n > 0 { return n }
        if let s = environment["OMPI_COMM_WORLD_LOCAL_SIZE"], let ranks = Int(s), ranks > 1 { return max(1, coreCount / ranks) }
        return coreCount
    }

    /// The thread count in force (configuring with the default on first use).
    public static var count: Int {
        lock.lock(); defer { lock.unlock() }
        if configured == 0 { configureLocked(requested) }
        return configured
    }

    /// Sets the thread count for `parallelFor` and for BLAS. Call before work starts.
    /// `blasThreads` defaults to 1: the engine splits large products over the pool (`Matmul.gemm`), one
    /// single-threaded OpenBLAS call per chunk, so calling BLAS from pool chunks does not multiply threads and
    /// OpenBLAS's threaded driver (which allocates per call and spins its threads between calls, taking the
    /// cores the pool needs) is never entered. `blasThreads: n` hands whole products to OpenBLAS's threads
    /// instead (`polyglot bench train --blas-threads`, to compare the two).
    public static func configure(_ n: Int? = nil, blasThreads: Int? = nil) {
        lock.lock(); defer { lock.unlock() }
        let threads = max(1, n ?? requested)
        configureLocked(threads, blas: max(1, blasThreads ?? 1))
    }

    private static func configureLocked(_ n: Int, blas: Int? = nil) {
        let blasCount = blas ?? 1
        BLAS.setThreadCount(blasCount)
        if configured == n, pool != nil || n == 1 { return }
        pool?.shutdown()
        configured = n
        pool = n > 1 ? WorkerPool(workers: n - 1) : nil
    }

    /// `parallelFor` for a C function and a context pointer: nothing is captured or converted, so a call
    /// never allocates (the closure form pays a small heap box for `withoutActuallyEscaping`). Used by
    /// hot loops that must not allocate in a steady-state training step.
    public static func parallelFor(chunks: Int, context: UnsafeMutableRawPointer?,
                                   _ function: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void) {
        if chunks <= 0 { return }
        let p: WorkerPool?
        lock.lock()
        if configured == 0 { configureLocked(requested) }
        p = pool
        lock.unlock()
        guard let pool = p, chunks > 1, pool.busy.try() else {
            for i in 0..<chunks { function(context, i) }
            return
        }
        defer { pool.busy.unlock() }
        pool.run(chunks: chunks, function: function, context: context)
    }

    /// Runs `body(chunk)` for chunk in 0..<chunks across the pool; the caller takes part. Blocks until
    /// every chunk is done. Allocation-free in steady state: the closure is not copied to the heap.
    public static func parallelFor(chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 0 { return }
        let p: WorkerPool?
        lock.lock()
        if configured == 0 { configureLocked(requested) }
        p = pool
        lock.unlock()
        // One job at a time: a second caller (another thread, or a chunk calling parallelFor) runs its
        // chunks itself rather than overwriting the job in flight.
        guard let pool = p, chunks > 1, pool.busy.try() else {
            for i in 0..<chunks { body(i) }
            return
        }
        defer { pool.busy.unlock() }
        withoutActuallyEscaping(body) { escaping in pool.run(chunks: chunks, escaping) }
    }

    /// Splits 0..<n into at most `count` contiguous ranges of at least `grain` items and runs them in parallel.
    public static func parallelRanges(_ n: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        if n <= 0 { return }
        let parts = max(1, min(count, n / max(1, grain)))
        if parts == 1 { body(0..<n); return }
        parallelFor(chunks: parts) { p in
            let lo = n * p / parts, hi = n * (p + 1) / parts
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// A fixed set of threads that take chunks of a job from a shared counter. `run` returns only when
/// every chunk is done and no worker still holds the job closure (the caller's closure is not
/// really escaping, and `withoutActuallyEscaping` checks that).
final class WorkerPool: @unchecked Sendable {
    private let cv = NSCondition()
    /// Held by the caller whose job is in flight.
    let busy = NSLock()
    private var generation = 0
    private var job: ((Int) -> Void)?
    private var cJob: (@convention(c) (UnsafeMutableRawPointer?, Int) -> Void)?
    private var cContext: UnsafeMutableRawPointer?
    private var nextChunk = 0
    private var totalChunks = 0
    private var pending = 0
    private var active = 0
    private var stopping = false

    init(workers: Int) {
        for _ in 0..<workers {
            // Workers keep the pool alive until they see `stopping`, so a replaced pool winds down safely.
            let t = Thread { self.loop() }
            t.stackSize = 8 << 20
            t.start()
        }
    }

    func shutdown() {
        cv.lock(); stopping = true; generation += 1; cv.broadcast(); cv.unlock()
    }

    private func loop() {
        var seen = 0
        while true {
            cv.lock()
            while generation == seen && !stopping { cv.wait() }
            if stopping { cv.unlock(); return }
            seen = generation
            if let function = cJob {
                let context = cContext
                active += 1
                cv.unlock()
                drain { function(context, $0) }
                cv.lock()
                active -= 1
                if active == 0 { cv.broadcast() }
                cv.unlock()
                continue
            }
            guard var work = job else { cv.unlock(); continue }
            active += 1
            cv.unlock()
            drain(work)
            // Drop this worker's reference before reporting done: `run` returns once `active` is 0, and
            // `withoutActuallyEscaping` then checks that nobody still holds the closure.
            work = { _ in }
            cv.lock()
            active -= 1
            if active == 0 { cv.broadcast() }
            cv.unlock()
        }
    }

    private func drain(_ work: (Int) -> Void) {
        while true {
            cv.lock()
            guard nextChunk < totalChunks else { cv.unlock(); return }
            let c = nextChunk
            nextChunk += 1
            cv.unlock()
            work(c)
            cv.lock()
            pending -= 1
            if pending == 0 { cv.broadcast() }
            cv.unlock()
        }
    }

    func run(chunks: Int, function: @escaping @convention(c) (UnsafeMutableRawPointer?, Int) -> Void, context: UnsafeMutableRawPointer?) {
        cv.lock()
        cJob = function; cContext = context; nextChunk = 0; totalChunks = chunks; pending = chunks; generation += 1
        cv.broadcast()
        cv.unlock()
        drain { function(context, $0) }
        cv.lock()
        while pending > 0 { cv.wait() }
        cJob = nil; cContext = nil
        while active > 0 { cv.wait() }
        cv.unlock()
    }

    func run(chunks: Int, _ work: @escaping (Int) -> Void) {
        cv.lock()
        job = work; nextChunk = 0; totalChunks = chunks; pending = chunks; generation += 1
        cv.broadcast()
        cv.unlock()
        drain(work)
        cv.lock()
        while pending > 0 { cv.wait() }
        job = nil
        while active > 0 { cv.wait() }
        cv.unlock()
    }
}
