import Data
import Foundation
import Models
import Platform
import Runs
import Text

/// Multiple choice (XCOPA, COPA): each choice is one sequence, the context as the first segment and the
/// choice as the second (after the question word when the data gives one: XCOPA's "cause" / "effect"); the
/// head scores each sequence and a softmax over an example's choices gives the loss and the prediction.
public struct MultipleChoiceTask: TaskFamily {
    public let spec: TaskSpec
    public let head: HeadSpec

    public var sequencesPerFeature: Int { head.numChoices }

    public func encode(_ examples: [Example], tokenizer: Tokenizer) throws -> EncodedExamples {
        let state = EncoderState()
        var features: [EncodedExample] = []
        for (i, ex) in examples.enumerated() {
            guard case .choices(let context, let question, let choices) = ex.input else { throw spec.wrongInput(ex) }
            guard choices.count == head.numChoices else {
                throw FileError(path: spec.sourcePath, "\(spec.location(ex)): \(choices.count) choices, head '\(head.name)' scores \(head.numChoices)")
            }
            let answer: Int32
            if let label = ex.label {
                guard let k = Int(label), k >= 0, k < choices.count else {
                    throw FileError(path: spec.sourcePath, "\(spec.location(ex)): label '\(excerpt(label))' is not a choice index (0..<\(choices.count))")
                }
                answer = Int32(k)
            } else {
                answer = EncodedExample.ignoreIndex
            }
            var sequences: [[Int32]] = [], types: [[Int32]] = []
            var maskable: [Bool] = []
            for choice in choices {
                let second = question.map { "\($0) \(choice)" } ?? choice
                let e = try tokenizer.encode(pair: context, second, state: state)
                sequences.append(e.ids32)
                types.append(e.typeIDs.map(Int32.init))
                if maskable.isEmpty { maskable = e.maskable }
            }
            features.append(EncodedExample(ids: sequences[0], target: .choices(sequences: sequences, typeIDs: types, answer: answer),
                                           maskable: maskable, example: i))
        }
        return EncodedExamples(examples: examples, tokenizer: tokenizer, features: features)
    }

    public func predict(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord] {
        var out: [PredictionRecord] = []
        let pad = Int32(model.config.padTokenId)
        // A batch holds every choice of its examples.
        let perBatch = max(1, min(batchSize, model.encoder.maxBatch) / head.numChoices)
        try batches(encoded.features.count, perBatch) { range in
            let collated = BatchAssembly.collate(Array(encoded.features[range]), pad: pad)
            let best = try prediction(try model.predict(head: head.name, batch: collated.batch), "choice scores") {
                if case .classes(let b, _) = $0 { return b } else { return nil }
            }
            for (j, f) in range.enumerated() {
                let ex = encoded.examples[encoded.features[f].example]
                out.append(PredictionRecord(id: ex.id, gold: .label(ex.label ?? ""), predicted: .label(String(best[j]))))
            }
        }
        return out
    }
}
