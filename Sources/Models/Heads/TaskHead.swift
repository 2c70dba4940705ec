import Engine

/// A task head on the shared encoder. Heads register their weights in the model's `ParameterStore`
/// under `heads.<name>.`, so the optimizer, clipping and checkpoints treat them like the encoder's.
public protocol TaskHead: AnyObject {
    var spec: HeadSpec { get }
    /// Computes the loss. With `dHidden` (shaped like `input.hidden`) it also runs the backward pass:
    /// writes d loss / d hidden there (overwriting) and adds the head's weight gradients to the store.
    /// `dropoutSeed` nil disables dropout (evaluation, gradient checks).
    func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float
    /// Predictions without dropout.
    func predict(_ input: HeadInput) throws -> HeadPrediction
}

extension TaskHead {
    public var name: String { spec.name }
}

public enum TaskHeads {
    /// Weight-name prefix of a head.
    public static func prefix(_ name: String) -> String { "heads.\(name)." }

    /// The prefix every weight of the head `spec` describes is named under: the encoder's tied MLM head
    /// keeps BERT's `cls.predictions.`, any other head `heads.<name>.`.
    public static func parameterPrefix(of spec: HeadSpec) -> String {
        spec.kind == .mlm ? MLMHead.parameterPrefix : prefix(spec.name)
    }

    /// Builds a head and registers its weights (before the store is allocated). An MLM head is tied to
    /// the encoder's word embeddings and is built by `MaskedLMTaskHead` (or `MultiTaskModel`) instead.
    public static func make(_ spec: HeadSpec, hiddenSize: Int, store: ParameterStore, initializerRange: Float = 0.02) throws -> TaskHead {
        try spec.validate()
        switch spec.kind {
        case .sequenceClassification, .pairClassification:
            return try SequenceClassificationHead(spec, hiddenSize: hiddenSize, store: store, initializerRange: initializerRange)
        case .regression:
            return try RegressionHead(spec, hiddenSize: hiddenSize, store: store, initializerRange: initializerRange)
        case .tokenTagging:
            return try TokenTaggingHead(spec, hiddenSize: hiddenSize, store: store, initializerRange: initializerRange)
        case .spanQA:
            return try SpanQAHead(spec, hiddenSize: hiddenSize, store: store, initializerRange: initializerRange)
        case .multipleChoice:
            return try MultipleChoiceHead(spec, hiddenSize: hiddenSize, store: store, initializerRange: initializerRange)
        case .embedding:
            return EmbeddingHead(spec)
        case .lateInteraction:
            return LateInteractionHead(spec)
        case .labelMatching:
            return try LabelMatchingHead(spec, hiddenSize: hiddenSize, store: store, initializerRange: initializerRange)
        case .mlm:
            throw EngineError(op: "head \(spec.name)", "an MLM head is tied to an encoder: build it with MaskedLMTaskHead(spec, encoder:)")
        }
    }
}

func targetsMismatch(_ head: HeadSpec, _ expected: String) -> EngineError {
    EngineError(op: "head \(head.name)", "\(head.kind.rawValue) needs \(expected) targets")
}
