import Engine
import Foundation
import Models
import Platform
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

/// The penalties against forgetting and the Fisher EWC weighs them with, each against finite differences,
/// and replay through the sampler.
@Suite struct RegularizerTests {
    /// Three parameters: a tracked embedding table and a matrix (covered), a head vector (not covered).
    func store() throws -> ParameterStore {
        let s = ParameterStore(seed: 2)
        let table = try s.register("embeddings.word_embeddings.weight", .matrix(6, 3), initializer: .normal(std: 1))
        try s.register("encoder.layer.0.w", .matrix(3, 3), initializer: .normal(std: 1))
        try s.register("heads.x.w", .vector(4), initializer: .normal(std: 1))
        try s.allocate()
        try s.trackGradientRows(table)
        return s
    }

    /// Central differences of `penalty.value` against the gradient `addGradient` adds on top of `base`; the
    /// penalty is quadratic, so the differences are exact up to rounding.
    func checkGradient(_ penalty: AnchorPenalty, _ s: ParameterStore, covered: Set<Int>) throws {
        var rng = RandomStream(seed: 9, name: "base-gradient")
        s.zeroGradients()
        var base = [Float](repeating: 0, count: s.count)
        // One touched row of the table, as a backward pass would leave it; the rest of its gradient is zero.
        for i in 0..<3 { base[i + 6] = rng.nextGaussian() }
        for i in 18..<s.count { base[i] = rng.nextGaussian() }
        for i in 0..<s.count { s.gradients[i] = base[i] }
        let table = try #require(s.id("embeddings.word_embeddings.weight"))
        let rows: [Int32] = [2]
        rows.withUnsafeBufferPointer { if let p = $0.baseAddress { s.markGradientRows(table, rows: p, count: 1) } }
        #expect(s.touchedGradientRows(table) == 1)
        let value = penalty.addGradient(s)
        #expect(abs(value - penalty.value(s)) <= 1e-12 * max(1, value))
        // Every row of the table may now be non-zero, so zeroing and clipping must see it whole.
        #expect(s.touchedGradientRows(table) == 6)
        for e in s.entries.indices {
            let entry = s.entries[e]
            for i in entry.offset..<(entry.offset + entry.shape.count) {
                let added = Double(s.gradients[i]) - Double(base[i])
                guard covered.contains(e) else { #expect(added == 0, "\(entry.name)[\(i)] is not covered but got \(added)"); continue }
                let v = s.values[i], h: Float = 0.125
                s.values[i] = v + h; let up = penalty.value(s)
                s.values[i] = v - h; let down = penalty.value(s)
                s.values[i] = v
                let numeric = (up - down) / Double(2 * h)
                #expect(abs(added - numeric) <= 1e-5 * max(1, abs(numeric)), "\(entry.name)[\(i)]: analytic \(added), numeric \(numeric)")
            }
        }
        s.zeroGradients()
        #expect((0..<s.count).allSatisfy { s.gradients[$0] == 0 }, "zeroing after a dense write left gradient behind")
    }

    @Test func l2SPGradientMatchesFiniteDifferences() throws {
        let s = try store()
        let covered = [0, 1]
        var rng = RandomStream(seed: 4, name: "anchor")
        let anchor = AnchorPenalty.values(s, entries: covered).map { $0 + 0.5 * rng.nextGaussian() }
        let penalty = try AnchorPenalty(store: s, entries: covered, coefficient: 0.7, anchor: anchor, weights: nil)
        // α/2 · Σ (θ − θ₀)², by hand.
        let theta = AnchorPenalty.values(s, entries: covered)
        let expected = 0.35 * zip(theta, anchor).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        #expect(abs(penalty.value(s) - expected) <= 1e-6 * expected)
        try checkGradient(penalty, s, covered: Set(covered))
        // At its anchor the penalty and its gradient are zero.
        let still = try AnchorPenalty(store: s, entries: covered, coefficient: 3, anchor: theta, weights: nil)
        s.zeroGradients()
        #expect(still.addGradient(s) == 0 && (0..<s.count).allSatisfy { s.gradients[$0] == 0 })
    }

    @Test func ewcGradientMatchesFiniteDifferences() throws {
        let s = try store()
        let covered = [1, 0]  // any order: the buffers follow the entries' order in the slab
        var rng = RandomStream(seed: 5, name: "fisher")
        let n = AnchorPenalty.values(s, entries: covered).count
        let fisher = (0..<n).map { i -> Float in i % 4 == 0 ? 0 : abs(rng.nextGaussian()) * 2 }
        let anchor = AnchorPenalty.values(s, entries: covered).map { $0 - 0.3 * rng.nextGaussian() }
        let penalty = try AnchorPenalty(store: s, entries: covered, coefficient: 40, anchor: anchor, weights: fisher)
        let theta = AnchorPenalty.values(s, entries: covered)
        var expected = 0.0
        for i in 0..<n {
            let d = Double(theta[i]) - Double(anchor[i])
            expected += 20 * Double(fisher[i]) * d * d
        }
        #expect(abs(penalty.value(s) - expected) <= 1e-6 * expected)
        try checkGradient(penalty, s, covered: [0, 1])
        // Wrong sizes are refused, not read past.
        #expect(throws: EngineError.self) { _ = try AnchorPenalty(store: s, entries: covered, coefficient: 1, anchor: [1], weights: nil) }
        #expect(throws: EngineError.self) { _ = try AnchorPenalty(store: s, entries: covered, coefficient: 1, anchor: anchor, weights: [1]) }
    }

    /// A parameter of several chunks (the worker pool runs them): every float gets exactly c·w(θ − a), and the
    /// value is the sum over all of them.
    @Test func chunkedGradientIsTheElementwiseFormula() throws {
        let s = ParameterStore(seed: 3)
        try s.register("encoder.layer.0.big", .matrix(700, 101), initializer: .normal(std: 1))
        try s.register("heads.x.w", .vector(5), initializer: .normal(std: 1))
        try s.allocate()
        let n = 700 * 101
        #expect(n > 2 * AnchorPenalty.chunkSize)
        var rng = RandomStream(seed: 12, name: "big")
        let anchor = (0..<n).map { _ in rng.nextGaussian() }, weights = (0..<n).map { _ in abs(rng.nextGaussian()) }
        let penalty = try AnchorPenalty(store: s, entries: [0], coefficient: 0.3, anchor: anchor, weights: weights)
        s.zeroGradients()
        let value = penalty.addGradient(s)
        var expected = 0.0
        for i in 0..<n {
            #expect(s.gradients[i] == 0.3 * weights[i] * (s.values[i] - anchor[i]), "[\(i)]")
            let d = Double(s.values[i]) - Double(anchor[i])
            expected += Double(weights[i]) * d * d
        }
        expected *= Double(Float(0.3)) / 2
        #expect(abs(value - expected) <= 1e-10 * expected && value == penalty.value(s))
        #expect((n..<s.count).allSatisfy { s.gradients[$0] == 0 })
    }

    /// EWC's summed penalty Σₖ λ/2·Fₖ(θ − θ*ₖ)² and the one quadratic the trainer builds from it (F = ΣFₖ,
    /// μ = ΣFₖθ*ₖ/F) have the same gradient everywhere.
    @Test func oneQuadraticHasTheGradientOfTheStagesSum() throws {
        let s = try store()
        let covered = [0, 1]
        var rng = RandomStream(seed: 6, name: "stages")
        let n = AnchorPenalty.values(s, entries: covered).count
        let f1 = (0..<n).map { _ in abs(rng.nextGaussian()) }, f2 = (0..<n).map { i -> Float in i % 3 == 0 ? 0 : abs(rng.nextGaussian()) }
        let t1 = (0..<n).map { _ in rng.nextGaussian() }, t2 = (0..<n).map { _ in rng.nextGaussian() }
        var f = [Double](repeating: 0, count: n), mu = [Float](repeating: 0, count: n)
        for i in 0..<n {
            f[i] = Double(f1[i]) + Double(f2[i])
            let weighted = Double(f1[i]) * Double(t1[i]) + Double(f2[i]) * Double(t2[i])
            mu[i] = f[i] > 0 ? Float(weighted / f[i]) : t2[i]
        }
        let combined = try AnchorPenalty(store: s, entries: covered, coefficient: 5, anchor: mu, weights: f.map { Float($0) })
        let one = try AnchorPenalty(store: s, entries: covered, coefficient: 5, anchor: t1, weights: f1)
        let two = try AnchorPenalty(store: s, entries: covered, coefficient: 5, anchor: t2, weights: f2)
        s.zeroGradients()
        combined.addGradient(s)
        let a = (0..<18).map { s.gradients[$0] }
        s.zeroGradients()
        one.addGradient(s)
        two.addGradient(s)
        for i in 0..<18 { #expect(abs(a[i] - s.gradients[i]) <= 1e-4 * max(1, abs(a[i])), "[\(i)] \(a[i]) vs \(s.gradients[i])") }
    }

    /// F = 1/N Σₓ (∂ℓₓ/∂θ)² with each ∂ℓₓ/∂θ from central differences of the model's own loss on that
    /// example alone, for the parameters with the largest Fisher.
    @Test func fisherIsTheMeanSquaredPerExampleGradient() throws {
        let encoder = EncoderConfig(vocabSize: 20, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8,
                                    hiddenDropout: 0.1, attentionDropout: 0.1)
        let head = HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["a", "b", "c"])
        let model = try MultiTaskModel(config: ModelConfig(encoder: encoder), heads: [head], maxBatch: 1, maxLength: 8, seed: 3)
        var rng = RandomStream(seed: 8, name: "values")
        let store = model.store
        for i in 0..<store.count { store.values[i] = rng.nextGaussian() * 0.4 }
        let features = [EncodedExample(ids: [1, 5, 7, 2], target: .label(0), maskable: [false, true, true, false]),
                        EncodedExample(ids: [1, 9, 2], target: .label(2), maskable: [false, true, false]),
                        EncodedExample(ids: [1, 4, 4, 6, 2], target: .label(1), maskable: [false, true, true, true, false])]
        let entries = store.entries.indices.filter { !store.entries[$0].name.hasPrefix("heads.") }
        var noMasks = RandomStream(seed: 0, name: "unused")
        let fisher = try FisherInformation.diagonal(model: model, items: features.map { .init(head: "topic", feature: $0) },
                                                    entries: entries, pad: 0, masking: nil, random: &noMasks)
        #expect(fisher.count == entries.reduce(0) { $0 + store.entries[$1].shape.count })
        #expect((0..<store.count).allSatisfy { store.gradients[$0] == 0 })
        // The slab position of each Fisher float.
        var slab: [Int] = []
        for e in entries.sorted() { slab += Array(store.entries[e].offset..<(store.entries[e].offset + store.entries[e].shape.count)) }
        func loss(_ f: EncodedExample) throws -> Double {
            let c = BatchAssembly.collate([f], pad: 0)
            let l = try model.loss(head: "topic", batch: c.batch, targets: c.targets, training: false, backward: true)
            store.zeroGradients()
            return Double(l)
        }
        let largest = fisher.indices.sorted { fisher[$0] > fisher[$1] }.prefix(12)
        #expect(fisher[largest.first ?? 0] > 1e-3)
        for k in largest {
            let i = slab[k], v = store.values[i], h: Float = 1e-2
            var sum = 0.0
            for f in features {
                store.values[i] = v + h; let up = try loss(f)
                store.values[i] = v - h; let down = try loss(f)
                store.values[i] = v
                let g = (up - down) / Double(2 * h)
                sum += g * g
            }
            let numeric = sum / Double(features.count)
            #expect(abs(Double(fisher[k]) - numeric) <= 1e-5 + 0.05 * numeric, "\(k) (slab \(i)): Fisher \(fisher[k]), finite differences \(numeric)")
        }
    }

    @Test func replayDrawsItsShareOfEarlierTasksInProportionToTheirSize() throws {
        let replay = TaskSampler.Replay(fraction: 0.25, exampleCounts: [300, 100])
        var s = try TaskSampler(rule: .uniform, exampleCounts: [50, 50], seed: 4, stream: "stage2/sampler", replay: replay)
        let p = [0.375, 0.375, 0.1875, 0.0625]
        #expect(s.taskCount == 4 && closeArrays(s.probabilities(step: 0), p))
        expectFrequencies(&s, step: 0, expected: p, draws: 40_000)
        // Mixed batches draw every slot the same way.
        var counts = [Int](repeating: 0, count: 4)
        for t in s.nextTasks(step: 0, count: 40_000) { counts[t] += 1 }
        for i in 0..<4 { #expect(abs(Double(counts[i]) - 40_000 * p[i]) <= 5 * (40_000 * p[i] * (1 - p[i])).squareRoot()) }
        // Saved and restored, it continues the same sequence.
        let data = try JSONEncoder().encode(s)
        var restored = try JSONDecoder().decode(TaskSampler.self, from: data)
        #expect(restored == s)
        for step in 0..<200 { #expect(restored.nextTask(step: step) == s.nextTask(step: step)) }
        // Without replay nothing about it is saved.
        let plain = try TaskSampler(rule: .uniform, exampleCounts: [5, 5], seed: 4)
        #expect(!String(decoding: try JSONEncoder().encode(plain), as: UTF8.self).contains("replay"))
        #expect(throws: ConfigError.self) { _ = try TaskSampler(rule: .uniform, exampleCounts: [5], seed: 1, replay: .init(fraction: 1, exampleCounts: [3])) }
        #expect(throws: ConfigError.self) { _ = try TaskSampler(rule: .uniform, exampleCounts: [5], seed: 1, replay: .init(fraction: 0.5, exampleCounts: [])) }
    }

    @Test func regularizerSettingsAreValidatedNamingTheKey() {
        let staged = """
        stages:
          - tasks: [{name: a, train_languages: [en]}]
          - tasks: [{name: b, train_languages: [en]}]
        """
        func key(_ yaml: String, _ overrides: [String]) -> String? {
            do {
                try ExperimentLoader.decode(yaml: yaml, file: "r.yaml", overrides: overrides).validate(file: "r.yaml")
                return nil
            } catch let e as ConfigError { return e.key } catch { return "unexpected \(error)" }
        }
        #expect(key(staged, ["stages.1.strategy.ewc=100", "stages.1.strategy.replay=0.2", "stages.1.strategy.l2_sp=0.1",
                             "stages.0.strategy.l2_sp=0.1"]) == nil)
        #expect(key(staged, ["stages.0.strategy.ewc=100"]) == "stages.0.strategy.ewc")
        #expect(key(staged, ["stages.0.strategy.replay=0.1"]) == "stages.0.strategy.replay")
        // Set at the top level it reaches the first stage too.
        #expect(key(staged, ["strategy.replay=0.1"]) == "stages.0.strategy.replay")
        #expect(key(staged, ["stages.1.strategy.replay=1"]) == "stages.1.strategy.replay")
        #expect(key(staged, ["stages.1.strategy.l2_sp=-1"]) == "stages.1.strategy.l2_sp")
        #expect(key(staged, ["stages.1.strategy.ewc=.nan"]) == "stages.1.strategy.ewc")
        #expect(key(staged, ["stages.1.strategy.ewc_examples=0"]) == "stages.1.strategy.ewc_examples")
        let flat = "tasks: [{name: a, train_languages: [en]}]"
        #expect(key(flat, ["strategy.l2_sp=0.5"]) == nil)
        #expect(key(flat, ["strategy.ewc=1"]) == "strategy.ewc")
    }
}
