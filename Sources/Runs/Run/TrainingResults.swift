import Foundation
import Platform

/// `results.json`: what the run selected and measured. Holds no times, so two runs with the same
/// seed write the same bytes.
public struct TrainingResults: Codable, Equatable, Sendable {
    public var experiment: String
    public var seed: UInt64
    public var steps: Int
    public var stoppedEarly: Bool
    /// source-dev (strict zero-shot) or target-dev.
    public var selection: String
    public var selectionTasks: [String]
    public var bestStep: Int?
    public var bestScore: Double?
    public var best: EvaluationRecord?
    public var last: EvaluationRecord?
    /// Per task, what encoding did to its examples (windows, answers outside a window, …), by "train" or
    /// "dev/<language>"; absent when nothing was split or left out.
    public var encoding: [String: [String: [String: Int]]]?
    /// A run with stages: how each stage went (absent without stages). Selection, best and last are then
    /// the last stage's, since selection restarts with every stage.
    public var stages: [StageOutcome]?

    public init(experiment: String, seed: UInt64, steps: Int, stoppedEarly: Bool, selection: String, selectionTasks: [String],
                bestStep: Int?, bestScore: Double?, best: EvaluationRecord?, last: EvaluationRecord?,
                encoding: [String: [String: [String: Int]]]? = nil, stages: [StageOutcome]? = nil) {
        self.experiment = experiment; self.seed = seed; self.steps = steps; self.stoppedEarly = stoppedEarly
        self.selection = selection; self.selectionTasks = selectionTasks; self.bestStep = bestStep; self.bestScore = bestScore
        self.best = best; self.last = last; self.encoding = encoding; self.stages = stages
    }

    enum CodingKeys: String, CodingKey {
        case experiment, seed, steps, stoppedEarly = "stopped_early", selection, selectionTasks = "selection_tasks"
        case bestStep = "best_step", bestScore = "best_score", best, last, encoding, stages
    }
}

/// The JSON form of training's own files (results.json, trainer_state.json): sorted keys, non-finite
/// numbers as "inf", "-inf", "nan".
public enum RunJSON {
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
}
