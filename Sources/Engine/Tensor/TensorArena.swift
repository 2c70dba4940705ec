/// One slab from which a model's activation and scratch buffers are carved once, at construction. Its
/// memory starts zero and becomes resident only where written, so a training arena that an inference-only
/// command never uses costs address space, not memory.
/// A training step then only reuses them: no heap allocation after warm-up. `mark`/`reset(to:)` let a
/// caller reuse a region for short-lived scratch.
public final class TensorArena {
    public let capacity: Int
    private let base: UnsafeMutablePointer<Float>
    public private(set) var used = 0
    /// Every buffer starts on a 64-byte boundary (16 floats) so kernels see aligned rows.
    static let alignment = 16

    public init(floats: Int) {
        capacity = floats
        base = ZeroedMemory.floats(Swift.max(1, floats) + TensorArena.alignment)
    }
    deinit { ZeroedMemory.free(base) }

    /// Floats needed to carve tensors of the given element counts (with alignment padding).
    public static func floatsNeeded(_ counts: [Int]) -> Int {
        counts.reduce(0) { $0 + round($1) } + alignment
    }
    @inline(__always) static func round(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    public func allocate(_ shape: Shape) throws -> Tensor {
        let start = alignedStart()
        let n = TensorArena.round(shape.count)
        try EngineError.require(used + n <= capacity, "arena",
                                "out of space: \(shape) needs \(shape.count) floats, \(capacity - used) of \(capacity) left")
        used += n
        return Tensor(data: base + start, shape: shape)
    }
    private func alignedStart() -> Int {
        let addr = Int(bitPattern: base) / MemoryLayout<Float>.stride
        let mis = (addr + used) % TensorArena.alignment
        if mis != 0 { used += TensorArena.alignment - mis }
        return used
    }
    public var mark: Int { used }

    /// Builds a set of buffers in one slab sized exactly: `make` runs once against a counting allocator
    /// (tensors over a placeholder, never touched) and once against the real arena.
    public static func build<T>(_ make: (_ allocate: (Shape) throws -> Tensor) throws -> T) throws -> (value: T, arena: TensorArena) {
        var total = alignment
        let placeholder = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        defer { placeholder.deallocate() }
        _ = try make { shape in total += round(shape.count) + alignment; return Tensor(data: placeholder, shape: shape) }
        let arena = TensorArena(floats: total)
        let value = try make { try arena.allocate($0) }
        return (value, arena)
    }
    public func reset(to mark: Int = 0) { precondition(mark <= used); used = mark }
}

/// Int32 storage for token ids, masks and labels, allocated once.
public final class IntBuffer {
    public let count: Int
    public let data: UnsafeMutablePointer<Int32>
    public init(count: Int) {
        self.count = count
        data = .allocate(capacity: Swift.max(1, count))
        data.initialize(repeating: 0, count: Swift.max(1, count))
    }
    deinit { data.deallocate() }
}
