import Data
import Foundation
import Models
import Platform
import Runs
import Text

/// Sentence and sentence-pair classification (SIB-200, XNLI, PAWS-X): one sequence per example (a pair
/// as one sequence with segment ids), one label from the head's label set.
public struct ClassificationTask: TaskFamily {
    public let spec: TaskSpec
    public let head: HeadSpec

    public func encode(_ examples: [Example], tokenizer: Tokenizer) throws -> EncodedExamples {
        let labels = head.labelSet
        let state = EncoderState()
        var features: [EncodedExample] = []
        features.reserveCapacity(examples.count)
        for (i, ex) in examples.enumerated() {
            // Unlabelled examples (gold missing) encode with the ignore index; scoring reports them.
            let label = try ex.label.map { name -> Int32 in
                guard let id = labels.id(of: name) else {
                    throw FileError(path: spec.sourcePath, "\(spec.location(ex)): label '\(excerpt(name))' is not in the label set of head '\(head.name)'")
                }
                return Int32(id)
            } ?? EncodedExample.ignoreIndex
            let e: Encoding
            switch ex.input {
            case .text(let t): e = try tokenizer.encode(t, state: state)
            case .textPair(let a, let b): e = try tokenizer.encode(pair: a, b, state: state)
            default: throw spec.wrongInput(ex)
            }
            let pair: Bool
            if case .textPair = ex.input { pair = true } else { pair = false }
            features.append(EncodedExample(ids: e.ids32, typeIDs: pair ? e.typeIDs.map(Int32.init) : nil, target: .label(label),
                                           maskable: e.maskable, example: i))
        }
        return EncodedExamples(examples: examples, tokenizer: tokenizer, features: features)
    }

    public func predict(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord] {
        var out: [PredictionRecord] = []
        out.reserveCapacity(encoded.examples.count)
        let pad = Int32(model.config.padTokenId)
        try batches(encoded.features.count, batchSize) { range in
            let collated = BatchAssembly.collate(Array(encoded.features[range]), pad: pad)
            let best = try prediction(try model.predict(head: head.name, batch: collated.batch), "classes") {
                if case .classes(let b, _) = $0 { return b } else { return nil }
            }
            for (j, f) in range.enumerated() {
                let ex = encoded.examples[encoded.features[f].example]
                out.append(PredictionRecord(id: ex.id, gold: .label(ex.label ?? ""), predicted: .label(head.labels[best[j]])))
            }
        }
        return out
    }
}

/// Regression on a sentence or a pair (STS-B style): one value per example, mean squared error.
public struct RegressionTask: TaskFamily {
    public let spec: TaskSpec
    public let head: HeadSpec

    public func encode(_ examples: [Example], tokenizer: Tokenizer) throws -> EncodedExamples {
        let state = EncoderState()
        var features: [EncodedExample] = []
        for (i, ex) in examples.enumerated() {
            guard let value = ex.value else { throw FileError(path: spec.sourcePath, "\(spec.location(ex)): no value to regress on") }
            switch ex.input {
            case .text(let t):
                let e = try tokenizer.encode(t, state: state)
                features.append(EncodedExample(ids: e.ids32, target: .value(Float(value)), maskable: e.maskable, example: i))
            case .textPair(let a, let b):
                let e = try tokenizer.encode(pair: a, b, state: state)
                features.append(EncodedExample(ids: e.ids32, typeIDs: e.typeIDs.map(Int32.init), target: .value(Float(value)),
                                               maskable: e.maskable, example: i))
            default: throw spec.wrongInput(ex)
            }
        }
        return EncodedExamples(examples: examples, tokenizer: tokenizer, features: features)
    }

    public func predict(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord] {
        var out: [PredictionRecord] = []
        let pad = Int32(model.config.padTokenId)
        try batches(encoded.features.count, batchSize) { range in
            let collated = BatchAssembly.collate(Array(encoded.features[range]), pad: pad)
            let values = try prediction(try model.predict(head: head.name, batch: collated.batch), "values") {
                if case .values(let v) = $0 { return v } else { return nil }
            }
            for (j, f) in range.enumerated() {
                let ex = encoded.examples[encoded.features[f].example]
                out.append(PredictionRecord(id: ex.id, gold: .number(ex.value ?? .nan), predicted: .number(Double(values[j]))))
            }
        }
        return out
    }
}
