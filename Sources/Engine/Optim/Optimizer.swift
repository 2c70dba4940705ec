import Platform

/// An optimizer's state for checkpoints: the step count and its moment slabs (same layout as the
/// parameter slab), so a resumed run continues bitwise identically.
public struct OptimizerState: Codable, Equatable, Sendable {
    public var kind: String
    public var step: Int
    public var buffers: [String: [Float]]
    public init(kind: String, step: Int, buffers: [String: [Float]]) { self.kind = kind; self.step = step; self.buffers = buffers }
}

/// What the training loop needs from an optimizer.
public protocol Optimizer: AnyObject {
    var store: ParameterStore { get }
    /// Steps taken so far.
    var stepCount: Int { get }
    /// Applies one update with the given base learning rate (each group scales it).
    func step(learningRate: Float)
    func exportState() -> OptimizerState
    func importState(_ state: OptimizerState) throws
}

/// Contiguous slab ranges with their group, recomputed only when group membership changes.
struct GroupRuns {
    var runs: [(range: Range<Int>, group: Int)] = []
    var version = -1
    mutating func refresh(_ store: ParameterStore) {
        if version != store.layoutVersion { runs = store.groupRuns(); version = store.layoutVersion }
    }
}

func importBuffer(_ state: OptimizerState, _ name: String, into p: UnsafeMutablePointer<Float>, count: Int) throws {
    guard let b = state.buffers[name] else { throw EngineError(op: "optimizer.import", "state of kind \(state.kind) lacks buffer \(name)") }
    try EngineError.require(b.count == count, "optimizer.import", "buffer \(name) has \(b.count) floats, the parameter slab \(count)")
    b.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: count) }
}
