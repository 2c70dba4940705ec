import Engine

/// One real value per sequence (pooled → dense → tanh → dropout → one output), mean squared error.
public final class RegressionHead: TaskHead {
    public let spec: HeadSpec
    let body: PooledProjection

    public init(_ spec: HeadSpec, hiddenSize: Int, store: ParameterStore, initializerRange: Float = 0.02) throws {
        self.spec = spec
        body = try PooledProjection(prefix: TaskHeads.prefix(spec.name), hiddenSize: hiddenSize, outputs: 1,
                                    pooling: spec.pooling, dropout: spec.dropout, store: store, initializerRange: initializerRange)
    }

    public func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float {
        try input.validate("head \(spec.name)")
        guard case .values(let gold) = targets else { throw targetsMismatch(spec, "value") }
        let n = input.sequences
        try EngineError.require(gold.count == n, "head \(spec.name)", "\(gold.count) targets for \(n) sequences")
        let y = try body.forward(input, dropoutSeed: dropoutSeed)
        var total = 0.0
        for i in 0..<n {
            let e = y[i] - gold[i]
            total += Double(e * e)
            // d/dy of mean((y − t)²), written over y for the backward.
            y[i] = 2 * e / Float(n)
        }
        let loss = Float(total / Double(n))
        try EngineError.require(loss.isFinite, "head \(spec.name)", "mean squared error is \(loss)")
        if let dHidden { try body.backward(input, dScores: y, dHidden: dHidden) }
        return loss
    }

    public func predict(_ input: HeadInput) throws -> HeadPrediction {
        try input.validate("head \(spec.name)")
        return .values(try body.forward(input, dropoutSeed: nil).toArray())
    }
}
