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

    /// Context tokens two consecutive windows share: a third of the sequence length (HF's 128 of 384).
    public static func docStride(maxLength: Int) -> Int { maxLength / 3 }

    public func encode(_ examples: [Example], tokenizer: Tokenizer) throws -> EncodedExamples {
        guard let maxLength = tokenizer.maxLength else {
            throw ConfigError(key: "data.max_length", "task '\(spec.name)': span QA needs a maximum sequence length to split contexts into windows")
        }
        var features: [EncodedExample] = [], encodings: [SpanExampleEncoding] = []
        var report = EncodingReport()
        for (i, ex) in examples.enumerated() {
            guard case .span(let q) = ex.input else { throw spec.wrongInput(ex) }
            let encoding: SpanExampleEncoding
            do {
                encoding = try SpanFeatures.encode(question: q.question, context: q.context, tokenizer: tokenizer, maxLength: maxLength,
                                                   stride: SpanQATask.docStride(maxLength: maxLength))
            } catch let e as ConfigError {
                throw FileError(path: spec.sourcePath, "\(spec.location(ex)): question: \(e.message)")
            }
            encodings.append(encoding)
            report.add("windows", encoding.features.count)
            var starts = [Int32](repeating: 0, count: encoding.features.count), ends = starts
            if let answer = q.answers.first {
                let scalars = SpanQATask.scalarRange(answer.range, in: q.context)
                if encoding.tokenSpan(answer: scalars) == nil { report.add("answers-without-tokens") }
                (starts, ends) = encoding.targets(answer: scalars)
                let holding = zip(starts, ends).filter { $0.0 != 0 || $0.1 != 0 }.count
                report.add("windows-without-answer", encoding.features.count - holding)
            }
            for (k, f) in encoding.features.enumerated() {
                features.append(EncodedExample(ids: f.ids, typeIDs: f.tokenTypes, target: .span(start: starts[k], end: ends[k]),
                                               maskable: f.ids.map { _ in false }, example: i, window: f.window))
            }
        }
        return EncodedExamples(examples: examples, tokenizer: tokenizer, features: features, report: report, spanEncodings: encodings)
    }

    /// The scalar range of a UTF-8 byte range of `text`.
    static func scalarRange(_ bytes: Range<Int>, in text: String) -> Range<Int> {
        var scalar = 0, byte = 0, lower = 0, upper = 0
        for s in text.unicodeScalars {
            if byte == bytes.lowerBound { lower = scalar }
            if byte == bytes.upperBound { upper = scalar }
            byte += s.utf8.count
            scalar += 1
        }
        if byte == bytes.upperBound { upper = scalar }
        return lower..<max(lower, upper)
    }

    public func predict(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord] {
        let pad = Int32(model.config.padTokenId)
        var spans = [PredictedSpan?](repeating: nil, count: encoded.features.count)
        try batches(encoded.features.count, batchSize) { range in
            let slice = Array(encoded.features[range])
            let collated = BatchAssembly.collate(slice, pad: pad)
            var mask = [Int32](repeating: 0, count: slice.count * collated.batch.length)
            for (j, f) in slice.enumerated() {
                guard let w = f.window else { continue }
                for (k, m) in SpanWindows.candidateMask(window: w, length: collated.batch.length).enumerated() { mask[j * collated.batch.length + k] = m }
            }
            let predicted = try prediction(try model.predict(head: head.name, batch: collated.batch, candidateMask: mask), "spans") {
                if case .spans(let s, _, _) = $0 { return s } else { return nil }
            }
            for (j, f) in range.enumerated() { spans[f] = predicted[j] }
        }
        let byExample = encoded.featuresOfExample
        return try encoded.examples.enumerated().map { i, ex in
            guard case .span(let q) = ex.input else { throw spec.wrongInput(ex) }
            let features = byExample[i]
            let windows = features.compactMap { encoded.features[$0].window }
            let best = SpanWindows.combine(windows, spans: features.map { spans[$0] ?? PredictedSpan(start: 0, end: 0, score: -.infinity) })
            let answer = best.map { encoded.spanEncodings[i].answerText($0, context: q.context) } ?? ""
            return PredictionRecord(id: ex.id, gold: .tags(q.answers.map(\.text)), predicted: .label(answer))
        }
    }
}
