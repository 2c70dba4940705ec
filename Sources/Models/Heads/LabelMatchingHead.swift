import Engine
import Foundation
import Platform

/// TARS-style label matching (Halder et al. 2020, flair's TARSClassifier): every (label name, text) pair is
/// encoded as one sequence "label [SEP] text" and scored by a binary classifier (pooled → dense → tanh →
/// dropout → one logit, binary cross-entropy). A text's prediction is the label whose pair scores
/// highest, so any task can be scored zero-shot from its label names.
public final class LabelMatchingHead: TaskHead {
    public let spec: HeadSpec
    let body: PooledProjection

    public init(_ spec: HeadSpec, hiddenSize: Int, store: ParameterStore, initializerRange: Float = 0.02) throws {
        self.spec = spec
        body = try PooledProjection(prefix: TaskHeads.prefix(spec.name), hiddenSize: hiddenSize, outputs: 1,
                                    pooling: spec.pooling, dropout: spec.dropout, store: store, initializerRange: initializerRange)
    }

    /// Targets: `.values` with 1 for a matching pair and 0 otherwise.
    public func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float {
        try input.validate("head \(spec.name)")
        guard case .values(let gold) = targets else { throw targetsMismatch(spec, "0/1 value") }
        let n = input.sequences
        try EngineError.require(gold.count == n, "head \(spec.name)", "\(gold.count) targets for \(n) pairs")
        let x = try body.forward(input, dropoutSeed: dropoutSeed)
        var total = 0.0
        for i in 0..<n {
            let z = x[i], t = gold[i]
            try EngineError.require(t >= 0 && t <= 1, "head \(spec.name)", "target \(t) of pair \(i) is outside [0, 1]")
            // Stable BCE with logits: max(z, 0) − z t + log(1 + e^{−|z|}).
            total += Double(max(z, 0) - z * t) + Foundation.log1p(Foundation.exp(-Double(abs(z))))
            x[i] = (1 / (1 + Foundation.exp(-z)) - t) / Float(n)
        }
        let loss = Float(total / Double(n))
        try EngineError.require(loss.isFinite, "head \(spec.name)", "binary cross-entropy is \(loss)")
        if let dHidden { try body.backward(input, dScores: x, dHidden: dHidden) }
        return loss
    }

    /// Scores every pair; groups of `labelsPerText` consecutive pairs belong to one text and its
    /// prediction is the best label index within the group.
    public func predict(_ input: HeadInput, labelsPerText: Int) throws -> HeadPrediction {
        try input.validate("head \(spec.name)")
        try EngineError.require(labelsPerText > 0 && input.sequences % labelsPerText == 0, "head \(spec.name)",
                                "\(input.sequences) pairs are not a multiple of \(labelsPerText) labels")
        let x = try body.forward(input, dropoutSeed: nil)
        return argmaxRows(try x.reshaped(.matrix(input.sequences / labelsPerText, labelsPerText)))
    }

    /// Each pair scored on its own (one "text" per pair).
    public func predict(_ input: HeadInput) throws -> HeadPrediction {
        try input.validate("head \(spec.name)")
        return .values(try body.forward(input, dropoutSeed: nil).toArray())
    }

    /// Training pairs for one labelled text: the gold label (target 1) and up to `negatives` other labels
    /// (target 0) drawn without replacement from `rng`, as TARS samples negatives.
    public static func trainingPairs(gold: Int, labels: [String], negatives: Int, rng: inout RandomStream) -> [(label: String, target: Float)] {
        var others = labels.indices.filter { $0 != gold }
        rng.shuffle(&others)
        var pairs: [(label: String, target: Float)] = [(labels[gold], 1)]
        for i in others.prefix(negatives) { pairs.append((labels[i], 0)) }
        return pairs
    }

    /// How a label name is shown to the encoder: underscores and hyphens become spaces ("science/technology"
    /// stays as is), so label ids like `sci_tech` read as words.
    public static func labelText(_ label: String) -> String {
        String(String.UnicodeScalarView(label.unicodeScalars.map { $0 == "_" || $0 == "-" ? " " : $0 }))
    }
}
