import Data
import Foundation
import Models
import Platform
import Text
import Training

/// Runs a trained head over a task's examples and writes one prediction record per example.
public enum TaskPredictor {
    /// Predictions of a classification, pair-classification, regression or tagging head.
    public static func predict(_ run: TrainedRun, spec: TaskSpec, head: String, examples: [Example]) throws -> [PredictionRecord] {
        let model = run.model
        let headSpec = try model.head(head).spec
        switch spec.type {
        case .classification, .pairClassification:
            let labels = LabelSet(headSpec.labels.map { LabelSpec(name: $0, description: $0) })
            let encoded = try EncodedTask.encode(examples, spec: spec, labels: labels, tokenizer: run.tokenizer)
            var out: [PredictionRecord] = []
            try batches(encoded.count, run.batchSize) { range in
                let (batch, _) = assemble(Array(encoded[range]), pad: run.pad)
                guard case .classes(let best, _) = try model.predict(head: head, batch: batch) else {
                    throw ConfigError(key: "head", "head '\(head)' does not predict classes")
                }
                for (j, i) in range.enumerated() {
                    out.append(PredictionRecord(id: examples[i].id, gold: .label(examples[i].label ?? ""), predicted: .label(headSpec.labels[best[j]])))
                }
            }
            return out
        case .regression:
            let encoded = try EncodedTask.encode(examples, spec: spec, labels: nil, tokenizer: run.tokenizer)
            var out: [PredictionRecord] = []
            try batches(encoded.count, run.batchSize) { range in
                let (batch, _) = assemble(Array(encoded[range]), pad: run.pad)
                guard case .values(let v) = try model.predict(head: head, batch: batch) else {
                    throw ConfigError(key: "head", "head '\(head)' does not predict values")
                }
                for (j, i) in range.enumerated() {
                    out.append(PredictionRecord(id: examples[i].id, gold: .number(examples[i].value ?? .nan), predicted: .number(Double(v[j]))))
                }
            }
            return out
        case .tagging:
            return try tagging(run, spec: spec, head: head, headSpec: headSpec, examples: examples)
        default:
            throw ConfigError(key: "tasks", "task '\(spec.name)' is \(spec.type.rawValue): no trained head evaluates it (cross-lingual evaluation covers classification, pair-classification, regression and tagging)")
        }
    }

    /// Word-level tags: the tag predicted at each word's first subword. Words cut off by the sequence
    /// length get the tag `_` (never a gold tag), so they count as errors rather than vanish.
    static func tagging(_ run: TrainedRun, spec: TaskSpec, head: String, headSpec: HeadSpec, examples: [Example]) throws -> [PredictionRecord] {
        let state = EncoderState()
        var encodings: [(ids: [Int32], firstOf: [Int: Int], words: Int)] = []
        for ex in examples {
            guard case .tagged(let t) = ex.input else { throw FileError(path: spec.sourcePath, "task \(spec.name), example \(ex.id): not a tagged example") }
            let e = try run.tokenizer.encode(words: t.words, state: state)
            var firstOf: [Int: Int] = [:]
            let first = e.firstSubwordOfWord
            for k in 0..<e.count where first[k] { if let w = e.wordIndex[k], firstOf[w] == nil { firstOf[w] = k } }
            encodings.append((e.ids.map(Int32.init), firstOf, t.words.count))
        }
        var out: [PredictionRecord] = []
        try batches(examples.count, run.batchSize) { range in
            let batch = TokenBatch(sequences: range.map { encodings[$0].ids }, pad: run.pad)
            guard case .tokenClasses(let rows) = try run.model.predict(head: head, batch: batch) else {
                throw ConfigError(key: "head", "head '\(head)' does not predict token classes")
            }
            for (j, i) in range.enumerated() {
                guard case .tagged(let t) = examples[i].input else { continue }
                let e = encodings[i]
                let predicted = (0..<e.words).map { w in e.firstOf[w].map { headSpec.labels[rows[j][$0]] } ?? "_" }
                out.append(PredictionRecord(id: examples[i].id, gold: .tags(t.tags), predicted: .tags(predicted)))
            }
        }
        return out
    }

    static func assemble(_ examples: [EncodedExample], pad: Int32) -> (TokenBatch, HeadTargets) {
        var noMasking = RandomStream(seed: 0)
        return BatchAssembly.make(examples, pad: pad, masking: nil, random: &noMasking)
    }

    static func batches(_ count: Int, _ size: Int, _ body: (Range<Int>) throws -> Void) rethrows {
        var start = 0
        while start < count {
            let end = min(count, start + max(1, size))
            try body(start..<end)
            start = end
        }
    }
}
