import Platform

/// Sums the gradient slab over the ranks of a distributed job, once per optimizer step, after every rank
/// has added the gradient of its share of the step's batches (`BatchShare`): the sum is the gradient one
/// process computes over the whole step, up to the order of the floating-point additions.
///
/// It sums what the optimizer and clipping read: every entry of a group that is not frozen, as the ranges
/// `ParameterStore.forEachGradientRange` gives. Adjacent dense entries go as one range, summed in place in
/// the slab; a row-tracked table (the word embeddings) sends only its flagged rows, packed into a buffer
/// first, so a step moves the rows its batches touched instead of the whole vocabulary. Every rank must flag
/// the same rows: the trainer flags the rows of the whole batch on each (its share's are a subset).
///
/// With one process it does nothing. The buffer grows to the most rows a step has touched and is kept.
public final class GradientAllReduce {
    let store: ParameterStore
    private var packed: UnsafeMutablePointer<Float>?
    private var capacity = 0
    /// One bit per row of a tracked table (and a last word: some rank wrote it densely).
    private var bits: UnsafeMutablePointer<Int64>?
    private var bitCapacity = 0
    /// Floats the last call summed, and the seconds it took (wall time, communication and packing).
    public private(set) var lastFloats = 0
    public private(set) var lastSeconds = 0.0

    public init(store: ParameterStore) { self.store = store }

    deinit { packed?.deallocate(); bits?.deallocate() }

    /// The bytes one step sums when every row of every non-frozen entry is sent (the dense bound).
    public var denseBytes: Int {
        store.entries.indices.filter { !store.groups[store.entries[$0].group].frozen }
            .reduce(0) { $0 + store.entries[$1].shape.count } * MemoryLayout<Float>.size
    }

    public func run() throws {
        guard Distributed.isActive else { return }
        let clock = ContinuousClock(), started = clock.now
        let g = store.gradients.data
        var floats = 0
        var pending: Range<Int>? = nil
        func flush() throws {
            guard let r = pending else { return }
            try Distributed.sum(UnsafeMutableBufferPointer(start: g + r.lowerBound, count: r.count))
            floats += r.count
            pending = nil
        }
        for (index, e) in store.entries.enumerated() where !store.groups[e.group].frozen {
            if store.gradientRowTracking(entry: index) != nil, try !agreeOnRows(index) {
                try flush()
                var n = 0
                store.forEachGradientRange(entry: index) { n += $0.count }
                guard n > 0 else { continue }
                let buffer = reserve(n)
                var at = 0
                store.forEachGradientRange(entry: index) { r in (buffer + at).update(from: g + r.lowerBound, count: r.count); at += r.count }
                try Distributed.sum(UnsafeMutableBufferPointer(start: buffer, count: n))
                at = 0
                store.forEachGradientRange(entry: index) { r in (g + r.lowerBound).update(from: buffer + at, count: r.count); at += r.count }
                floats += n
            } else {
                let r = e.offset..<(e.offset + e.shape.count)
                if let p = pending, p.upperBound == r.lowerBound { pending = p.lowerBound..<r.upperBound } else { try flush(); pending = r }
            }
        }
        try flush()
        lastFloats = floats
        let took = (clock.now - started).components
        lastSeconds = Double(took.seconds) + Double(took.attoseconds) * 1e-18
    }

    /// Makes the flagged rows of tracked entry `index` the union of every rank's; false when that is every row
    /// (the entry is then summed whole, as a dense one).
    private func agreeOnRows(_ index: Int) throws -> Bool {
        guard let t = store.gradientRowTracking(entry: index) else { return true }
        let words = (t.rows + 63) / 64 + 1
        if words > bitCapacity {
            bits?.deallocate()
            bits = UnsafeMutablePointer<Int64>.allocate(capacity: words)
            bitCapacity = words
        }
        guard let b = bits else { return true }
        b.update(repeating: 0, count: words)
        for r in 0..<t.rows where t.touched[r] != 0 { b[r >> 6] |= Int64(bitPattern: UInt64(1) << UInt64(r & 63)) }
        if t.all { b[words - 1] = 1 }
        try Distributed.union(UnsafeMutableBufferPointer(start: b, count: words))
        if b[words - 1] != 0 {
            store.markAllGradientRows(ParameterID(index: index))
            return true
        }
        for r in 0..<t.rows { t.touched[r] = (UInt64(bitPattern: b[r >> 6]) >> UInt64(r & 63)) & 1 == 1 ? 1 : 0 }
        return false
    }

    private func reserve(_ n: Int) -> UnsafeMutablePointer<Float> {
        if let p = packed, n <= capacity { return p }
        packed?.deallocate()
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        packed = p
        capacity = n
        return p
    }
}
