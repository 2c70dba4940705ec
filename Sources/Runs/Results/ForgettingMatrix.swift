import Foundation
import Platform

/// How one stage of a sequential-transfer run went (in `results.json` and the trainer's state).
public struct StageOutcome: Codable, Equatable, Sendable {
    public var name: String
    /// The stage's steps are `firstStep + 1 … lastStep` of the run's count.
    public var firstStep: Int
    public var lastStep: Int
    /// Its `evaluation.patience` ended it before `max_steps`.
    public var stoppedEarly: Bool
    /// The stage's best selection score and its step (selection restarts with every stage).
    public var bestStep: Int?
    public var bestScore: Double?

    public init(name: String, firstStep: Int, lastStep: Int, stoppedEarly: Bool, bestStep: Int?, bestScore: Double?) {
        self.name = name; self.firstStep = firstStep; self.lastStep = lastStep; self.stoppedEarly = stoppedEarly
        self.bestStep = bestStep; self.bestScore = bestScore
    }

    enum CodingKeys: String, CodingKey {
        case name, firstStep = "first_step", lastStep = "last_step", stoppedEarly = "stopped_early"
        case bestStep = "best_step", bestScore = "best_score"
    }
}

/// `forgetting.json` of a run with stages: the score of every (task, language) the stages train or
/// evaluate, at the start and after each stage — R[j][u], row 0 the starting weights, row j the weights
/// stage j ended with — with backward and forward transfer as GEM defines them (Lopez-Paz & Ranzato 2017),
/// generalized from one task per stage to units that stages may share:
///
/// - BWT = mean over units u last trained in a stage ℓ(u) < T of R[T][u] − R[ℓ(u)][u] (negative: forgetting);
/// - FWT = mean over units u first trained in a stage f(u) > 1 of R[f(u) − 1][u] − b(u), with b(u) = R[0][u].
///
/// b is the score at the starting weights: the encoder before stage 1 (a new one, or the imported
/// checkpoint) with every head as initialized, the unit's own still untrained, as GEM's b is the score at
/// random initialization. With one head per task, R[f(u) − 1][u] reads the encoder through that untrained
/// head too, so FWT measures what earlier stages did to the encoder as seen by a random head. Only units
/// whose metric rises with quality enter either mean (as in the cross-task averages); units never
/// trained (evaluation languages) are in the matrix but in neither mean. Scores are on the split
/// `polyglot eval` scores (test where the language has one, else dev), at most `data.max_eval_examples`
/// examples; predictions are kept in `stages/<row>/predictions/<task>/<language>.jsonl`.
public struct ForgettingMatrix: Codable, Equatable, Sendable {
    public static let fileName = "forgetting.json"

    /// One column: a task in a language.
    public struct Unit: Codable, Equatable, Sendable {
        public var task: String
        public var language: String
        /// The task type (`classification`, `tagging`, …), which says how its predictions are scored.
        public var type: String
        /// The task's major metric, the score in the matrix.
        public var metric: String
        public var higherIsBetter: Bool
        public var split: String
        public var examples: Int
        /// Stages (counted from 1) whose training data holds this task in this language.
        public var trainedIn: [Int]
        /// Span QA: how answers are normalized (`squad` or `mlqa`).
        public var answerNormalization: String?

        public init(task: String, language: String, type: String, metric: String, higherIsBetter: Bool, split: String,
                    examples: Int, trainedIn: [Int], answerNormalization: String?) {
            self.task = task; self.language = language; self.type = type; self.metric = metric; self.higherIsBetter = higherIsBetter
            self.split = split; self.examples = examples; self.trainedIn = trainedIn; self.answerNormalization = answerNormalization
        }

        enum CodingKeys: String, CodingKey {
            case task, language, type, metric, higherIsBetter = "higher_is_better", split, examples
            case trainedIn = "trained_in", answerNormalization = "answer_normalization"
        }

