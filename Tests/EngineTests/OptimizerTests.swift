import Testing
import Foundation
import Platform
@testable import Engine

/// Optimizers against their PyTorch update rules written out in Double, state round trips, groups,
/// clipping and schedules.
@Suite struct OptimizerTests {
    func store(_ values: [Float], grads: [Float], split: Int) throws -> ParameterStore {
        let s = ParameterStore(seed: 1)
        try s.register("a.weight", .vector(split), initializer: .zeros)
        try s.register("b.bias", .vector(values.count - split), initializer: .zeros)
        try s.allocate()
        try s.values.copy(from: values)
        try s.gradients.copy(from: grads)
        return s
    }

    @Test func adamWMatchesTorchFormula() throws {
        let p0: [Float] = [0.5, -1.2, 3.0, 0.01], g: [Float] = [0.1, -0.3, 2.0, 1e-4]
        let s = try store(p0, grads: g, split: 2)
        s.updateGroup(0) { $0.weightDecay = 0.1 }
        let opt = try AdamW(store: s)
        var p = p0.map(Double.init), m = [Double](repeating: 0, count: 4), v = m
        let lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8
        for t in 1...5 {
            opt.step(learningRate: Float(lr))
            for i in 0..<4 {
                let gi = Double(g[i])
                p[i] *= 1 - lr * 0.1
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                let bc1 = 1 - pow(b1, Double(t)), bc2 = 1 - pow(b2, Double(t))
                p[i] -= (lr / bc1) * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
            }
        }
        #expect(maxAbsDiff(s.values.toArray(), p) < 1e-6)
    }

    @Test(arguments: [false, true]) func sgdMatchesTorchFormula(nesterov: Bool) throws {
        let p0: [Float] = [0.5, -1.2, 3.0], g: [Float] = [0.1, -0.3, 2.0]
        let s = try store(p0, grads: g, split: 1)
        s.updateGroup(0) { $0.weightDecay = 0.01 }
        let opt = try SGD(store: s, config: .init(momentum: 0.9, dampening: 0.1, nesterov: nesterov))
        var p = p0.map(Double.init), buf = [Double](repeating: 0, count: 3)
        for t in 0..<4 {
            opt.step(learningRate: 0.1)
            for i in 0..<3 {
                var d = Double(g[i]) + 0.01 * p[i]
                buf[i] = t == 0 ? d : 0.9 * buf[i] + 0.9 * d
                d = nesterov ? d + 0.9 * buf[i] : buf[i]
                p[i] -= 0.1 * d
            }
        }
        #expect(maxAbsDiff(s.values.toArray(), p) < 1e-5)
    }

    @Test func groupsFreezeAndScale() throws {
        let s = try store([1, 1, 1, 1], grads: [1, 1, 1, 1], split: 2)
        let frozen = s.addGroup(ParameterGroup(name: "frozen", frozen: true))
        #expect(try s.assign(group: frozen, where: { $0.hasPrefix("a.") }) == 1)
        let opt = try SGD(store: s, config: .init(momentum: 0))
        opt.step(learningRate: 0.5)
        #expect(s.values.toArray() == [1, 1, 0.5, 0.5])
        s.updateGroup(frozen) { $0.frozen = false; $0.learningRateScale = 2 }
        opt.step(learningRate: 0.1)
        #expect(s.values.toArray() == [0.8, 0.8, 0.4, 0.4])
    }

