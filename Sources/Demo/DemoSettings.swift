import Evaluation
import Foundation
import Platform
import Runs
import Tasks
import Training

/// Everything `polyglot demo` decides: the tasks, the sizes that keep it within minutes on two cores, and
/// the few-shot probe. `standard` is what `make demo` runs; tests shrink it.
public struct DemoSettings: Sendable {
    public var name = "demo"
    public var seed: UInt64 = 7
    /// Masked LM on the training languages' text.
    public var mlmTask = "cldr-mlm"
    /// Classification tasks trained on the training languages; they also teach the label-matching head.
    public var classificationTasks = ["cldr-dates-month", "cldr-numbers-digits", "cldr-units-dimension"]
    public var taggingTasks = ["cldr-date-fields"]
    /// Never trained: scored in every language through the label-matching head, from its label descriptions.
    public var heldOutTask = "cldr-dates-weekday"
    /// Few-shot curve on the held-out language where this task's zero-shot score is lowest.
    public var probeTask = "cldr-dates-month"
    /// Candidate languages (nil: every language all demo tasks cover).
    public var candidateLanguages: [String]? = nil

    public var layers = 2, hidden = 128, heads = 4, intermediate = 256
    public var maxLength = 40
    public var vocabSize = 6000, tokenizerSentences = 10000
    public var maxTrainExamples = 400, maxEvalExamples = 60
    public var steps = 4000, warmupSteps = 200, batchSize = 16
    public var learningRate = 0.001
    public var evaluateEvery = 1000
    public var temperature = 2.0
    /// The arithmetic of the matrix products (`model.precision`); the committed table is fp32's.
    public var precision: Precision = .fp32
    /// Label matching pairs each text with label names in its own language where CLDR has them (months,
    /// weekdays), else with the English descriptions; the held-out task is scored the same way.
    public var pairs: LabelMatchingPairs = {
        var p = LabelMatchingPairs()
        p.labelText = .localized
        p.scoring = .lateInteraction
        return p
    }()

    public var probeShots = [1, 2, 4, 8, 16]
    public var probeSeeds = 3
    public var resamples = 1000

    public init() {}

    /// What `make demo` runs.
    public static var standard: DemoSettings { DemoSettings() }

    public var allTasks: [String] { [mlmTask] + classificationTasks + taggingTasks + [heldOutTask] }

    /// The experiment the demo trains, as YAML (saved resolved in the run folder as experiment.yaml).
    public func experimentYAML(split: DemoLanguageSplit, dataRoot: String) throws -> String {
        func list(_ codes: [String]) -> String { "[" + codes.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        var tasks = ["  - {name: \(mlmTask), train_languages: \(list(split.training))}"]
        for t in classificationTasks + taggingTasks {
            tasks.append("  - {name: \(t), train_languages: \(list(split.training)), eval_languages: \(list(split.heldOut))}")
        }
        tasks.append("  - {name: \(pairs.taskName), train_languages: \(list(split.training))}")
        let root = String(decoding: try JSONSerialization.data(withJSONObject: [dataRoot], options: [.withoutEscapingSlashes]), as: UTF8.self)
        return """
        name: \(name)
        seed: \(seed)
        data_root: \(root.dropFirst().dropLast())
        model: {source: scratch, layers: \(layers), hidden: \(hidden), heads: \(heads), intermediate: \(intermediate), max_positions: \(maxLength), dropout: 0.1\(precision == .fp32 ? "" : ", precision: \(precision.rawValue)")}
        tokenizer: {source: train, algorithm: unigram, pre_tokenizer: icu, vocab_size: \(vocabSize), max_sentences: \(tokenizerSentences)}
        data: {max_length: \(maxLength), max_train_examples: \(maxTrainExamples), max_eval_examples: \(maxEvalExamples)}
        tasks:
        \(tasks.joined(separator: "\n"))
        sampler: {kind: temperature, temperature: \(temperature), batching: task-per-step}
        optimization: {optimizer: adamw, lr: \(learningRate), weight_decay: 0.01, batch_size: \(batchSize), max_steps: \(steps), warmup_steps: \(warmupSteps), schedule: linear, clip_norm: 1.0}
        evaluation: {every: \(evaluateEvery), selection: source-dev}
        checkpoint: {every: \(evaluateEvery), keep_best: true}

        """
    }
}
