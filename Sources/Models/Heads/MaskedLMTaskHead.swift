import Engine

/// The engine's tied MLM head (`cls.predictions.*`, decoder = word embeddings) as a task head: targets
/// are per-token vocabulary ids with the ignore index on unmasked positions. Over a frozen base the loss runs the
/// head on the masked positions only (`MLMHead.maskedLoss`); when the tied decoder trains it runs on every position,
/// as runs computed before sparse prediction did (the two paths' weight-gradient sums differ in the last bits, and a
/// small model turns that into other results). Predictions cover every position.
public final class MaskedLMTaskHead: TaskHead {
    public let spec: HeadSpec
    public let mlm: MLMHead

    public init(_ spec: HeadSpec, encoder: TransformerEncoder) throws {
        self.spec = spec
        mlm = try MLMHead(config: encoder.config, store: encoder.store, tiedTo: encoder, maxTokens: encoder.maxBatch * encoder.maxLength)
    }

    public func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float {
        try input.validate("head \(spec.name)")
        guard case .tokenClasses(let labels) = targets else { throw targetsMismatch(spec, "per-token vocabulary id") }
        if let dHidden { try EngineError.check("head \(spec.name)", "d hidden", dHidden.shape, equals: input.hidden.shape) }
        guard mlm.decoderTrains else {
            // A frozen base: only the masked positions go through the transform and the decoder (sparse prediction).
            let loss = try mlm.maskedLoss(hidden: input.hidden, labels: labels, computeGradient: dHidden != nil)
            if let dHidden { try mlm.maskedBackward(into: dHidden) }
            return loss
        }
        try mlm.forward(hidden: input.hidden)
        let loss = try mlm.loss(labels: labels, computeGradient: dHidden != nil)
        if let dHidden {
            let g = try mlm.backward()
            dHidden.data.update(from: g.data, count: g.count)
        }
        return loss
    }

    public func predict(_ input: HeadInput) throws -> HeadPrediction {
        try input.validate("head \(spec.name)")
        let logits = try mlm.forward(hidden: input.hidden)
        // Only the best id per token: copying out [tokens, vocab] scores would dwarf the forward pass.
        let v = logits.shape.last
        let best = (0..<logits.shape.rows).map { r -> Int in
            let row = logits.data + r * v
            var b = 0
            for j in 1..<v where row[j] > row[b] { b = j }
            return b
        }
        let t = input.length
        return .tokenClasses((0..<input.sequences).map { Array(best[($0 * t)..<(($0 + 1) * t)]) })
    }
}
