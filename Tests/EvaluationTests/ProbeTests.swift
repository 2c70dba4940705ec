import Foundation
import Testing
@testable import Runs
@testable import Tasks
import Evaluation

@Suite struct ShotSamplerTests {
    static let groups = (0..<60).map { ["a", "b", "c"][$0 % 3] }
    static let ids = (0..<60).map { "ex\($0)" }

    @Test func sameSeedSameShotsAndNested() throws {
        let one = try ShotSampler.sample(groups: Self.groups, ids: Self.ids, ks: [1, 4, 8], seed: 7, unit: .perClass, stream: "t/fr")
        let two = try ShotSampler.sample(groups: Self.groups, ids: Self.ids, ks: [1, 4, 8], seed: 7, unit: .perClass, stream: "t/fr")
        #expect(one == two)
        let other = try ShotSampler.sample(groups: Self.groups, ids: Self.ids, ks: [1, 4, 8], seed: 8, unit: .perClass, stream: "t/fr")
        #expect(one[2].indices != other[2].indices)
        for (g, idx) in one[2].indices {
            #expect(idx.count == 8)
            #expect(Set(idx).count == 8)
            #expect(idx.allSatisfy { Self.groups[$0] == g })
            #expect(Array(idx.prefix(4)) == one[1].indices[g])
            #expect(Array(idx.prefix(1)) == one[0].indices[g])
            #expect(one[2].ids[g] == idx.map { Self.ids[$0] })
        }
        // A saved shot set reads back identical.
        let data = try ResultsJSON.encoder(pretty: true).encode(one)
        #expect(try ResultsJSON.decoder().decode([ShotSet].self, from: data) == one)
    }

    @Test func tooFewExamplesIsAnError() {
        #expect(throws: ShotSampler.NotEnoughExamples.self) {
            _ = try ShotSampler.sample(groups: Self.groups, ids: Self.ids, ks: [32], seed: 0, unit: .perClass, stream: "t")
        }
    }
}

@Suite struct CentroidProbeTests {
    @Test func nearestCentroidByCosine() throws {
        // Class 0 points along x, class 1 along y (lengths differ: cosine ignores them).
        let x = FeatureMatrix([[2, 0.1], [5, -0.1], [0.1, 3], [-0.1, 1]])
        let probe = try CentroidProbe(features: x, labels: [0, 0, 1, 1], classCount: 3)
        // Centroid of class 0: mean of unit vectors, normalized.
        let u1 = [2.0, 0.1].map { $0 / (4.01).squareRoot() }, u2 = [5.0, -0.1].map { $0 / (25.01).squareRoot() }
        let m = [(u1[0] + u2[0]) / 2, (u1[1] + u2[1]) / 2]
        let n = (m[0] * m[0] + m[1] * m[1]).squareRoot()
        // Inputs are Float: agreement to Float precision.
        #expect(abs(probe.centroids[0] - m[0] / n) < 1e-6)
        #expect(abs(probe.centroids[1] - m[1] / n) < 1e-6)
        let test = FeatureMatrix([[1, 0.2], [0.3, 1], [-1, 0.01]])
        #expect(try probe.predict(test) == [0, 1, 1])
        // Class 2 has no shots and is never predicted.
        #expect(try probe.similarities(test).allSatisfy { $0[2] == -.infinity })
    }
}

@Suite struct LinearProbeTests {
    @Test func gradientMatchesFiniteDifferences() {
        let n = 5, d = 3, k = 3
        var r = SplitMix(seed: 1)
        let x = (0..<(n * d)).map { _ in r.next() }
        let w = (0..<(d * k)).map { _ in r.next() * 0.5 }, b = (0..<k).map { _ in r.next() * 0.1 }
        let y = [0, 2, 1, 1, 0]
        let (_, dW, dB) = LinearProbe.lossAndGradient(x: x, n: n, d: d, classes: k, labels: y, weights: w, bias: b, l2: 0.01)
        let h = 1e-6
        for i in 0..<(d * k) {
            var wp = w, wm = w
            wp[i] += h; wm[i] -= h
            let lp = LinearProbe.lossAndGradient(x: x, n: n, d: d, classes: k, labels: y, weights: wp, bias: b, l2: 0.01).loss
            let lm = LinearProbe.lossAndGradient(x: x, n: n, d: d, classes: k, labels: y, weights: wm, bias: b, l2: 0.01).loss
            #expect(abs((lp - lm) / (2 * h) - dW[i]) < 1e-7)
        }
        for j in 0..<k {
            var bp = b, bm = b
            bp[j] += h; bm[j] -= h
            let lp = LinearProbe.lossAndGradient(x: x, n: n, d: d, classes: k, labels: y, weights: w, bias: bp, l2: 0.01).loss
            let lm = LinearProbe.lossAndGradient(x: x, n: n, d: d, classes: k, labels: y, weights: w, bias: bm, l2: 0.01).loss
            #expect(abs((lp - lm) / (2 * h) - dB[j]) < 1e-7)
        }
    }

    @Test func separatesSeparableDataAndIsDeterministic() throws {
        var r = SplitMix(seed: 4)
        var rows: [[Float]] = [], labels: [Int] = []
        for i in 0..<30 {
            let c = i % 3
            rows.append((0..<4).map { j in Float((j == c ? 3.0 : 0.0) + r.next() * 0.5) })
            labels.append(c)
        }
        let x = FeatureMatrix(rows)
        let a = try LinearProbe(features: x, labels: labels, classCount: 3)
        let b = try LinearProbe(features: x, labels: labels, classCount: 3)
        #expect(a.weights == b.weights)
        #expect(try a.predict(x) == labels)
        #expect(a.losses.last! < a.losses.first!)
        #expect(a.losses.count == 300)
    }

    @Test func matchesNumPyReference() throws {
        let f = try EvaluationFixtures.load("linear_probe.json", as: LinearProbeFixture.self)
        let x = FeatureMatrix(f.features.map { $0.map(Float.init) })
        let settings = LinearProbe.Settings(steps: f.steps, learningRate: f.learningRate, l2: f.l2)
        let p = try LinearProbe(features: x, labels: f.labels, classCount: f.classes, settings: settings)
        for (a, b) in zip(p.weights, f.weights) { #expect(abs(a - b) < 1e-6) }
        for (a, b) in zip(p.bias, f.bias) { #expect(abs(a - b) < 1e-6) }
        let probs = try p.probabilities(FeatureMatrix(f.test.map { $0.map(Float.init) }))
        for (row, ref) in zip(probs, f.testProbabilities) { for (a, b) in zip(row, ref) { #expect(abs(a - b) < 1e-6) } }
    }
}

struct LinearProbeFixture: Decodable {
    var features: [[Double]]
    var labels: [Int]
    var classes: Int
    var steps: Int
    var learningRate: Double
    var l2: Double
    var weights: [Double]
    var bias: [Double]
    var test: [[Double]]
    var testProbabilities: [[Double]]
    enum CodingKeys: String, CodingKey {
        case features, labels, classes, steps, learningRate = "learning_rate", l2, weights, bias, test, testProbabilities = "test_probabilities"
    }
}

enum EvaluationFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/evaluation")

    static func load<T: Decodable>(_ name: String, as: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: root.appendingPathComponent(name)))
    }
}

/// A tiny deterministic generator for test inputs (uniform in [-1, 1)).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53) * 2 - 1
    }
}
