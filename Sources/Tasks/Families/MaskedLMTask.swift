import Data
import Foundation
import Models
import Platform
import Runs
import Text

/// Masked language modelling (continued pre-training on task or target-language text) through the encoder's
/// tied MLM head. Masks are drawn when a batch is collated (BERT's 15% / 80-10-10); the dev pass draws them
/// from a fresh `"mlm-dev/<task>/<language>"` stream, so every evaluation sees the same masks.
public struct MaskedLMTask: TaskFamily {
    public let spec: TaskSpec
    public let head: HeadSpec
    public let seed: UInt64
    public let masking: BatchAssembly.MaskingTokens?

    public static let metrics: Set<String> = ["mlm_accuracy", "perplexity"]

    public func encode(_ examples: [Example], tokenizer: Tokenizer) throws -> EncodedExamples {
        let state = EncoderState()
        var features: [EncodedExample] = []
        for (i, ex) in examples.enumerated() {
            guard case .text(let t) = ex.input else { throw spec.wrongInput(ex) }
            let e = try tokenizer.encode(t, state: state)
            features.append(EncodedExample(ids: e.ids32, target: .maskedLM, maskable: e.maskable, example: i))
        }
        return EncodedExamples(examples: examples, tokenizer: tokenizer, features: features)
    }

    public func predict(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord] {
        throw ConfigError(key: "tasks", "task '\(spec.name)' is masked language modelling: its dev perplexity is in train.jsonl; eval scores tasks with labels")
    }

    /// Masked-token accuracy and perplexity (exp of the mean cross-entropy over masked tokens).
    public func evaluate(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int, metrics: [String]) throws -> [String: Double] {
        guard let masking else { throw ConfigError(key: "tokenizer", "a masked-LM task needs a mask token ([MASK] or <mask>) in the tokenizer") }
        let language = encoded.examples.first?.language ?? ""
        var random = RandomStream(seed: seed, name: "mlm-dev/\(spec.name)/\(language)")
        let pad = Int32(model.config.padTokenId)
        var lossTotal = 0.0, masked = 0, right = 0
        try batches(encoded.features.count, batchSize) { range in
            let collated = BatchAssembly.collate(Array(encoded.features[range]), pad: pad, masking: masking, random: &random)
            guard case .tokenClasses(let labels) = collated.targets else { return }
            let n = labels.filter { $0 != EncodedExample.ignoreIndex }.count
            let loss = try model.loss(head: head.name, batch: collated.batch, targets: collated.targets, training: false, backward: false)
            lossTotal += Double(loss) * Double(n)
            masked += n
            let rows = try prediction(try model.predict(head: head.name, batch: collated.batch), "token classes") {
                if case .tokenClasses(let r) = $0 { return r } else { return nil }
            }
            let t = collated.batch.length
            for (i, row) in rows.enumerated() {
                for (j, p) in row.enumerated() where labels[i * t + j] != EncodedExample.ignoreIndex && p == Int(labels[i * t + j]) { right += 1 }
            }
        }
        var out: [String: Double] = [:]
        out["mlm_accuracy"] = masked > 0 ? Double(right) / Double(masked) : .nan
        out["perplexity"] = masked > 0 ? exp(lossTotal / Double(masked)) : .nan
        return out.filter { metrics.contains($0.key) }
    }
}
