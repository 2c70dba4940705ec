import Foundation
import Platform

/// Text's entry to the shared thread pool. The pool runs one job at a time, so concurrent callers
/// (several threads encoding batches at once) take turns here instead of mixing their chunks.
enum ParallelWork {
    private static let lock = NSLock()

    static func run(chunks: Int, _ body: (Int) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        Threads.parallelFor(chunks: chunks, body)
    }
}
