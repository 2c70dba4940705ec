import Data
import Foundation
import Models
import Platform
import Text

/// What stands for a label in a label-matching pair.
public enum LabelText: String, Codable, Sendable, CaseIterable {
    /// The label's name, `_`/`-` read as spaces (as the head trains).
    case name
    /// The label's English description from the task spec.
    case description
    /// The label's name in the text's language where the task writes its labels as words of the text (the
    /// built-in dates tasks: month and weekday names from CLDR, `BuiltinSuite.localizedLabelNames`); the
    /// English description for every other task.
    case localized

    /// What stands for each label of `labels` (in label order) for texts in `language`.
    public func texts(for labels: LabelSet, task: TaskSpec, language: LanguageSpec?) throws -> [String] {
        switch self {
        case .name: return labels.names.map(LabelMatchingHead.labelText)
        case .description: return labels.descriptions
        case .localized:
            let local = try language.flatMap { try BuiltinSuite.localizedLabelNames(task: task, language: $0) }
            return labels.names.indices.map { local?[labels.names[$0]] ?? labels.descriptions[$0] }
        }
    }
}

/// Zero-shot evaluation of a task the model never trained, through its label-matching head: each text is
/// paired with every label ("label [SEP] text") and the best-scoring pair gives the prediction.
public enum LabelMatchingEvaluator {
    /// The model's label-matching head, if it has one.
    public static func head(of model: MultiTaskModel) -> String? {
        model.headSpecs.filter { $0.kind == .labelMatching }.map(\.name).sorted().first
    }

    /// `labelTexts` stand for the labels, in label order (`LabelText.texts`).
    public static func predict(model: MultiTaskModel, tokenizer: Tokenizer, head: String, labels: LabelSet, labelTexts: [String],
                               examples: [Example], task: String) throws -> [PredictionRecord] {
        let c = labels.count
        let capacity = model.encoder.maxBatch
        guard c >= 2 else { throw ConfigError(key: "labels", "task '\(task)' needs at least 2 labels for label matching") }
        guard c <= capacity else {
            throw ConfigError(key: "batch_size", "task '\(task)' has \(c) labels but batches hold \(capacity) sequences; raise --batch-size")
        }
        guard labelTexts.count == c else { throw ConfigError(key: "labels", "task '\(task)': \(labelTexts.count) label texts for \(c) labels") }
        let names = labelTexts
        let state = EncoderState()
        let perBatch = max(1, capacity / c)
        var out: [PredictionRecord] = []
        var start = 0
        while start < examples.count {
            let end = min(examples.count, start + perBatch)
            var sequences: [[Int32]] = [], types: [[Int32]] = []
            for ex in examples[start..<end] {
                guard case .text(let text) = ex.input else {
                    throw ConfigError(key: "tasks", "task '\(task)', example \(ex.id): label matching scores single texts")
                }
                for name in names {
                    let e = try tokenizer.encode(pair: name, text, state: state)
                    sequences.append(e.ids.map(Int32.init)); types.append(e.typeIDs.map(Int32.init))
                }
            }
            let batch = TokenBatch(sequences: sequences, tokenTypes: types, pad: Int32(model.config.padTokenId))
            guard case .classes(let best, _) = try model.predictLabelMatching(head: head, batch: batch, labelsPerText: c) else {
                throw ConfigError(key: "head", "head '\(head)' does not rank labels")
            }
            for (j, ex) in examples[start..<end].enumerated() {
                out.append(PredictionRecord(id: ex.id, gold: .label(ex.label ?? ""), predicted: .label(labels.names[best[j]])))
            }
            start = end
        }
        return out
    }
}
