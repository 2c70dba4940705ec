import Engine

/// A grow-only float buffer a head carves its activations from: it allocates when a batch is larger
/// than any before and is reused afterwards, so steady-state steps do not allocate.
final class ScratchBuffer {
    private var storage: UnsafeMutablePointer<Float>?
    private var capacity = 0

    deinit { storage?.deallocate() }

    func tensor(_ shape: Shape) -> Tensor {
        let n = Swift.max(1, shape.count)
        if n > capacity {
            storage?.deallocate()
            storage = .allocate(capacity: n)
            storage!.initialize(repeating: 0, count: n)
            capacity = n
        }
        return Tensor(data: storage!, shape: shape)
    }
}
