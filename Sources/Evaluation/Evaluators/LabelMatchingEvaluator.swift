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
}

/// Zero-shot evaluation of a task the model never trained, through its label-matching head: each text is
/// paired with every label ("label [SEP] text") and the best-scoring pair gives the prediction.
public enum LabelMatchingEvaluator {
    /// The model's label-matching head, if it has one.
    public static func head(of model: MultiTaskModel) -> String? {
        model.headSpecs.filter { $0.kind == .labelMatching }.map(\.name).sorted().first
    }

    public static func predict(model: MultiTaskModel, tokenizer: Tokenizer, head: String, labels: LabelSet, labelText: LabelText,
                               examples: [Example], task: String) throws -> [PredictionRecord] {
        let c = labels.count
        let capacity = model.encoder.maxBatch
        guard c >= 2 else { throw ConfigError(key: "labels", "task '\(task)' needs at least 2 labels for label matching") }
        guard c <= capacity else {
            throw ConfigError(key: "batch_size", "task '\(task)' has \(c) labels but batches hold \(capacity) sequences; raise --batch-size")
        }
        let names = labels.names.indices.map { labelText == .name ? LabelMatchingHead.labelText(labels.names[$0]) : labels.descriptions[$0] }
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
