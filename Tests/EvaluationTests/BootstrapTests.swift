import Testing
@testable import Runs
@testable import Tasks
import Platform
import Evaluation

@Suite struct BootstrapTests {
    /// Normal data: the 95% percentile interval of the mean should be close to mean ± 1.96·sd/√n.
    @Test func intervalOfMeanMatchesNormalTheory() throws {
        var r = RandomStream(seed: 7, name: "data")
        let n = 400
        let x = (0..<n).map { _ in 70 + 5 * Double(r.nextGaussian()) }
        let ci = try Bootstrap.confidenceInterval(perExample: x, seed: 1, resamples: 2000)
        let mean = x.reduce(0, +) / Double(n)
        let sd = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot()
        let expectedHalf = 1.96 * sd / Double(n).squareRoot()
        #expect(ci.estimate == mean)
        #expect(ci.lower < mean && mean < ci.upper)
        #expect(abs(ci.halfWidth - expectedHalf) < 0.1 * expectedHalf, "half width \(ci.halfWidth) vs \(expectedHalf)")
        #expect(abs((ci.lower + ci.upper) / 2 - mean) < 0.2 * expectedHalf)
    }

    @Test func sameSeedSameInterval() throws {
        let x = (0..<50).map { Double($0 % 7) }
        let a = try Bootstrap.confidenceInterval(perExample: x, seed: 3)
        let b = try Bootstrap.confidenceInterval(perExample: x, seed: 3)
        let c = try Bootstrap.confidenceInterval(perExample: x, seed: 4)
        #expect(a == b)
        #expect(a != c)
    }

    /// The metric sees whole resamples, so a corpus-level metric (here entity F1 over sentences) is resampled
    /// correctly: the interval brackets the estimate and shrinks with more data.
    @Test func corpusLevelMetric() throws {
        var r = RandomStream(seed: 11, name: "tags")
        func corpus(_ n: Int) -> ([[String]], [[String]]) {
            var g: [[String]] = [], p: [[String]] = []
            for _ in 0..<n {
                let gold = ["B-PER", "I-PER", "O", "B-LOC", "O"]
                g.append(gold)
                p.append(gold.map { r.nextDouble() < 0.15 ? "O" : $0 })
            }
            return (g, p)
        }
        let (g1, p1) = corpus(60), (g2, p2) = corpus(600)
        let c1 = try SeqEval.sentenceCounts(gold: g1, pred: p1), c2 = try SeqEval.sentenceCounts(gold: g2, pred: p2)
        let ci1 = try Bootstrap.confidenceInterval(count: c1.count, seed: 5) { SeqEval.microF1(c1, indices: $0) }
        let ci2 = try Bootstrap.confidenceInterval(count: c2.count, seed: 5) { SeqEval.microF1(c2, indices: $0) }
        #expect(ci1.estimate == (try SeqEval.score(gold: g1, pred: p1)).micro.f1)
        #expect(ci1.lower <= ci1.estimate && ci1.estimate <= ci1.upper)
        #expect(ci2.upper - ci2.lower < 0.6 * (ci1.upper - ci1.lower))
    }

    @Test func pairedTestSeparatesClearDifferencesOnly() throws {
        var r = RandomStream(seed: 9, name: "systems")
        let n = 300
        let strong = (0..<n).map { _ in r.nextDouble() < 0.80 ? 1.0 : 0.0 }
        let weak = (0..<n).map { _ in r.nextDouble() < 0.60 ? 1.0 : 0.0 }
        func mean(_ v: [Double]) -> ([Int]) -> Double { { idx in idx.reduce(0) { $0 + v[$1] } / Double(idx.count) } }
        let clear = try Bootstrap.pairedTest(count: n, seed: 2, metricA: mean(strong), metricB: mean(weak))
        #expect(clear.delta > 0.1)
        #expect(clear.pValue < 0.01)
        #expect(clear.deltaInterval.lower > 0)
        let same = try Bootstrap.pairedTest(count: n, seed: 2, metricA: mean(strong), metricB: mean(strong))
        #expect(same.delta == 0 && same.pValue == 1)
        // Two draws of the same system: no evidence of a difference at the 5% level.
        let other = (0..<n).map { _ in r.nextDouble() < 0.80 ? 1.0 : 0.0 }
        let noise = try Bootstrap.pairedTest(count: n, seed: 2, metricA: mean(strong), metricB: mean(other))
        #expect(noise.pValue > 0.05, "p = \(noise.pValue), delta = \(noise.delta)")
    }

    @Test func badArgumentsAreErrors() {
        #expect(throws: MetricInputError.self) { try Bootstrap.confidenceInterval(perExample: [], seed: 1) }
        #expect(throws: MetricInputError.self) { try Bootstrap.confidenceInterval(perExample: [1], seed: 1, level: 1.5) }
    }
}

@Suite struct BootstrapWithThrowingMetricTests {
    @Test func classificationMetricResampled() throws {
        var r = RandomStream(seed: 21, name: "labels")
        let gold = (0..<200).map { _ in r.nextInt(below: 4) }
        let pred = gold.map { r.nextDouble() < 0.7 ? $0 : r.nextInt(below: 4) }
        let ci = try Bootstrap.confidenceInterval(count: gold.count, seed: 8, resamples: 300) { idx in
            try Metrics.macroF1(gold: idx.map { gold[$0] }, pred: idx.map { pred[$0] })
        }
        #expect(ci.estimate == (try Metrics.macroF1(gold: gold, pred: pred)))
        #expect(ci.lower < ci.estimate && ci.estimate < ci.upper)
        #expect(throws: MetricInputError.self) {
            try Bootstrap.confidenceInterval(count: 3, seed: 1) { _ in try Metrics.accuracy(gold: [1], pred: [1, 2]) }
        }
    }
}