    /// A parameter that sits out a step (idle: the head of a task the step does not train) is left exactly as it
    /// is, and its next update uses its own step count, as torch.optim.AdamW does for a parameter whose `.grad` is
    /// None: reference in Double with one count per parameter (b takes part in steps 1, 3, 4 and 6).
    @Test func adamWLeavesIdleParametersAndCountsStepsPerParameter() throws {
        let p0: [Float] = [0.5, -1.2, 3.0, 0.01], g: [Float] = [0.1, -0.3, 2.0, 1e-4]
        let s = try store(p0, grads: g, split: 2)
        s.updateGroup(0) { $0.weightDecay = 0.1 }
        let opt = try AdamW(store: s)
        var p = p0.map(Double.init), m = [Double](repeating: 0, count: 4), v = m, t = [0, 0]
        let lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8
        for step in 1...6 {
            let bIdle = step == 2 || step == 5
            s.setIdle(1, bIdle)
            let before = s.values.toArray()
            opt.step(learningRate: Float(lr))
            if bIdle { #expect(Array(s.values.toArray()[2...]) == Array(before[2...]), "an idle parameter moved at step \(step)") }
            for i in 0..<4 where !(bIdle && i >= 2) {
                if i == 0 || i == 2 { t[i / 2] += 1 }
                let gi = Double(g[i]), n = Double(t[i / 2])
                p[i] *= 1 - lr * 0.1
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                p[i] -= (lr / (1 - pow(b1, n))) * m[i] / (v[i].squareRoot() / (1 - pow(b2, n)).squareRoot() + eps)
            }
        }
        #expect(maxAbsDiff(s.values.toArray(), p) < 1e-6)
        #expect(opt.stepCount == 6 && opt.exportState().parameterSteps == ["b.bias": 4])
        // With a global count instead (b's fourth update at t = 6) the result is measurably different.
        var q = p0.map(Double.init), mq = [Double](repeating: 0, count: 4), vq = mq
        for step in 1...6 {
            for i in 0..<4 where !((step == 2 || step == 5) && i >= 2) {
                let gi = Double(g[i]), n = Double(step)
                q[i] *= 1 - lr * 0.1
                mq[i] = b1 * mq[i] + (1 - b1) * gi
                vq[i] = b2 * vq[i] + (1 - b2) * gi * gi
                q[i] -= (lr / (1 - pow(b1, n))) * mq[i] / (vq[i].squareRoot() / (1 - pow(b2, n)).squareRoot() + eps)
            }
        }
        #expect(maxAbsDiff(s.values.toArray(), q) > 1e-4)
    }

    /// A frozen group's parameters start counting when they thaw: their first AdamW update is lr · sign(g) (torch,
    /// where a frozen parameter has no gradient), and an SGD momentum buffer starts from that step's d.
    @Test func thawedAndIdleParametersStartTheirOwnCounts() throws {
        let s = try store([1, 1, 1, 1], grads: [0.5, 0.5, -2, -2], split: 2)
        let frozen = s.addGroup(ParameterGroup(name: "frozen", frozen: true))
        try s.assign(group: frozen, where: { $0.hasPrefix("a.") })
        let opt = try AdamW(store: s)
        opt.step(learningRate: 0.1)
        opt.step(learningRate: 0.1)
        #expect(Array(s.values.toArray()[..<2]) == [1, 1])
        s.updateGroup(frozen) { $0.frozen = false }
        opt.step(learningRate: 0.1)
        #expect(maxAbsDiff(Array(s.values.toArray()[..<2]), [0.9, 0.9]) < 1e-6)
        #expect(opt.exportState().parameterSteps == ["a.weight": 1])

        let t = try store([1, 1, 1], grads: [1, 1, 1], split: 1)
        let sgd = try SGD(store: t, config: .init(momentum: 0.9, dampening: 0.5))
        t.setIdle(0, true)
        sgd.step(learningRate: 0.1)   // b: buf = 1, p = 0.9
        t.setIdle(0, false)
        sgd.step(learningRate: 0.1)   // a: its first step, buf = 1; b: buf = 0.9 + 0.5 = 1.4
        #expect(maxAbsDiff(t.values.toArray(), [0.9, 0.76, 0.76]) < 1e-6)
        #expect(sgd.exportState().parameterSteps == ["a.weight": 1])
    }

    /// Per-parameter counts survive export and import (a resumed run with idle steps continues bitwise), and an
    /// imported count for a parameter the model lacks, or above the step count, is refused naming it.
    @Test func parameterStepsRoundTrip() throws {
        var d = TestData("idle-resume")
        let values = d.floats(50), grads = d.floats(50)
        func run(split: Bool) throws -> [Float] {
            let s = try store(values, grads: grads, split: 20)
            var opt = try AdamW(store: s)
            for step in 1...5 {
                if split && step == 3 {
                    let state = try JSONDecoder().decode(OptimizerState.self, from: JSONEncoder().encode(opt.exportState()))
                    #expect(state.parameterSteps == ["a.weight": 1])
                    let s2 = try store(s.values.toArray(), grads: grads, split: 20)
                    opt = try AdamW(store: s2)
                    try opt.importState(state)
                }
                opt.store.setIdle(0, step == 2)
                opt.step(learningRate: 1e-2)
            }
            return opt.store.values.toArray()
        }
        #expect(try run(split: true) == run(split: false))
        let s = try store(values, grads: grads, split: 20)
        let buffers = ["exp_avg": [Float](repeating: 0, count: 50), "exp_avg_sq": [Float](repeating: 0, count: 50)]
        #expect(throws: EngineError(op: "optimizer.import", "parameter_steps names c.weight, which this model does not have")) {
            try AdamW(store: s).importState(OptimizerState(kind: "adamw", step: 2, buffers: buffers, parameterSteps: ["c.weight": 1]))
        }
        #expect(throws: EngineError.self) {
            try AdamW(store: s).importState(OptimizerState(kind: "adamw", step: 2, buffers: buffers, parameterSteps: ["a.weight": 3]))
        }
        // A checkpoint from before per-parameter counts has no parameter_steps: every parameter at `step`.
        let old = try JSONDecoder().decode(OptimizerState.self, from: Data(#"{"kind": "adamw", "step": 4, "buffers": {}}"#.utf8))
        #expect(old.parameterSteps.isEmpty)
    }

    @Test func stateExportImportResumesBitwise() throws {
        var d = TestData("resume")
        let values = d.floats(50), grads1 = d.floats(50), grads2 = d.floats(50)
        func run(split: Bool) throws -> [Float] {
            let s = try store(values, grads: grads1, split: 20)
            s.updateGroup(0) { $0.weightDecay = 0.01 }
            var opt = try AdamW(store: s)
            opt.step(learningRate: 1e-2)
            if split {
                let state = try JSONDecoder().decode(OptimizerState.self, from: JSONEncoder().encode(opt.exportState()))
                let saved = s.values.toArray()
                let s2 = try store(saved, grads: grads2, split: 20)
                s2.updateGroup(0) { $0.weightDecay = 0.01 }
                opt = try AdamW(store: s2)
                try opt.importState(state)
                opt.step(learningRate: 1e-2)
                return s2.values.toArray()
            }
            try s.gradients.copy(from: grads2)
            opt.step(learningRate: 1e-2)
            return s.values.toArray()
        }
        #expect(try run(split: true) == run(split: false))
        let s = try store(values, grads: grads1, split: 20)
        #expect(throws: EngineError.self) { try AdamW(store: s).importState(OptimizerState(kind: "sgd", step: 1, buffers: [:])) }
    }

    @Test func clippingUsesGlobalNorm() throws {
        let s = try store([0, 0, 0, 0], grads: [3, 0, 0, 4], split: 2)
        let norm = try GradientClipping.clip(s, maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(maxAbsDiff(s.gradients.toArray(), [0.6, 0, 0, 0.8]) < 1e-6)
        #expect(abs(try GradientClipping.clip(s, maxNorm: 10) - 1) < 1e-5)
        try s.gradients.copy(from: [.nan, 0, 0, 0])
        #expect(throws: EngineError.self) { try GradientClipping.clip(s, maxNorm: 1) }
    }

    @Test func schedules() {
        let lin = LearningRateSchedule.linear(warmupSteps: 10, totalSteps: 110)
        #expect(lin.multiplier(step: 0) == 0 && lin.multiplier(step: 5) == 0.5 && lin.multiplier(step: 10) == 1)
        #expect(abs(lin.multiplier(step: 60) - 0.5) < 1e-6 && lin.multiplier(step: 110) == 0)
        let cos = LearningRateSchedule.cosine(warmupSteps: 10, totalSteps: 110)
        #expect(abs(cos.multiplier(step: 60) - 0.5) < 1e-6 && abs(cos.multiplier(step: 110)) < 1e-6)
        let inv = LearningRateSchedule.inverseSquareRoot(warmupSteps: 4)
        #expect(inv.multiplier(step: 2) == 0.5 && inv.multiplier(step: 16) == 0.5)
        #expect(LearningRateSchedule.constant.rate(base: 3, step: 99) == 3)
        // ULMFiT: T = 1000, cut = 100; peak at the cut, 1/ratio at both ends.
        let stlr = LearningRateSchedule.slantedTriangular(totalSteps: 1000, cutFraction: 0.1, ratio: 32)
        #expect(abs(stlr.multiplier(step: 0) - 1 / 32) < 1e-6 && stlr.multiplier(step: 100) == 1)
        #expect(abs(stlr.multiplier(step: 1000) - 1 / 32) < 1e-6)
        #expect(abs(stlr.multiplier(step: 550) - (1 + 0.5 * 31) / 32) < 1e-6)
    }
}
