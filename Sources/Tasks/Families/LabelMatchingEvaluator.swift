import Data
import Foundation
import Models
import Platform
import Text
import Runs

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

/// Zero-shot evaluation of a task the model never trained, through its label-matching head. A cross-encoder
/// (TARS) pairs each text with every label ("label [SEP] text") and the best-scoring pair gives the
/// prediction; a dual encoder embeds the texts and the label texts apart and predicts the nearest label, by
/// pooled vectors or by late interaction over token vectors.
public enum LabelMatchingEvaluator {
    /// The model's label-matching head, if it has one: a cross-encoder (`label-matching` kind) before a
    /// late-interaction head before a pooled embedding head (which scores a label by the cosine of its
    /// text's embedding and the example's).
    public static func head(of model: MultiTaskModel) -> String? {
        for kind in [HeadKind.labelMatching, .lateInteraction, .embedding] {
            if let name = model.headSpecs.filter({ $0.kind == kind }).map(\.name).sorted().first { return name }
        }
        return nil
    }

    /// `labelTexts` stand for the labels, in label order (`LabelText.texts`).
    /// `layer`: the encoder layer a dual encoder pools (nil: the last, as it trains).
    public static func predict(model: MultiTaskModel, tokenizer: Tokenizer, head: String, labels: LabelSet, labelTexts: [String],
                               examples: [Example], task: String, layer: Int? = nil, prompt: String = "") throws -> [PredictionRecord] {
        let c = labels.count
        let capacity = model.encoder.maxBatch
        guard c >= 2 else { throw ConfigError(key: "labels", "task '\(task)' needs at least 2 labels for label matching") }
        if let spec = model.headSpecs.first(where: { $0.name == head }), spec.kind == .lateInteraction {
            return try predictByLateInteraction(model: model, tokenizer: tokenizer, head: head, labels: labels, labelTexts: labelTexts,
                                                examples: examples, task: task)
        }
        if let spec = model.headSpecs.first(where: { $0.name == head }), spec.kind == .embedding {
            return try predictByEmbedding(model: model, tokenizer: tokenizer, pooling: spec.pooling, layer: layer, labels: labels,
                                          labelTexts: labelTexts, examples: examples, task: task, prompt: prompt)
        }
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

    /// Dual encoder: pooled, L2-normalized embeddings of every text and every label text; the label of
    /// highest cosine wins (ties to the first label).
    static func predictByEmbedding(model: MultiTaskModel, tokenizer: Tokenizer, pooling: Pooling, layer: Int?, labels: LabelSet, labelTexts: [String],
                                   examples: [Example], task: String, prompt: String = "") throws -> [PredictionRecord] {
        guard labelTexts.count == labels.count else {
            throw ConfigError(key: "labels", "task '\(task)': \(labelTexts.count) label texts for \(labels.count) labels")
        }
        let texts = try texts(of: examples, task: task)
        let embedder = SentenceEmbedder(pooling: pooling, normalize: true, layer: layer, batchSize: model.encoder.maxBatch)
        let length = Swift.min(model.encoder.maxLength, model.config.embeddingMaxLength ?? .max)
        let labelVectors = try embedder.embed(texts: labelTexts, tokenizer: tokenizer, maxLength: length, model: model, prompt: prompt)
        let textVectors = try embedder.embed(texts: texts, tokenizer: tokenizer, maxLength: length, model: model, prompt: prompt)
        return zip(examples, textVectors).map { ex, v in
            var best = 0, bestScore = -Float.infinity
            for (j, l) in labelVectors.enumerated() {
                var s: Float = 0
                for k in 0..<v.count { s += v[k] * l[k] }
                if s > bestScore { best = j; bestScore = s }
            }
            return PredictionRecord(id: ex.id, gold: .label(ex.label ?? ""), predicted: .label(labels.names[best]))
        }
    }

    static func texts(of examples: [Example], task: String) throws -> [String] {
        try examples.map { ex -> String in
            guard case .text(let text) = ex.input else {
                throw ConfigError(key: "tasks", "task '\(task)', example \(ex.id): label matching scores single texts")
            }
            return text
        }
    }

    /// Late interaction: token vectors of every text and every label text (special tokens left out, as the
    /// head trains); the label of highest `LateInteractionHead.score` wins (ties to the first label).
    static func predictByLateInteraction(model: MultiTaskModel, tokenizer: Tokenizer, head: String, labels: LabelSet, labelTexts: [String],
                                         examples: [Example], task: String, prompt: String = "") throws -> [PredictionRecord] {
        guard labelTexts.count == labels.count else {
            throw ConfigError(key: "labels", "task '\(task)': \(labelTexts.count) label texts for \(labels.count) labels")
        }
        var tok = tokenizer
        tok.maxLength = model.encoder.maxLength
        let state = EncoderState()
        func vectors(_ strings: [String]) throws -> [[[Float]]] {
            var out: [[[Float]]] = []
            let step = model.encoder.maxBatch
            for start in stride(from: 0, to: strings.count, by: step) {
                let encoded = try strings[start..<min(strings.count, start + step)].map { try tok.encode($0, state: state) }
                let batch = TokenBatch(sequences: encoded.map { $0.ids.map(Int32.init) }, pad: Int32(model.config.padTokenId))
                let mask = BatchAssembly.paddedMask(encoded.map { $0.specialTokensMask.map { !$0 } }, length: batch.length)
                out += try model.tokenVectors(head: head, batch: batch, candidateMask: mask)
            }
            return out
        }
        let labelVectors = try vectors(labelTexts)
        let textVectors = try vectors(try texts(of: examples, task: task))
        return zip(examples, textVectors).map { ex, query in
            var best = 0, bestScore = -Float.infinity
            for (j, document) in labelVectors.enumerated() {
                let s = LateInteractionHead.score(query: query, document: document)
                if s > bestScore { best = j; bestScore = s }
            }
            return PredictionRecord(id: ex.id, gold: .label(ex.label ?? ""), predicted: .label(labels.names[best]))
        }
    }
}
