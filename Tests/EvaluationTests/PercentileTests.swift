import Foundation
import Testing
@testable import Runs
@testable import Tasks
@testable import Evaluation

struct PercentileCase: Decodable { let values: [Double]; let q: [Double]; let percentiles: [Double] }

/// numpy's linear percentile, from tools/reference/metrics_reference.py.
@Suite struct PercentileTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/metrics/percentile.json")

    @Test func percentilesMatchNumpy() throws {
        for c in try JSONDecoder().decode([PercentileCase].self, from: Data(contentsOf: Self.fixture)) {
            for (q, ref) in zip(c.q, c.percentiles) {
                #expect(abs(Percentile.of(c.values, q) - ref) <= 1e-12, "n=\(c.values.count) q=\(q)")
            }
        }
    }
}
