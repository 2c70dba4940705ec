import Data
import Foundation
import Models
import Platform
import Runs
import Text

/// Extractive question answering (SQuAD v1.1 format: XQuAD, MLQA, TyDi QA GoldP): the question and a window
/// of the context per sequence, further windows overlapping by `docStride` tokens until the context ends;
/// training targets the first answer's tokens in the windows that hold it whole and the first position
/// elsewhere (as HF's `run_qa`); prediction takes the best span over all windows of a question, at most
/// `head.maxAnswerLength` tokens, and returns the context's own text for it.
public struct SpanQATask: TaskFamily {
    public let spec: TaskSpec
    public let head: HeadSpec

    /// Context tokens two consecutive windows share: a quarter of the sequence length (HF's run_qa shares
    /// 128 of 384; a quarter leaves room for longer questions at the short lengths small models train on).
    public static func docStride(maxLength: Int) -> Int { maxLength / 4 }

    /// Question tokens kept: half the sequence length (BERT's `run_squad` keeps 64 of 384); what is cut is
    /// counted as `question-tokens-cut` (and the questions as `questions-cut`).
    public static func maxQuestionTokens(maxLength: Int) -> Int { maxLength / 2 }

    public func encode(_ examples: [Example], tokenizer: Tokenizer) throws -> EncodedExamples {
        guard let maxLength = tokenizer.maxLength else {
            throw ConfigError(key: "data.max_length", "task '\(spec.name)': span QA needs a maximum sequence length to split contexts into windows")
        }
        let stride = SpanQATask.docStride(maxLength: maxLength)
        var features: [EncodedExample] = [], encodings: [SpanExampleEncoding] = []
        var counts = SpanTargetReport()
        var report = EncodingReport()
        for (i, ex) in examples.enumerated() {
            guard case .span(let q) = ex.input else { throw spec.wrongInput(ex) }
            let encoding: SpanExampleEncoding, targets: SpanTargets
            do {
                encoding = try SpanFeatures.encode(id: ex.id, question: q.question, context: q.context, tokenizer: tokenizer,
                                                   maxLength: maxLength, stride: stride,
                                                   maxQuestionTokens: SpanQATask.maxQuestionTokens(maxLength: maxLength))
                targets = try encoding.targets(answer: q.answers.first?.range)
            } catch let e as SpanInputError {
                throw FileError(path: spec.sourcePath, "\(spec.location(ex)): \(e.field): \(e.message)")
            }
            counts.add(targets.report)
            if encoding.questionTokensCut > 0 { report.add("questions-cut"); report.add("question-tokens-cut", encoding.questionTokensCut) }
            encodings.append(encoding)
            for (k, f) in encoding.features.enumerated() {
                features.append(EncodedExample(ids: f.ids, typeIDs: f.tokenTypes,
                                               target: .span(start: targets.startPositions[k], end: targets.endPositions[k]),
                                               maskable: f.ids.map { _ in false }, example: i))
            }
        }
        report.add("windows", counts.windows)
        report.add("windows-with-answer", counts.windowsWithAnswer)
        report.add("windows-answer-cut", counts.windowsCut)
        report.add("windows-without-answer", counts.windowsWithoutAnswer)
        report.add("answers-without-tokens", counts.unmappedExamples.count)
        return EncodedExamples(examples: examples, tokenizer: tokenizer, features: features, report: report, spanEncodings: encodings)
    }

    /// The best answer over each question's windows (n-best 20 per window, at most `head.maxAnswerLength`
    /// tokens), as the context's own bytes; "" when no window allows a span.
    public func predict(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord] {
        let pad = Int32(model.config.padTokenId)
        var startLogits = [[Float]](repeating: [], count: encoded.features.count), endLogits = startLogits
        try batches(encoded.features.count, batchSize) { range in
            let collated = BatchAssembly.collate(Array(encoded.features[range]), pad: pad)
            let (s, e) = try prediction(try model.predict(head: head.name, batch: collated.batch), "span logits") {
                if case .spans(_, let s, let e) = $0 { return (s, e) } else { return nil }
            }
            for (j, f) in range.enumerated() { startLogits[f] = s[j]; endLogits[f] = e[j] }
        }
        let byExample = encoded.featuresOfExample
        return try encoded.examples.enumerated().map { i, ex in
            guard case .span(let q) = ex.input else { throw spec.wrongInput(ex) }
            let windows = byExample[i]
            let answer: SpanAnswerPrediction
            do {
                answer = try encoded.spanEncodings[i].predict(startLogits: windows.map { startLogits[$0] }, endLogits: windows.map { endLogits[$0] },
                                                              maxAnswerLength: head.maxAnswerLength)
            } catch let e as SpanInputError {
                throw FileError(path: spec.sourcePath, "\(spec.location(ex)): \(e.field): \(e.message)")
            }
            return PredictionRecord(id: ex.id, gold: .tags(q.answers.map(\.text)), predicted: .label(answer.text))
        }
    }
}
