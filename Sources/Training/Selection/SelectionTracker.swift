import Runs
import Tasks
/// One task's major metric from an evaluation, with its direction.
public struct MajorMetric: Codable, Equatable, Sendable {
    public var task: String
    public var name: String
    public var value: Double
    public var higherIsBetter: Bool
    public init(task: String, name: String, value: Double, higherIsBetter: Bool) {
        self.task = task; self.name = name; self.value = value; self.higherIsBetter = higherIsBetter
    }
}

/// Model selection and early stopping on the selection score (each selection task's major metric,
/// averaged, lower-is-better metrics negated). Its state goes into checkpoints so a resumed run stops
/// where the uninterrupted one would.
public struct SelectionTracker: Codable, Equatable, Sendable {
    public let patience: Int?
    public private(set) var bestScore: Double?
    public private(set) var bestStep: Int?
    public private(set) var evaluationsSinceBest: Int = 0
    public private(set) var history: [Entry] = []

    public struct Entry: Codable, Equatable, Sendable {
        public var step: Int
        public var score: Double
    }

    public struct Outcome: Equatable, Sendable {
        /// This evaluation is the best so far: write the `best` checkpoint.
        public var improved: Bool
        /// Patience ran out: stop training.
        public var stop: Bool
    }

    public init(patience: Int?) {
        precondition(patience.map { $0 > 0 } ?? true)
        self.patience = patience
    }

    /// The mean of the metrics, each negated when lower is better; nil when empty or not finite.
    public static func score(_ metrics: [MajorMetric]) -> Double? {
        guard !metrics.isEmpty else { return nil }
        var sum = 0.0
        for m in metrics { sum += m.higherIsBetter ? m.value : -m.value }
        let s = sum / Double(metrics.count)
        return s.isFinite ? s : nil
    }

    /// Records an evaluation. Only a strictly better score counts as an improvement, so ties keep the
    /// earlier checkpoint; a missing (non-finite) score never improves.
    public mutating func record(step: Int, score: Double?) -> Outcome {
        let improved: Bool
        if let s = score {
            history.append(Entry(step: step, score: s))
            improved = bestScore.map { s > $0 } ?? true
        } else {
            improved = false
        }
        if improved {
            bestScore = score; bestStep = step; evaluationsSinceBest = 0
        } else {
            evaluationsSinceBest += 1
        }
        let stop = patience.map { evaluationsSinceBest >= $0 } ?? false
        return Outcome(improved: improved, stop: stop)
    }
}
