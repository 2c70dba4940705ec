import Foundation
import Testing
import Platform
@testable import Runs

/// Sweep files: the points a grid and a seeded random draw give, and the baseline.
@Suite struct SweepSpecTests {
    @Test func gridVariesTheLastAxisFastestAndKeepsTheBaseline() throws {
        let spec = try SweepSpec.parse(yaml: """
            experiment: smoke.yaml
            seeds: [1, 2]
            set: {optimization.max_steps: 300}
            axes:
              optimization.lr: [0.001, 0.004]
              model.layers: [1, 2]
            baseline: {optimization.lr: 4e-3, model.layers: 2}
            """, file: "/x/grid.yaml")
        #expect(spec.name == "grid" && spec.experiment == "/x/smoke.yaml")
        let points = try spec.points()
        #expect(points.map(\.label) == ["lr=0.001, layers=1", "lr=0.001, layers=2", "lr=0.004, layers=1", "lr=0.004, layers=2"])
        #expect(spec.baselinePoint(in: points)?.id == "p04", "4e-3 is the same number as 0.004")
        let plan = try SweepPlan(spec: spec, experimentSHA256: "0")
        #expect(plan.overrides(points[1], seed: 2) == ["optimization.max_steps=300", "optimization.lr=0.001", "model.layers=2", "seed=2"])
    }

    @Test func randomDrawsAreSeededAndInRange() throws {
        let text = """
            experiment: smoke.yaml
            seeds: [1]
            axes:
              optimization.lr: {log_uniform: [1e-4, 1e-2]}
              optimization.warmup_steps: {int_uniform: [0, 100]}
              sampler.kind: [uniform, temperature]
            sampling: {random: 6, seed: 4}
            baseline: {optimization.lr: 0.001, optimization.warmup_steps: 50, sampler.kind: uniform}
            """
        let a = try SweepSpec.parse(yaml: text, file: "r.yaml").points()
        let b = try SweepSpec.parse(yaml: text, file: "r.yaml").points()
        #expect(a == b)
        #expect(a.count == 7 && a.last?.id == "baseline", "six draws, then the baseline, which is none of them")
        for p in a.dropLast() {
            let lr = try #require(Double(p.values[0].value)), warmup = try #require(Int(p.values[1].value))
            #expect(lr >= 1e-4 && lr <= 1e-2 && warmup >= 0 && warmup <= 100 && ["uniform", "temperature"].contains(p.values[2].value))
        }
        let other = try SweepSpec.parse(yaml: text.replacingOccurrences(of: "seed: 4", with: "seed: 5"), file: "r.yaml").points()
        #expect(other != a)
    }

    @Test func listedPointsAreAnAblation() throws {
        let spec = try SweepSpec.parse(yaml: """
            experiment: f.yaml
            seeds: [1, 2]
            points:
              - {}
              - {stages.1.strategy.ewc: 1000}
              - {stages.1.strategy.kind: freeze-lower, stages.1.strategy.freeze_layers: 2}
            """, file: "/x/ablation.yaml")
        let points = try spec.points()
        #expect(points.map(\.label) == ["as the experiment", "ewc=1000", "kind=freeze-lower, freeze_layers=2"])
        #expect(spec.baselinePoint(in: points)?.id == "p01")
        let plan = try SweepPlan(spec: spec, experimentSHA256: "0")
        #expect(plan.axisKeys == ["stages.1.strategy.ewc", "stages.1.strategy.kind", "stages.1.strategy.freeze_layers"])
        #expect(plan.overrides(points[0], seed: 2) == ["seed=2"])
        let named = try SweepSpec.parse(yaml: "experiment: f.yaml\nseeds: [1]\npoints: [{a.b: 1}, {c.d: 2}]\nbaseline: {c.d: 2}\n", file: "b.yaml")
        #expect(named.baselinePoint(in: try named.points())?.id == "p02")
        #expect(throws: ConfigError.self) {
            try SweepSpec.parse(yaml: "experiment: f.yaml\nseeds: [1]\npoints: [{}]\naxes: {a.b: [1]}\n", file: "c.yaml")
        }
    }

    @Test func duplicatePointsAreRefused() throws {
        #expect(throws: ConfigError.self) {
            try SweepSpec.parse(yaml: "experiment: e.yaml\nseeds: [1]\naxes:\n  optimization.lr: [0.1, 0.1]\n", file: "d.yaml")
        }
    }
}
