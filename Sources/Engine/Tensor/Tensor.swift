/// A float32 tensor: a shape over contiguous storage it does not own (an arena, the parameter slab).
/// Views share storage; copying a `Tensor` copies the pointer, never the floats.
public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    public let data: UnsafeMutablePointer<Float>
    public let shape: Shape

    @inline(__always) public init(data: UnsafeMutablePointer<Float>, shape: Shape) {
        self.data = data; self.shape = shape
    }

    @inline(__always) public var count: Int { shape.count }
    @inline(__always) public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: data, count: count) }
    @inline(__always) public var readOnly: UnsafeBufferPointer<Float> { .init(start: data, count: count) }
    public var description: String { "Tensor\(shape)" }

    /// The same storage under another shape with the same element count.
    public func reshaped(_ s: Shape) throws -> Tensor {
        try EngineError.require(s.count == count, "reshape", "cannot view \(shape) as \(s)")
        return Tensor(data: data, shape: s)
    }
    /// Reshape without checks for internal hot paths (callers guarantee the count).
    @inline(__always) func view(_ s: Shape) -> Tensor { Tensor(data: data, shape: s) }

    /// Rows `range` of the tensor seen as a matrix [rows, last].
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= shape.rows, "rows \(range) of \(shape)")
        return Tensor(data: data + range.lowerBound * shape.last, shape: .matrix(range.count, shape.last))
    }

    public func fill(_ v: Float) { data.update(repeating: v, count: count) }
    public func zero() { data.update(repeating: 0, count: count) }
    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy from \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }
    public func copy(from values: [Float]) throws {
        try EngineError.require(values.count == count, "copy", "\(values.count) values into a tensor of shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }
    public func toArray() -> [Float] { Array(readOnly) }
    @inline(__always) public subscript(i: Int) -> Float {
        get { data[i] }
        nonmutating set { data[i] = newValue }
    }
}

/// Tensor storage owned by the holder: allocated once, freed on deinit. Used for small standalone tensors
/// (tests, heads' scratch); hot paths take their buffers from a `TensorArena`.
public final class OwnedTensor {
    public let tensor: Tensor
    public init(_ shape: Shape, fill value: Float = 0) {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, shape.count))
        p.initialize(repeating: value, count: Swift.max(1, shape.count))
        tensor = Tensor(data: p, shape: shape)
    }
    public convenience init(_ shape: Shape, values: [Float]) throws {
        self.init(shape)
        try tensor.copy(from: values)
    }
    deinit { tensor.data.deallocate() }
}
