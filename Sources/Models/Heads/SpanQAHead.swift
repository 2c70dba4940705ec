import Engine

/// Extractive QA: a projection of each hidden state to (start, end) logits; the loss is the mean of the
/// start and end cross-entropies over each sequence's positions (as HF's *ForQuestionAnswering). The
/// prediction is the best span start ≤ end < start + max_answer_length inside the candidate tokens.
public final class SpanQAHead: TaskHead {
    public let spec: HeadSpec
    let proj: Linear
    private let logitsBuf = ScratchBuffer(), startBuf = ScratchBuffer(), endBuf = ScratchBuffer(), rowLossBuf = ScratchBuffer()

    public init(_ spec: HeadSpec, hiddenSize: Int, store: ParameterStore, initializerRange: Float = 0.02) throws {
        self.spec = spec
        proj = try Linear(TaskHeads.prefix(spec.name) + "proj", inFeatures: hiddenSize, outFeatures: 2,
                          store: store, initializerRange: initializerRange)
    }

    /// Start and end logits, each [N, T].
    private func logits(_ input: HeadInput) throws -> (start: Tensor, end: Tensor) {
        let n = input.sequences, t = input.length, rows = n * t
        let out = logitsBuf.tensor(.matrix(rows, 2))
        try proj.forward(try input.hidden.reshaped(.matrix(rows, input.width)), into: out)
        let s = startBuf.tensor(.matrix(n, t)), e = endBuf.tensor(.matrix(n, t))
        for r in 0..<rows { s[r] = out[2 * r]; e[r] = out[2 * r + 1] }
        return (s, e)
    }

    public func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float {
        try input.validate("head \(spec.name)")
        guard case .spans(let starts, let ends) = targets else { throw targetsMismatch(spec, "span") }
        let n = input.sequences, t = input.length, rows = n * t
        try EngineError.require(starts.count == n && ends.count == n, "head \(spec.name)",
                                "\(starts.count) starts and \(ends.count) ends for \(n) sequences")
        let (s, e) = try logits(input)
        let rowLoss = rowLossBuf.tensor(.vector(n))
        let write = dHidden != nil
        let ls = try starts.withUnsafeBufferPointer {
            try CrossEntropyOp.forward(logits: s, targets: $0, rowLoss: rowLoss, writeGradient: write, gradientScale: 0.5)
        }
        let le = try ends.withUnsafeBufferPointer {
            try CrossEntropyOp.forward(logits: e, targets: $0, rowLoss: rowLoss, writeGradient: write, gradientScale: 0.5)
        }
        if let dHidden {
            try EngineError.check("head \(spec.name)", "d hidden", dHidden.shape, equals: input.hidden.shape)
            let d = logitsBuf.tensor(.matrix(rows, 2))
            for r in 0..<rows { d[2 * r] = s[r]; d[2 * r + 1] = e[r] }
            try proj.backward(dy: d, x: try input.hidden.reshaped(.matrix(rows, input.width)),
                              dx: try dHidden.reshaped(.matrix(rows, input.width)))
        }
        return (ls.loss + le.loss) / 2
    }

    public func predict(_ input: HeadInput) throws -> HeadPrediction {
        try input.validate("head \(spec.name)")
        let n = input.sequences, t = input.length
        let (s, e) = try logits(input)
        var spans: [PredictedSpan] = [], startRows: [[Float]] = [], endRows: [[Float]] = []
        for i in 0..<n {
            let sr = Array(UnsafeBufferPointer(start: s.data + i * t, count: t))
            let er = Array(UnsafeBufferPointer(start: e.data + i * t, count: t))
            var allowed = [Bool](repeating: false, count: t)
            for j in 0..<t {
                allowed[j] = input.attentionMask[i * t + j] != 0 && (input.candidateMask.map { $0[i * t + j] != 0 } ?? true)
            }
            spans.append(SpanQAHead.bestSpan(start: sr, end: er, allowed: allowed, maxAnswerLength: spec.maxAnswerLength)
                         ?? PredictedSpan(start: 0, end: 0, score: -.infinity))
            startRows.append(sr); endRows.append(er)
        }
        return .spans(spans, startLogits: startRows, endLogits: endRows)
    }

    /// The highest start + end score over valid spans (both ends allowed, start ≤ end, at most
    /// `maxAnswerLength` tokens); nil when no token is allowed.
    public static func bestSpan(start: [Float], end: [Float], allowed: [Bool], maxAnswerLength: Int) -> PredictedSpan? {
        var best: PredictedSpan?
        for i in 0..<start.count where allowed[i] {
            for j in i..<min(end.count, i + maxAnswerLength) where allowed[j] {
                let score = start[i] + end[j]
                if best == nil || score > best!.score { best = PredictedSpan(start: i, end: j, score: score) }
            }
        }
        return best
    }
}
