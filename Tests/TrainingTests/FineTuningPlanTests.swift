import Testing
@testable import Runs
@testable import Tasks
@testable import Training

@Suite struct FineTuningPlanTests {
    func plan(_ kind: StrategyKind, freeze: Int = 0, every: Int = 10, decay: Double = 1, head: Double = 1) -> FineTuningPlan {
        var s = try! ExperimentLoader.decode(yaml: "tasks: []").strategy
        s.kind = kind; s.freezeLayers = freeze; s.unfreezeEvery = every; s.layerLRDecay = decay; s.headLRMultiplier = head
        return FineTuningPlan(settings: s, layerCount: 4)
    }

    func frozen(_ p: FineTuningPlan, step: Int) -> [Bool] { p.settings(step: step).map(\.frozen) }

    @Test func freezingStrategies() {
        // Groups: embeddings, layers 1-4, heads.
        #expect(frozen(plan(.full), step: 0) == [false, false, false, false, false, false])
        #expect(frozen(plan(.frozenEncoder), step: 1000) == [true, true, true, true, true, false])
        #expect(frozen(plan(.freezeLower, freeze: 2), step: 0) == [true, true, true, false, false, false])
        #expect(frozen(plan(.freezeLower, freeze: 0), step: 0) == [false, false, false, false, false, false])
        #expect(frozen(plan(.freezeLower, freeze: 4), step: 0) == [true, true, true, true, true, false])
    }

    @Test func gradualUnfreezingThawsOneGroupEveryNStepsFromTheTop() {
        let p = plan(.gradualUnfreeze, every: 10)
        #expect(frozen(p, step: 0) == [true, true, true, true, true, false])
        #expect(frozen(p, step: 9) == [true, true, true, true, true, false])
        #expect(frozen(p, step: 10) == [true, true, true, true, false, false])
        #expect(frozen(p, step: 25) == [true, true, true, false, false, false])
        #expect(frozen(p, step: 50) == [false, false, false, false, false, false])
        #expect(frozen(p, step: 500) == [false, false, false, false, false, false])
        #expect(p.changes(at: 10) && p.changes(at: 50) && !p.changes(at: 11) && !p.changes(at: 0))
        #expect(!plan(.full).changes(at: 10))
    }

    @Test func discriminativeLearningRatesDecayFromTheTopLayer() {
        let p = plan(.full, decay: 0.5)
        let m = p.settings(step: 0).map(\.lrMultiplier)
        // Heads 1, layer 4 (top) 1, layer 3 0.5, ..., embeddings 0.5^4.
        #expect(m == [0.0625, 0.125, 0.25, 0.5, 1, 1])
        #expect(plan(.full).settings(step: 0).map(\.lrMultiplier) == [1, 1, 1, 1, 1, 1])
        // The head multiplier applies to the top group only, with or without layer decay.
        #expect(plan(.full, head: 20).settings(step: 0).map(\.lrMultiplier) == [1, 1, 1, 1, 1, 20])
        #expect(plan(.full, decay: 0.5, head: 10).settings(step: 0).map(\.lrMultiplier) == [0.0625, 0.125, 0.25, 0.5, 1, 10])
    }

    @Test func headMultiplierIsReadAndChecked() throws {
        let e = try ExperimentLoader.decode(yaml: "tasks: []\nstrategy: {head_lr_multiplier: 20}")
        #expect(e.strategy.headLRMultiplier == 20)
        #expect(try ExperimentLoader.decode(yaml: "tasks: []").strategy.headLRMultiplier == 1)
    }

    @Test func parameterNamesMapToLayerGroups() {
        #expect(FineTuningPlan.group(ofParameter: "embeddings.word.weight", layerCount: 4) == 0)
        #expect(FineTuningPlan.group(ofParameter: "bert.embeddings.LayerNorm.weight", layerCount: 4) == 0)
        #expect(FineTuningPlan.group(ofParameter: "encoder.layer.0.attention.self.query.weight", layerCount: 4) == 1)
        #expect(FineTuningPlan.group(ofParameter: "encoder.layers.3.ffn.out.bias", layerCount: 4) == 4)
        #expect(FineTuningPlan.group(ofParameter: "encoder.layer_2.norm1.gamma", layerCount: 4) == 3)
        #expect(FineTuningPlan.group(ofParameter: "heads.cldr-dates-month.classifier.weight", layerCount: 4) == 5)
        #expect(FineTuningPlan.group(ofParameter: "pooler.dense.weight", layerCount: 4) == 5)
    }
}
