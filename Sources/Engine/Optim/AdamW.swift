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
    public var stateFloatsPerParameter: Int { 2 }
    let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    let count: Int
    var steps: ParameterSteps
    /// [entries] run table filled by each step (a step has at most one run per parameter).
    let runs: UnsafeMutablePointer<Run>

    public init(store: ParameterStore, config: Config = Config()) throws {
        try EngineError.require(store.isAllocated, "adamw", "parameters not allocated")
        self.store = store; self.config = config; count = store.count
        steps = ParameterSteps(entries: store.entries.count)
        // Zero pages until written: the moments of parameters that never train (a frozen base model) never become resident.
        m = ZeroedMemory.floats(Swift.max(1, count))
        v = ZeroedMemory.floats(Swift.max(1, count))
        runs = .allocate(capacity: Swift.max(1, store.entries.count))
    }
    deinit { ZeroedMemory.free(m); ZeroedMemory.free(v); runs.deallocate() }

    /// A slab range updated with one set of constants (a run of `ParameterSteps`); `before` is the number
    /// of floats in earlier runs, so the runs of a step form one index space split across the pool.
    struct Run {
        var start: Int, count: Int, before: Int
        var decay: Float, stepSize: Float, bc2Sqrt: Float
    }
    typealias PassArgs = (runs: UnsafePointer<Run>, runCount: Int, p: MutableFloatPointer, g: FloatPointer,
                          m: MutableFloatPointer, v: MutableFloatPointer, b1: Float, b2: Float, eps: Float,
                          tracked: UnsafePointer<ParameterStore.RowTracking>?, trackedCount: Int)

    /// One pass over every parameter that takes part, split across the worker pool: p, g, m and v are read
    /// and written once per float. Rows of a tracked table (`ParameterStore.trackGradientRows`) that no
    /// backward touched have g = 0, so their update is computed without reading g (`zeroGradientUpdate`),
    /// bit for bit what the general formula gives with g = 0: moments decay and weight decay applies every
    /// step, as in torch.optim.AdamW.
    public func step(learningRate: Float) {
        stepCount += 1
        let b1 = config.beta1, b2 = config.beta2
        var runCount = 0, total = 0
        let runs = self.runs
        steps.forEachRun(store) { range, groupIndex, t in
            let group = store.groups[groupIndex]
            let bc1 = 1 - Float(Double(b1).power(t)), bc2 = 1 - Float(Double(b2).power(t))
            let lr = learningRate * group.learningRateScale
            runs[runCount] = Run(start: range.lowerBound, count: range.count, before: total,
                                 decay: 1 - lr * group.weightDecay, stepSize: lr / bc1, bc2Sqrt: bc2.squareRoot())
            runCount += 1; total += range.count
        }
        store.rowTracking.withUnsafeBufferPointer { tracked in
            let args: PassArgs = (UnsafePointer(runs), runCount, store.values.data, FloatPointer(store.gradients.data), m, v,
                                  b1, b2, config.epsilon, tracked.baseAddress, tracked.count)
            Parallel.ranges(total, grain: 16384, args) { raw, first, last in
                let a = raw.load(as: PassArgs.self)
                // The last run starting at or before `first`.
                var lo = 0, hi = a.runCount - 1
                while lo < hi {
                    let mid = (lo + hi + 1) / 2
                    if a.runs[mid].before <= first { lo = mid } else { hi = mid - 1 }
                }
                var r = lo, position = first
                while position < last {
                    let run = a.runs[r]
                    let from = run.start + (position - run.before)
                    let to = run.start + Swift.min(last - run.before, run.count)
                    AdamW.update(from..<to, run, a)
                    position = run.before + run.count
                    r += 1
                }
            }
        }
    }

    /// Updates slab range `range` of one run, splitting it around the untouched rows of tracked tables.
    @inline(__always)
    static func update(_ range: Range<Int>, _ run: Run, _ a: PassArgs) {
        var i = range.lowerBound
        for k in 0..<a.trackedCount {
            let t = a.tracked.unsafelyUnwrapped[k]
            if t.all || t.end <= i || t.offset >= range.upperBound { continue }
            denseUpdate(i..<Swift.max(i, t.offset), run, a)
            let segmentEnd = Swift.min(range.upperBound, t.end)
            var j = Swift.max(i, t.offset)
            while j < segmentEnd {
                let row = (j - t.offset) / t.width
                let rowEnd = Swift.min(segmentEnd, t.offset + (row + 1) * t.width)
                if t.touched[row] != 0 { denseUpdate(j..<rowEnd, run, a) } else { zeroGradientUpdate(j..<rowEnd, run, a) }
                j = rowEnd
            }
            i = segmentEnd
        }
        denseUpdate(i..<range.upperBound, run, a)
    }

    /// torch.optim.AdamW's update of p[range] with gradient g[range].
    @inline(__always)
    static func denseUpdate(_ range: Range<Int>, _ run: Run, _ a: PassArgs) {
        let p = a.p, g = a.g, m = a.m, v = a.v, b1 = a.b1, b2 = a.b2, eps = a.eps
        let decay = run.decay, stepSize = run.stepSize, bc2Sqrt = run.bc2Sqrt
        for i in range {
            let gi = g[i]
            p[i] *= decay
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Sqrt + eps)
        }
    }

    /// The same update for g = 0, without reading g: (1 − β)·0 is +0, so m ← β₁·m + 0 and v ← β₂·v + 0 (the
    /// "+ 0" kept: it turns a −0 moment into +0 exactly as the general formula does).
    @inline(__always)
    static func zeroGradientUpdate(_ range: Range<Int>, _ run: Run, _ a: PassArgs) {
        let p = a.p, m = a.m, v = a.v, b1 = a.b1, b2 = a.b2, eps = a.eps
        let decay = run.decay, stepSize = run.stepSize, bc2Sqrt = run.bc2Sqrt
        for i in range {
            p[i] *= decay
            m[i] = b1 * m[i] + 0
            v[i] = b2 * v[i] + 0
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Sqrt + eps)
        }
    }

    /// The reference the fused pass is tested against: one loop per run over every float, reading every
    /// gradient (what `step` did before it was fused).
    func naiveStep(learningRate: Float) {
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
            for i in range {
                let gi = g[i]
                p[i] *= decay
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                p[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Sqrt + eps)
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
