import Platform

/// An optimizer's state for checkpoints: the step count and its moment slabs (same layout as the
/// parameter slab), so a resumed run continues bitwise identically. `parameterSteps` names the parameters
/// whose own step count differs from `step` (they sat out steps: a frozen group, or the head of a task a
/// step did not train); every other parameter has taken `step` steps.
public struct OptimizerState: Codable, Equatable, Sendable {
    public var kind: String
    public var step: Int
    public var buffers: [String: [Float]]
    public var parameterSteps: [String: Int]
    public init(kind: String, step: Int, buffers: [String: [Float]], parameterSteps: [String: Int] = [:]) {
        self.kind = kind; self.step = step; self.buffers = buffers; self.parameterSteps = parameterSteps
    }
    enum CodingKeys: String, CodingKey { case kind, step, buffers, parameterSteps = "parameter_steps" }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        step = try c.decode(Int.self, forKey: .step)
        buffers = try c.decode([String: [Float]].self, forKey: .buffers)
        parameterSteps = try c.decodeIfPresent([String: Int].self, forKey: .parameterSteps) ?? [:]
    }
}

/// What the training loop needs from an optimizer.
public protocol Optimizer: AnyObject {
    var store: ParameterStore { get }
    /// Steps taken so far.
    var stepCount: Int { get }
    /// Applies one update with the given base learning rate (each group scales it).
    func step(learningRate: Float)
    /// Floats of state kept per parameter that takes part (AdamW 2, SGD with momentum 1).
    var stateFloatsPerParameter: Int { get }
    func exportState() -> OptimizerState
    func importState(_ state: OptimizerState) throws
}

/// Each parameter's own step count, as torch.optim keeps one per parameter: a step counts for the parameters
/// that take part in it (not frozen, not idle). `forEachRun` advances the counts and hands the optimizer
/// the slab ranges to update, consecutive parameters merged while they share a group and a count, so a
/// step with every parameter taking part is one range per group, as before counts were per parameter.
struct ParameterSteps {
    private(set) var counts: [Int]
    init(entries: Int) { counts = [Int](repeating: 0, count: entries) }

    mutating func forEachRun(_ store: ParameterStore, _ body: (_ range: Range<Int>, _ group: Int, _ step: Int) -> Void) {
        var start = 0, end = 0, group = -1, step = -1
        for (i, e) in store.entries.enumerated() where store.takesPart(i) {
            counts[i] += 1
            if group == e.group && step == counts[i] && end == e.offset {
                end = e.offset + e.shape.count
                continue
            }
            if end > start { body(start..<end, group, step) }
            start = e.offset; end = e.offset + e.shape.count; group = e.group; step = counts[i]
        }
        if end > start { body(start..<end, group, step) }
    }

    /// The counts that differ from `step`, by parameter name (for `OptimizerState.parameterSteps`).
    func exported(_ store: ParameterStore, step: Int) -> [String: Int] {
        var out: [String: Int] = [:]
        for (i, e) in store.entries.enumerated() where counts[i] != step { out[e.name] = counts[i] }
        return out
    }

    /// Every count set to `state.step`, then the named exceptions; a name the store lacks is an error.
    mutating func restore(_ state: OptimizerState, store: ParameterStore) throws {
        counts = [Int](repeating: state.step, count: store.entries.count)
        for (name, n) in state.parameterSteps.sorted(by: { $0.key < $1.key }) {
            guard let id = store.id(name) else { throw EngineError(op: "optimizer.import", "parameter_steps names \(name), which this model does not have") }
            try EngineError.require(n >= 0 && n <= state.step, "optimizer.import", "parameter_steps of \(name) is \(n), outside 0...\(state.step)")
            counts[id.index] = n
        }
    }
}

func importBuffer(_ state: OptimizerState, _ name: String, into p: UnsafeMutablePointer<Float>, count: Int) throws {
    guard let b = state.buffers[name] else { throw EngineError(op: "optimizer.import", "state of kind \(state.kind) lacks buffer \(name)") }
    try EngineError.require(b.count == count, "optimizer.import", "buffer \(name) has \(b.count) floats, the parameter slab \(count)")
    b.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: count) }
}
