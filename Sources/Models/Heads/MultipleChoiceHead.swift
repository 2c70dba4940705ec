import Engine

/// Multiple choice: each (context, choice) pair is one sequence, scored by pooled → dense → tanh →
/// dropout → one output; the batch holds `num_choices` consecutive sequences per example and the loss
/// is the cross-entropy of the softmax over each example's choices.
public final class MultipleChoiceHead: TaskHead {
    public let spec: HeadSpec
    let body: PooledProjection
    private let rowLossBuf = ScratchBuffer()

    public init(_ spec: HeadSpec, hiddenSize: Int, store: ParameterStore, initializerRange: Float = 0.02) throws {
        self.spec = spec
        body = try PooledProjection(prefix: TaskHeads.prefix(spec.name), hiddenSize: hiddenSize, outputs: 1,
                                    pooling: spec.pooling, dropout: spec.dropout, store: store, initializerRange: initializerRange)
    }

    private func examples(_ input: HeadInput) throws -> Int {
        let c = spec.numChoices
        try EngineError.require(input.sequences % c == 0, "head \(spec.name)",
                                "\(input.sequences) sequences are not a multiple of \(c) choices")
        return input.sequences / c
    }

    public func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float {
        try input.validate("head \(spec.name)")
        guard case .classes(let answers) = targets else { throw targetsMismatch(spec, "class (choice index)") }
        let n = try examples(input)
        try EngineError.require(answers.count == n, "head \(spec.name)", "\(answers.count) answers for \(n) examples")
        let scores = try body.forward(input, dropoutSeed: dropoutSeed)
        let grouped = try scores.reshaped(.matrix(n, spec.numChoices))
        let rowLoss = rowLossBuf.tensor(.vector(n))
        let (loss, _) = try answers.withUnsafeBufferPointer {
            try CrossEntropyOp.forward(logits: grouped, targets: $0, rowLoss: rowLoss, writeGradient: dHidden != nil)
        }
        if let dHidden { try body.backward(input, dScores: scores, dHidden: dHidden) }
        return loss
    }

    public func predict(_ input: HeadInput) throws -> HeadPrediction {
        try input.validate("head \(spec.name)")
        let n = try examples(input)
        return argmaxRows(try body.forward(input, dropoutSeed: nil).reshaped(.matrix(n, spec.numChoices)))
    }
}
