import Platform

/// SGD with momentum as torch.optim.SGD: d = g + wd·p; buf = μ·buf + (1 − dampening)·d (buf = d on the
/// first step); d = g + μ·buf with Nesterov else buf; p ← p − lr·d. Weight decay comes from each group.
/// A frozen or idle parameter is left as it is and its first step is its own first update, as in torch.
public final class SGD: Optimizer {
    public struct Config: Codable, Equatable, Sendable {
        public var momentum: Float, dampening: Float, nesterov: Bool
        public init(momentum: Float = 0.9, dampening: Float = 0, nesterov: Bool = false) {
            self.momentum = momentum; self.dampening = dampening; self.nesterov = nesterov
        }
    }
    public let store: ParameterStore
    public let config: Config
    public private(set) var stepCount = 0
    public var stateFloatsPerParameter: Int { config.momentum == 0 ? 0 : 1 }
    let buf: UnsafeMutablePointer<Float>
    let count: Int
    var steps: ParameterSteps

    public init(store: ParameterStore, config: Config = Config()) throws {
        try EngineError.require(store.isAllocated, "sgd", "parameters not allocated")
        self.store = store; self.config = config; count = store.count
        steps = ParameterSteps(entries: store.entries.count)
        buf = .allocate(capacity: Swift.max(1, count)); buf.initialize(repeating: 0, count: Swift.max(1, count))
    }
    deinit { buf.deallocate() }

    public func step(learningRate: Float) {
        stepCount += 1
        let mu = config.momentum, damp = config.dampening, nesterov = config.nesterov
        let p = store.values.data, g = store.gradients.data, buf = self.buf
        steps.forEachRun(store) { range, groupIndex, t in
            let group = store.groups[groupIndex]
            let lr = learningRate * group.learningRateScale, wd = group.weightDecay, first = t == 1
            typealias Args = (MutableFloatPointer, FloatPointer, MutableFloatPointer, Int, Float, Float, Float, Float, Bool, Bool)
            let args: Args = (p, FloatPointer(g), buf, range.lowerBound, lr, wd, mu, damp, nesterov, first)
            Parallel.ranges(range.count, grain: 8192, args) { raw, lo, hi in
                let (p, g, buf, start, lr, wd, mu, damp, nesterov, first) = raw.load(as: Args.self)
                for i in (start + lo)..<(start + hi) {
                    var d = g[i] + wd * p[i]
                    if mu != 0 {
                        buf[i] = first ? d : mu * buf[i] + (1 - damp) * d
                        d = nesterov ? d + mu * buf[i] : buf[i]
                    }
                    p[i] -= lr * d
                }
            }
        }
    }

    public func exportState() -> OptimizerState {
        OptimizerState(kind: "sgd", step: stepCount, buffers: ["momentum_buffer": Array(UnsafeBufferPointer(start: buf, count: count))],
                       parameterSteps: steps.exported(store, step: stepCount))
    }
    public func importState(_ state: OptimizerState) throws {
        try EngineError.require(state.kind == "sgd", "sgd.import", "state is for \(state.kind)")
        try importBuffer(state, "momentum_buffer", into: buf, count: count)
        try steps.restore(state, store: store)
        stepCount = state.step
    }
}
