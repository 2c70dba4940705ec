import Foundation
import Testing
@testable import Runs
@testable import Tasks
import Platform
import Training

/// Draws `n` tasks at `step` and checks every task's frequency is within 5 standard errors of `p`
/// (a false alarm has probability below 1e-6 per task; the seeds are fixed anyway).
func expectFrequencies(_ sampler: inout TaskSampler, step: Int, expected p: [Double], draws n: Int = 100_000,
                       sourceLocation: SourceLocation = #_sourceLocation) {
    var counts = [Int](repeating: 0, count: p.count)
    for _ in 0..<n { counts[sampler.nextTask(step: step)] += 1 }
    for i in 0..<p.count {
        let se = (Double(n) * p[i] * (1 - p[i])).squareRoot()
        let diff = abs(Double(counts[i]) - Double(n) * p[i])
        if p[i] == 0 || p[i] == 1 {
            #expect(counts[i] == (p[i] == 0 ? 0 : n), "task \(i) has p = \(p[i]) but was drawn \(counts[i]) times",
                    sourceLocation: sourceLocation)
        } else {
            #expect(diff <= 5 * se, "task \(i): \(counts[i]) draws, expected \(Double(n) * p[i]) ± \(se)",
                    sourceLocation: sourceLocation)
        }
    }
}

func closeArrays(_ a: [Double], _ b: [Double], _ tol: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol }
}

@Suite struct TaskSamplerTests {
    let counts = [90_000, 9_000, 900, 100]

    @Test func uniform() throws {
        var s = try TaskSampler(rule: .uniform, exampleCounts: counts, seed: 1)
        #expect(s.probabilities(step: 0) == [0.25, 0.25, 0.25, 0.25])
        expectFrequencies(&s, step: 0, expected: [0.25, 0.25, 0.25, 0.25])
    }

    @Test func proportionalToExamples() throws {
        var s = try TaskSampler(rule: .proportional, exampleCounts: counts, seed: 2)
        let p = [0.9, 0.09, 0.009, 0.001]
        #expect(closeArrays(s.probabilities(step: 0), p))
        expectFrequencies(&s, step: 0, expected: p)
    }

    @Test func temperatureWithCap() throws {
        // p_i ∝ min(n_i, 10000)^(1/2): √10000 = 100, √9000, 30, 10.
        let w = [100.0, 9_000.0.squareRoot(), 30, 10]
        let total = w.reduce(0, +)
        let p = w.map { $0 / total }
        var s = try TaskSampler(rule: .temperature(2, examplesCap: 10_000), exampleCounts: counts, seed: 3)
        #expect(closeArrays(s.probabilities(step: 0), p))
        expectFrequencies(&s, step: 0, expected: p)
        // T = 1 without a cap is proportional.
        let one = try TaskSampler(rule: .temperature(1, examplesCap: nil), exampleCounts: counts, seed: 3)
        #expect(closeArrays(one.probabilities(step: 0), [0.9, 0.09, 0.009, 0.001]))
    }

    @Test func specifiedWeights() throws {
        var s = try TaskSampler(rule: .specified([2, 0, 1, 1]), exampleCounts: counts, seed: 4)
        let p = [0.5, 0, 0.25, 0.25]
        #expect(closeArrays(s.probabilities(step: 0), p))
        expectFrequencies(&s, step: 0, expected: p)
    }

    @Test func annealedTemperatureMovesTowardsUniform() throws {
        let rule = TaskSamplingRule.annealedTemperature(from: 1, to: 5, steps: 1000, examplesCap: nil)
        var s = try TaskSampler(rule: rule, exampleCounts: counts, seed: 5)
        let counts = self.counts
        func tempered(_ t: Double) -> [Double] {
            let w = counts.map { pow(Double($0), 1 / t) }
            let total = w.reduce(0, +)
            return w.map { $0 / total }
        }
        #expect(closeArrays(s.probabilities(step: 0), tempered(1)))
        #expect(closeArrays(s.probabilities(step: 500), tempered(3)))
        #expect(closeArrays(s.probabilities(step: 1000), tempered(5)))
        #expect(closeArrays(s.probabilities(step: 5000), tempered(5)))
        expectFrequencies(&s, step: 0, expected: tempered(1), draws: 50_000)
        expectFrequencies(&s, step: 2000, expected: tempered(5), draws: 50_000)
        // The largest task loses share as training goes on.
        #expect(tempered(5)[0] < 0.5 && abs(tempered(1)[0] - 0.9) < 1e-12)
    }

