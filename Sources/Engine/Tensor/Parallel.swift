import Platform

typealias FloatPointer = UnsafePointer<Float>
typealias MutableFloatPointer = UnsafeMutablePointer<Float>

/// Allocation-free parallel loops for the training step. Kernels are C-convention closures (no captures)
/// that receive their operands as one value (usually a tuple of pointers) through a raw pointer, so
/// dispatching a kernel to the worker pool neither captures nor boxes anything.
enum Parallel {
    typealias Kernel = @convention(c) (UnsafeRawPointer, Int, Int) -> Void

    struct RangeJob {
        var n: Int, parts: Int
        var kernel: Kernel
        var args: UnsafeRawPointer
    }

    /// Splits 0..<n into at most `chunksPerThread × Threads.count` ranges of at least `grain` items and
    /// runs `kernel(args, lo, hi)` on each across the pool. Ranges are fixed by n and the thread count,
    /// so results are deterministic for a given thread count.
    @inline(__always)
    static func ranges<Args>(_ n: Int, grain: Int, chunksPerThread: Int = 1, _ args: Args, _ kernel: Kernel) {
        if n <= 0 { return }
        let parts = Swift.max(1, Swift.min(Threads.count * chunksPerThread, n / Swift.max(1, grain)))
        withUnsafePointer(to: args) { ap in
            if parts == 1 { kernel(UnsafeRawPointer(ap), 0, n); return }
            var job = RangeJob(n: n, parts: parts, kernel: kernel, args: UnsafeRawPointer(ap))
            withUnsafeMutablePointer(to: &job) { jp in
                Threads.parallelFor(chunks: parts, context: UnsafeMutableRawPointer(jp)) { raw, p in
                    let j = raw!.load(as: RangeJob.self)
                    let lo = j.n * p / j.parts, hi = j.n * (p + 1) / j.parts
                    if lo < hi { j.kernel(j.args, lo, hi) }
                }
            }
        }
    }
}
