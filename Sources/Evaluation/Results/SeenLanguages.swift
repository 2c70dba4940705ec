import Foundation
import Platform
import Runs
import Tasks

/// How a score relates to what the model saw: the language's labelled data of this task (or of a task
/// sharing its head) trained the model, its dev data picked the checkpoint, or neither (zero-shot).
public enum TransferRegime: String, Codable, Sendable, CaseIterable {
    /// The task's labelled data in this language trained the model.
    case supervised
    /// The language's dev data chose the checkpoint (`evaluation.selection: target-dev`): not zero-shot.
    case selected
    /// Neither: a zero-shot cross-lingual score.
    case zeroShot = "zero-shot"
}

/// Thrown when a score is asked for as zero-shot but its language's data trained or selected the model.
public struct ZeroShotViolation: PolyglotError, Equatable {
    public let task: String
    public let language: String
    public let regime: TransferRegime
    public init(task: String, language: String, regime: TransferRegime) { self.task = task; self.language = language; self.regime = regime }
    public var description: String {
        let why = regime == .supervised
            ? "its labelled data trained the model"
            : "its dev data chose the checkpoint (evaluation.selection: target-dev)"
        return "task \(task), language \(language): not a zero-shot score: \(why)"
    }
}

/// Which languages a run's model saw, and how, read from its resolved experiment.
public struct SeenLanguages: Codable, Equatable, Sendable {
    /// Head name → languages whose labelled training data trained that head and the encoder.
    public var training: [String: [String]]
    /// Languages whose dev data chose the checkpoint. With `source-dev` these are training languages;
    /// with `target-dev` the evaluation languages of the selection tasks, and then no score in them is zero-shot.
    public var selection: [String]
    /// Languages whose raw text trained a masked-LM task: seen without labels (allowed in zero-shot transfer,
    /// as multilingual pre-training is, but reported).
    public var unlabelled: [String]
    /// How the checkpoint was chosen (`source-dev` or `target-dev`).
    public var selectionMode: String

    enum CodingKeys: String, CodingKey { case training, selection, unlabelled, selectionMode = "selection_mode" }

    public init(training: [String: [String]], selection: [String], unlabelled: [String], selectionMode: String) {
        self.training = training; self.selection = selection; self.unlabelled = unlabelled; self.selectionMode = selectionMode
    }

    /// `headOf` maps a task name to the head it trains (its own name or its `shares_head`); `isMaskedLM`
    /// tells masked-LM tasks. With stages, every stage's languages count (an earlier stage trained the
    /// weights the later ones started from), and the selection mode is `target-dev` when any stage's is.
    public static func of(_ e: Experiment, headOf: (String) -> String, isMaskedLM: (String) -> Bool) -> SeenLanguages {
        var training: [String: Set<String>] = [:]
        var unlabelled = Set<String>()
        var selection = Set<String>()
        var mode = SelectionData.sourceDev
        for stage in e.stageExperiments {
            for t in stage.tasks {
                if isMaskedLM(t.name) { unlabelled.formUnion(t.trainLanguages); continue }
                training[headOf(t.name), default: []].formUnion(t.trainLanguages)
            }
            let selected = Set(stage.selectionTaskNames(isMaskedLM: isMaskedLM))
            for t in stage.tasks where selected.contains(t.name) {
                selection.formUnion(stage.evaluation.selection == .sourceDev ? t.trainLanguages : t.evalLanguages)
            }
            if stage.evaluation.selection == .targetDev { mode = .targetDev }
        }
        return SeenLanguages(training: training.mapValues { $0.sorted() }, selection: selection.sorted(),
                             unlabelled: unlabelled.sorted(), selectionMode: mode.rawValue)
    }

    /// The regime of a score of the task trained through `head` in `language`.
    public func regime(head: String, language: String) -> TransferRegime {
        if training[head]?.contains(language) == true { return .supervised }
        if selection.contains(language) { return .selected }
        return .zeroShot
    }

    /// Throws unless the score may be reported as zero-shot.
    public func requireZeroShot(task: String, head: String, language: String) throws {
        let r = regime(head: head, language: language)
        guard r == .zeroShot else { throw ZeroShotViolation(task: task, language: language, regime: r) }
    }

    /// Every language with labelled training data, over all heads.
    public var trainingLanguages: [String] { Set(training.values.flatMap { $0 }).sorted() }
}