    @Test func weightScheduleByStep() throws {
        let points = [WeightPoint(step: 0, weights: [1, 0]), WeightPoint(step: 100, weights: [0, 1])]
        var stepwise = try TaskSampler(rule: .schedule(points, interpolation: .step), exampleCounts: [10, 10], seed: 6)
        expectFrequencies(&stepwise, step: 99, expected: [1, 0], draws: 2_000)
        expectFrequencies(&stepwise, step: 100, expected: [0, 1], draws: 2_000)
        var linear = try TaskSampler(rule: .schedule(points, interpolation: .linear), exampleCounts: [10, 10], seed: 6)
        #expect(closeArrays(linear.probabilities(step: 25), [0.75, 0.25]))
        expectFrequencies(&linear, step: 50, expected: [0.5, 0.5], draws: 20_000)
        expectFrequencies(&linear, step: 400, expected: [0, 1], draws: 2_000)
    }

    @Test func mixedBatchSlotsFollowTheSameDistribution() throws {
        var s = try TaskSampler(rule: .proportional, exampleCounts: [3, 1], seed: 7)
        var counts = [0, 0]
        for step in 0..<2_000 { for t in s.nextTasks(step: step, count: 32) { counts[t] += 1 } }
        let n = 64_000.0, se = (n * 0.75 * 0.25).squareRoot()
        #expect(abs(Double(counts[0]) - 0.75 * n) <= 5 * se)
        #expect(s.draws == 64_000)
    }

    @Test func stateSurvivesJSONRoundTrip() throws {
        for rule in [TaskSamplingRule.temperature(2, examplesCap: 5_000),
                     .annealedTemperature(from: 1, to: 3, steps: 300, examplesCap: 1_000),
                     .schedule([WeightPoint(step: 0, weights: [1, 2, 3, 4]), WeightPoint(step: 200, weights: [4, 3, 2, 1])],
                               interpolation: .linear)] {
            var a = try TaskSampler(rule: rule, exampleCounts: counts, seed: 42)
            for step in 0..<137 { _ = a.nextTask(step: step) }
            let data = try JSONEncoder().encode(a)
            var b = try JSONDecoder().decode(TaskSampler.self, from: data)
            #expect(a == b)
            let restA = (137..<637).map { a.nextTask(step: $0) }
            let restB = (137..<637).map { b.nextTask(step: $0) }
            #expect(restA == restB)
            #expect(Set(restA).count > 1)
        }
    }

    @Test func sameSeedSameSequenceOtherSeedOther() throws {
        var a = try TaskSampler(rule: .uniform, exampleCounts: counts, seed: 9)
        var b = try TaskSampler(rule: .uniform, exampleCounts: counts, seed: 9)
        var c = try TaskSampler(rule: .uniform, exampleCounts: counts, seed: 10)
        let sa = (0..<100).map { a.nextTask(step: $0) }
        #expect(sa == (0..<100).map { b.nextTask(step: $0) })
        #expect(sa != (0..<100).map { c.nextTask(step: $0) })
    }

    @Test func configReadsSnakeCaseAndRejectsUnknownKeys() throws {
        let json = #"{"kind": "annealed_temperature", "start_temperature": 1, "end_temperature": 4, "steps": 10, "examples_cap": 500}"#
        let rule = try JSONDecoder().decode(TaskSamplingRule.self, from: Data(json.utf8))
        #expect(rule == .annealedTemperature(from: 1, to: 4, steps: 10, examplesCap: 500))
        let back = try JSONDecoder().decode(TaskSamplingRule.self, from: try JSONEncoder().encode(rule))
        #expect(back == rule)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(TaskSamplingRule.self, from: Data(#"{"kind": "temperature", "temperature": 2, "temprature": 3}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(TaskSamplingRule.self, from: Data(#"{"kind": "softmax"}"#.utf8))
        }
    }

    @Test func badRulesAreConfigErrors() {
        #expect(throws: ConfigError.self) { try TaskSampler(rule: .specified([1, 2]), exampleCounts: counts, seed: 1) }
        #expect(throws: ConfigError.self) { try TaskSampler(rule: .specified([0, 0, 0, 0]), exampleCounts: counts, seed: 1) }
        #expect(throws: ConfigError.self) { try TaskSampler(rule: .temperature(0, examplesCap: nil), exampleCounts: counts, seed: 1) }
        #expect(throws: ConfigError.self) { try TaskSampler(rule: .uniform, exampleCounts: [], seed: 1) }
        #expect(throws: ConfigError.self) {
            try TaskSampler(rule: .schedule([WeightPoint(step: 5, weights: [1, 1, 1, 1])], interpolation: .step),
                            exampleCounts: counts, seed: 1)
        }
    }
}
