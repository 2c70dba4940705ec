import Engine
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

@Suite struct GradientWeightingTests {
    @Test func rescaledAccumulationEqualsTheWeightedSumOfParts() throws {
        let store = ParameterStore(seed: 1)
        try store.register("w", .vector(5), initializer: .zeros)
        try store.allocate()
        let parts: [([Float], Float)] = [([1, 2, 3, 4, 5], 0.25), ([2, 0, -1, 1, 3], 0.5), ([-1, 1, 1, 1, 0], 0.5), ([4, 4, 4, 4, 4], 0.125)]
        var weighting = GradientWeighting()
        let g = store.gradients.buffer
        for (values, w) in parts {
            weighting.prepare(weight: w, store: store)
            for i in 0..<5 { g[i] += values[i] }
        }
        weighting.finish(store: store)
        for i in 0..<5 {
            let expected = parts.reduce(Float(0)) { $0 + $1.0[i] * $1.1 }
            #expect(abs(g[i] - expected) < 1e-5)
        }
    }
}
