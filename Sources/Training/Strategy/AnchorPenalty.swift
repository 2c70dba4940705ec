import Engine
import Platform

/// A quadratic pull of some parameters towards anchor values, added to the training loss:
/// penalty = c/2 · Σᵢ wᵢ (θᵢ − aᵢ)², gradient c · wᵢ (θᵢ − aᵢ). The regularizers against forgetting are two
/// cases of it on the shared encoder's parameters:
///
/// - L2-SP (Li, Grandvalet & Davoine 2018): w = 1, a = the weights at the start of the stage, c = `strategy.l2_sp`;
/// - EWC (Kirkpatrick et al. 2017): c = `strategy.ewc`, w = F = Σₖ Fₖ and a = Σₖ Fₖθ*ₖ / F over the earlier
///   stages k, each with its diagonal Fisher Fₖ and its weights θ*ₖ at its end — the one quadratic whose gradient
///   is that of the sum of every stage's penalty λ/2·Σ Fₖ(θ − θ*ₖ)² (the values differ by a constant, which
///   the logged penalty leaves out).
///
/// The anchor and weights are copied once into buffers of their own, cut into fixed chunks of at most
/// `chunkSize` floats; `addGradient` runs the chunks on the worker pool (`Threads.parallelFor` with a C
/// function and a context made at init) reading and writing the slabs in place, so it allocates nothing, and
/// sums each chunk's share in order, so the value does not depend on the thread count.
public final class AnchorPenalty {
    public let coefficient: Float
    /// Slab ranges covered, in slab order; the buffers hold one float per covered float, in that order.
    public let ranges: [Range<Int>]
    public let count: Int
    /// Floats per chunk of work.
    static let chunkSize = 1 << 15

    /// A slab range of at most `chunkSize` floats, and where its floats start in the buffers.
    struct Chunk {
        var start: Int, count: Int, buffer: Int
    }

    /// What a chunk's function reads: set at init, the slabs at each call.
    struct Context {
        var theta: UnsafeMutablePointer<Float>
        var gradient: UnsafeMutablePointer<Float>
        var write: Bool
        let anchor: UnsafeMutablePointer<Float>
        /// nil: every weight 1 (L2-SP).
        let weights: UnsafeMutablePointer<Float>?
        let coefficient: Float
        let chunks: UnsafeMutablePointer<Chunk>
        /// One sum of w·(θ − a)² per chunk.
        let partials: UnsafeMutablePointer<Double>
    }

    /// Covered parameters whose gradient rows the store tracks: every row is written, so they are marked.
    let tracked: [ParameterID]
    let chunkCount: Int
    let context: UnsafeMutablePointer<Context>

    /// Covers the store entries `entries` (indices); `anchor` and `weights` hold one float per covered float in
    /// entry order (`weights` nil: all 1).
    public init(store: ParameterStore, entries: [Int], coefficient: Float, anchor: [Float], weights: [Float]?) throws {
        let sorted = entries.sorted()
        ranges = sorted.map { store.entries[$0].offset..<(store.entries[$0].offset + store.entries[$0].shape.count) }
        count = ranges.reduce(0) { $0 + $1.count }
        try EngineError.require(anchor.count == count, "penalty", "the anchor has \(anchor.count) floats, the covered parameters \(count)")
        if let weights {
            try EngineError.require(weights.count == count, "penalty", "the weights have \(weights.count) floats, the covered parameters \(count)")
        }
        try EngineError.require(coefficient >= 0 && coefficient.isFinite, "penalty", "coefficient \(coefficient) is not a non-negative number")
        self.coefficient = coefficient
        tracked = sorted.compactMap { store.gradientRowTracking(entry: $0) != nil ? store.id(store.entries[$0].name) : nil }

        var pieces: [Chunk] = []
        var buffer = 0
        for r in ranges {
            var start = r.lowerBound
            while start < r.upperBound {
                let n = min(Self.chunkSize, r.upperBound - start)
                pieces.append(Chunk(start: start, count: n, buffer: buffer))
                start += n
                buffer += n
            }
        }
        chunkCount = pieces.count
        let chunks = UnsafeMutablePointer<Chunk>.allocate(capacity: max(1, pieces.count))
        pieces.withUnsafeBufferPointer { if let base = $0.baseAddress { chunks.initialize(from: base, count: pieces.count) } }
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(1, pieces.count))
        partials.initialize(repeating: 0, count: max(1, pieces.count))
        let n = count
        let a = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
        anchor.withUnsafeBufferPointer { if let base = $0.baseAddress { a.initialize(from: base, count: n) } }
        var w: UnsafeMutablePointer<Float>?
        if let weights {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
            weights.withUnsafeBufferPointer { if let base = $0.baseAddress { p.initialize(from: base, count: n) } }
            w = p
        }
        context = .allocate(capacity: 1)
        context.initialize(to: Context(theta: store.values.data, gradient: store.gradients.data, write: false, anchor: a, weights: w,
                                       coefficient: coefficient, chunks: chunks, partials: partials))
    }

    deinit {
        let c = context.pointee
        c.anchor.deallocate()
        c.weights?.deallocate()
        c.chunks.deallocate()
        c.partials.deallocate()
        context.deinitialize(count: 1)
        context.deallocate()
    }

    /// The covered floats' values, in the buffers' order (an anchor taken from the store).
    public static func values(_ store: ParameterStore, entries: [Int]) -> [Float] {
        var out: [Float] = []
        for i in entries.sorted() {
            let e = store.entries[i]
            for j in e.offset..<(e.offset + e.shape.count) { out.append(store.values[j]) }
        }
        return out
    }

    /// c/2 · Σ w (θ − a)² at the store's values, summed in Double chunk by chunk.
    public func value(_ store: ParameterStore) -> Double { run(store, write: false) }

    /// Adds c · w (θ − a) to the store's gradients and returns the penalty's value (as `value`).
    @discardableResult
    public func addGradient(_ store: ParameterStore) -> Double {
        let value = run(store, write: true)
        for id in tracked { store.markAllGradientRows(id) }
        return value
    }

    private func run(_ store: ParameterStore, write: Bool) -> Double {
        context.pointee.theta = store.values.data
        context.pointee.gradient = store.gradients.data
        context.pointee.write = write
        Threads.parallelFor(chunks: chunkCount, context: UnsafeMutableRawPointer(context), AnchorPenalty.chunk)
        var sum = 0.0
        let partials = context.pointee.partials
        for i in 0..<chunkCount { sum += partials[i] }
        return Double(coefficient) / 2 * sum
    }

    /// One chunk: its share of Σ w (θ − a)², and with `write` its floats' gradient.
    private static let chunk: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void = { raw, i in
        guard let raw else { return }
        let c = raw.assumingMemoryBound(to: Context.self).pointee
        let piece = c.chunks[i]
        let theta = c.theta + piece.start, g = c.gradient + piece.start, a = c.anchor + piece.buffer
        var sum = 0.0
        if let weights = c.weights {
            let w = weights + piece.buffer
            for j in 0..<piece.count {
                if c.write { g[j] += c.coefficient * w[j] * (theta[j] - a[j]) }
                let d = Double(theta[j]) - Double(a[j])
                sum += Double(w[j]) * d * d
            }
        } else {
            for j in 0..<piece.count {
                if c.write { g[j] += c.coefficient * (theta[j] - a[j]) }
                let d = Double(theta[j]) - Double(a[j])
                sum += d * d
            }
        }
        c.partials[i] = sum
    }
}
