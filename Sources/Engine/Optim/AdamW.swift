import Platform

/// AdamW with torch.optim.AdamW's arithmetic (decoupled weight decay p ← p − lr·wd·p, then
/// p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)). Weight decay comes from each parameter's group.
/// t is each parameter's own step count: a frozen or idle parameter (`ParameterStore.takesPart`) is left
/// as it is, moments and count included, as torch skips a parameter whose `.grad` is None.
public final class AdamW: Optimizer {
    public struct Config: Codable, Equatable, Sendable {
        public var beta1: Float, beta2: Float, epsilon: Float
        public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
            self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        }
    }
    public let store: ParameterStore
    public let config: Config
    public private(set) var stepCount = 0
    let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    let count: Int
    var steps: ParameterSteps

    public init(store: ParameterStore, config: Config = Config()) throws {
        try EngineError.require(store.isAllocated, "adamw", "parameters not allocated")
        self.store = store; self.config = config; count = store.count
        steps = ParameterSteps(entries: store.entries.count)
        m = .allocate(capacity: Swift.max(1, count)); m.initialize(repeating: 0, count: Swift.max(1, count))
        v = .allocate(capacity: Swift.max(1, count)); v.initialize(repeating: 0, count: Swift.max(1, count))
    }
    deinit { m.deallocate(); v.deallocate() }

    public func step(learningRate: Float) {
        stepCount += 1
        let b1 = config.beta1, b2 = config.beta2, eps = config.epsilon
        let p = store.values.data, g = store.gradients.data, m = self.m, v = self.v
        steps.forEachRun(store) { range, groupIndex, t in
            let group = store.groups[groupIndex]
            let bc1 = 1 - Float(Double(b1).power(t)), bc2 = 1 - Float(Double(b2).power(t))
            let bc2Sqrt = bc2.squareRoot()
            let lr = learningRate * group.learningRateScale
            let decay = 1 - lr * group.weightDecay
            let stepSize = lr / bc1
            typealias Args = (MutableFloatPointer, FloatPointer, MutableFloatPointer, MutableFloatPointer, Int, Float, Float, Float, Float, Float, Float)
            let args: Args = (p, FloatPointer(g), m, v, range.lowerBound, decay, b1, b2, stepSize, bc2Sqrt, eps)
            Parallel.ranges(range.count, grain: 8192, args) { raw, first, last in
                let (p, g, m, v, lo, decay, b1, b2, stepSize, bc2Sqrt, eps) = raw.load(as: Args.self)
                for i in (lo + first)..<(lo + last) {
                    let gi = g[i]
                    p[i] *= decay
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    p[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Sqrt + eps)
                }
            }
        }
    }

    public func exportState() -> OptimizerState {
        OptimizerState(kind: "adamw", step: stepCount, buffers: [
            "exp_avg": Array(UnsafeBufferPointer(start: m, count: count)),
            "exp_avg_sq": Array(UnsafeBufferPointer(start: v, count: count)),
        ], parameterSteps: steps.exported(store, step: stepCount))
    }
    public func importState(_ state: OptimizerState) throws {
        try EngineError.require(state.kind == "adamw", "adamw.import", "state is for \(state.kind)")
        try importBuffer(state, "exp_avg", into: m, count: count)
        try importBuffer(state, "exp_avg_sq", into: v, count: count)
        try steps.restore(state, store: store)
        stepCount = state.step
    }
}

extension Double {
    /// x^n for a step count, by repeated squaring (matches pow for the exponents optimizers see).
    func power(_ n: Int) -> Double {
        var result = 1.0, base = self, e = n
        while e > 0 { if e & 1 == 1 { result *= base }; base *= base; e >>= 1 }
        return result
    }
}