        /// `task language`, as reports label the column.
        public var label: String { "\(task) \(language)" }
        /// Whether the unit enters backward and forward transfer.
        public var counts: Bool { higherIsBetter && !trainedIn.isEmpty }
    }

    /// Stage names, in order (T of them).
    public var stages: [String]
    public var units: [Unit]
    /// `scores[j][u]`: row 0 at the start, row j after stage j; rows appear as stages finish.
    public var scores: [[Double]]
    /// Null until every stage has finished, or when no unit qualifies.
    public var backwardTransfer: Double?
    public var forwardTransfer: Double?

    enum CodingKeys: String, CodingKey {
        case stages, units, scores, backwardTransfer = "backward_transfer", forwardTransfer = "forward_transfer"
    }

    /// The matrix with its transfer measures computed from `scores`.
    public init(stages: [String], units: [Unit], scores: [[Double]]) {
        self.stages = stages; self.units = units; self.scores = scores
        let complete = scores.count == stages.count + 1
        backwardTransfer = complete ? Self.backwardTransfer(scores, units: units) : nil
        forwardTransfer = complete ? Self.forwardTransfer(scores, units: units) : nil
    }

    /// Every stage has its row.
    public var isComplete: Bool { scores.count == stages.count + 1 }

    /// The rows (learned, final) a unit's forgetting compares: the last stage that trained it and the last
    /// stage; nil when it was not trained or the last stage trained it.
    public static func forgettingRows(_ unit: Unit, stageCount: Int) -> (learned: Int, final: Int)? {
        guard let last = unit.trainedIn.max(), last < stageCount else { return nil }
        return (last, stageCount)
    }

    /// The rows (before, start) a unit's forward transfer compares: the stage before the first that trained
    /// it, and the start; nil when it was not trained or stage 1 trained it.
    public static func forwardRows(_ unit: Unit) -> (before: Int, start: Int)? {
        guard let first = unit.trainedIn.min(), first > 1 else { return nil }
        return (first - 1, 0)
    }

    /// Mean of R[T][u] − R[ℓ(u)][u] over counted units with ℓ(u) < T (nil when there are none or a
    /// score is not finite).
    public static func backwardTransfer(_ scores: [[Double]], units: [Unit]) -> Double? {
        let t = scores.count - 1
        return mean(units.enumerated().compactMap { u, unit in
            guard unit.counts, let rows = forgettingRows(unit, stageCount: t) else { return nil }
            return scores[rows.final][u] - scores[rows.learned][u]
        })
    }

    /// Mean of R[f(u) − 1][u] − R[0][u] over counted units with f(u) > 1.
    public static func forwardTransfer(_ scores: [[Double]], units: [Unit]) -> Double? {
        mean(units.enumerated().compactMap { u, unit in
            guard unit.counts, let rows = forwardRows(unit) else { return nil }
            return scores[rows.before][u] - scores[rows.start][u]
        })
    }

    static func mean(_ values: [Double]) -> Double? {
        guard !values.isEmpty, values.allSatisfy(\.isFinite) else { return nil }
        return values.reduce(0, +) / Double(values.count)
    }

    public static func read(_ layout: ResultsLayout) throws -> ForgettingMatrix {
        let m = try ResultsJSON.read(ForgettingMatrix.self, from: layout.forgetting)
        guard !m.stages.isEmpty, !m.scores.isEmpty, m.scores.count <= m.stages.count + 1,
              m.scores.allSatisfy({ $0.count == m.units.count }),
              m.units.allSatisfy({ $0.trainedIn.allSatisfy { (1...m.stages.count).contains($0) } }) else {
            throw FileError(path: layout.forgetting.path, "is not a forgetting matrix of \(m.stages.count) stages: rows or stage numbers do not fit")
        }
        return m
    }

    public func write(_ layout: ResultsLayout) throws {
        try ResultsLayout.write(try ResultsJSON.encoder(pretty: true).encode(self), to: layout.forgetting)
    }
}
