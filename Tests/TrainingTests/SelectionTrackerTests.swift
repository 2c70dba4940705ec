import Foundation
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

@Suite struct SelectionTrackerTests {
    @Test func scoreAveragesMajorMetricsNegatingLowerIsBetter() {
        let s = SelectionTracker.score([
            MajorMetric(task: "a", name: "accuracy", value: 0.8, higherIsBetter: true),
            MajorMetric(task: "b", name: "rmse", value: 0.2, higherIsBetter: false),
        ])
        #expect(abs(s! - 0.3) < 1e-12)
        #expect(SelectionTracker.score([]) == nil)
        #expect(SelectionTracker.score([MajorMetric(task: "a", name: "f1", value: .nan, higherIsBetter: true)]) == nil)
    }

    @Test func tracksBestAndStopsAfterPatienceEvaluationsWithoutStrictImprovement() throws {
        var t = SelectionTracker(patience: 2)
        #expect(t.record(step: 10, score: 0.5) == .init(improved: true, stop: false))
        #expect(t.record(step: 20, score: 0.6) == .init(improved: true, stop: false))
        #expect(t.record(step: 30, score: 0.6) == .init(improved: false, stop: false))  // a tie keeps the earlier one
        // Round trip through a checkpoint mid-way: the resumed tracker stops at the same evaluation.
        var resumed = try JSONDecoder().decode(SelectionTracker.self, from: JSONEncoder().encode(t))
        #expect(resumed == t)
        #expect(resumed.record(step: 40, score: nil) == .init(improved: false, stop: true))
        #expect(t.record(step: 40, score: 0.55) == .init(improved: false, stop: true))
        #expect(t.bestStep == 20 && t.bestScore == 0.6)
        var never = SelectionTracker(patience: nil)
        for i in 0..<10 { #expect(never.record(step: i, score: -Double(i)).stop == false) }
        #expect(never.bestStep == 0)
    }
}
