import Engine
import Foundation
import Platform

/// Late interaction (ColBERT, Khattab & Zaharia 2020) over L2-normalized token vectors: a query q and a
/// document d score s(q, d) = mean over d's matching tokens l of max over q's matching tokens t of u_t·u_l.
/// Used for label matching, the "document" is a label's text and the query the text to label: every token of
/// the label must find itself somewhere in the text, so a label the model never trained on (a weekday
/// name) scores by whether its words occur, in context, in the text — where a pooled sentence vector
/// trained on other labels (months) keeps only what those labels needed.
///
/// Trained on retrieval batches (queries, then their documents) with in-batch softmax cross-entropy of
/// s/τ from each query to the batch's documents; the other queries' documents are the negatives. The
/// matching tokens are `candidateMask` (the trainer passes the non-special tokens), else every real token.
/// No weights of its own.
public final class LateInteractionHead: TaskHead {
    public let spec: HeadSpec
    private let normedBuf = ScratchBuffer(), normsBuf = ScratchBuffer(), dotsBuf = ScratchBuffer()
    private let scoresBuf = ScratchBuffer(), rowLossBuf = ScratchBuffer(), dNormedBuf = ScratchBuffer()
    private var diagonal: [Int32] = []

    public init(_ spec: HeadSpec) { self.spec = spec }

    /// Token positions that take part in matching, per sequence.
    static func matchingTokens(_ input: HeadInput) -> [[Int]] {
        let mask = input.candidateMask ?? input.attentionMask
        let t = input.length
        return (0..<input.sequences).map { i in (0..<t).filter { mask[i * t + $0] != 0 && input.attentionMask[i * t + $0] != 0 } }
    }

    /// Row-normalized copy of the hidden states [N·T, H] (valid until the next call) and the row norms.
    func normalized(_ input: HeadInput) throws -> (normed: Tensor, norms: Tensor) {
        let rows = input.sequences * input.length, h = input.width
        let x = try input.hidden.reshaped(.matrix(rows, h))
        let normed = normedBuf.tensor(.matrix(rows, h)), norms = normsBuf.tensor(.vector(rows))
        try L2NormalizeOp.forward(x: x, y: normed, norms: norms)
        return (normed, norms)
    }

    /// Scores [queries.count, documents.count] and, per (query, document, document token), the query token
    /// that matched it (an index into the rows of `normed`).
    static func scores(normed: Tensor, length t: Int, tokens: [[Int]], queries: Range<Int>, documents: Range<Int>,
                       dots: Tensor) throws -> (scores: [Float], argmax: [[[Int]]]) {
        let dRows = documents.count * t
        // All token-pair cosines at once: [query rows, document rows].
        try Matmul.multiply(normed.rows(queries.lowerBound * t..<queries.upperBound * t), .none,
                            normed.rows(documents.lowerBound * t..<documents.upperBound * t), .transposed, into: dots)
        var out = [Float](repeating: 0, count: queries.count * documents.count)
        var argmax: [[[Int]]] = Array(repeating: [], count: queries.count)
        for (qi, q) in queries.enumerated() {
            argmax[qi].reserveCapacity(documents.count)
            for (di, d) in documents.enumerated() {
                var best: [Int] = []
                best.reserveCapacity(tokens[d].count)
                var sum: Float = 0
                for l in tokens[d] {
                    let column = di * t + l
                    var m = -Float.infinity, at = -1
                    for tq in tokens[q] {
                        let v = dots[(qi * t + tq) * dRows + column]
                        if v > m { m = v; at = tq }
                    }
                    if at >= 0 { sum += m }
                    best.append(at < 0 ? -1 : q * t + at)
                }
                out[qi * documents.count + di] = tokens[d].isEmpty || tokens[q].isEmpty ? 0 : sum / Float(tokens[d].count)
                argmax[qi].append(best)
            }
        }
        return (out, argmax)
    }

    public func loss(_ input: HeadInput, targets: HeadTargets, dHidden: Tensor?, dropoutSeed: UInt64?) throws -> Float {
        try input.validate("head \(spec.name)")
        guard case .parallelPairs = targets else { throw targetsMismatch(spec, "parallel-pair") }
        let total = input.sequences, t = input.length, h = input.width
        try EngineError.require(total >= 2 && total % 2 == 0, "head \(spec.name)",
                                "contrastive batch needs an even number (queries then documents) of sequences, got \(total)")
        let n = total / 2
        let tokens = LateInteractionHead.matchingTokens(input)
        let (normed, norms) = try normalized(input)
        let dots = dotsBuf.tensor(.matrix(n * t, n * t))
        let (raw, argmax) = try LateInteractionHead.scores(normed: normed, length: t, tokens: tokens, queries: 0..<n, documents: n..<total, dots: dots)
        let invTau = 1 / spec.temperature
        let logits = scoresBuf.tensor(.matrix(n, n))
        for k in 0..<n * n { logits[k] = raw[k] * invTau }
        if diagonal.count != n { diagonal = (0..<Int32(n)).map { $0 } }
        let rowLoss = rowLossBuf.tensor(.vector(n))
        let (loss, _) = try diagonal.withUnsafeBufferPointer { d in
            try CrossEntropyOp.forward(logits: logits, targets: d, rowLoss: rowLoss, writeGradient: dHidden != nil)
        }
        guard let dHidden else { return loss }
        try EngineError.check("head \(spec.name)", "d hidden", dHidden.shape, equals: input.hidden.shape)
        // d s(q, d) reaches only the matched pairs: d u_t += g u_l and d u_l += g u_t, g = dZ / (τ |d|).
        let dNormed = dNormedBuf.tensor(.matrix(total * t, h))
        dNormed.zero()
        for q in 0..<n {
            for di in 0..<n {
                let d = n + di
                guard !tokens[d].isEmpty else { continue }
                let g = logits[q * n + di] * invTau / Float(tokens[d].count)
                for (k, l) in tokens[d].enumerated() {
                    let row = argmax[q][di][k]
                    guard row >= 0 else { continue }
                    let docRow = d * t + l
                    let dq = dNormed.data + row * h, dd = dNormed.data + docRow * h
                    let uq = normed.data + row * h, ud = normed.data + docRow * h
                    for c in 0..<h { dq[c] += g * ud[c]; dd[c] += g * uq[c] }
                }
            }
        }
        try L2NormalizeOp.backward(dy: dNormed, y: normed, norms: norms, dx: try dHidden.reshaped(.matrix(total * t, h)))
        return loss
    }

    /// Normalized token vectors per sequence, only the matching tokens (what `score` compares).
    public func tokenVectors(_ input: HeadInput) throws -> [[[Float]]] {
        try input.validate("head \(spec.name)")
        let t = input.length, h = input.width
        let tokens = LateInteractionHead.matchingTokens(input)
        let (normed, _) = try normalized(input)
        return (0..<input.sequences).map { i in
            tokens[i].map { Array(UnsafeBufferPointer(start: normed.data + (i * t + $0) * h, count: h)) }
        }
    }

    /// The late-interaction score of a query's and a document's token vectors (from `tokenVectors`).
    public static func score(query: [[Float]], document: [[Float]]) -> Float {
        guard !query.isEmpty, !document.isEmpty else { return 0 }
        var sum: Float = 0
        for l in document {
            var m = -Float.infinity
            for u in query {
                var s: Float = 0
                for c in 0..<l.count { s += l[c] * u[c] }
                m = max(m, s)
            }
            sum += m
        }
        return sum / Float(document.count)
    }

    /// Mean of the normalized matching-token vectors per sequence: a pooled view for callers that need one
    /// vector (it is not what the head scores with).
    public func predict(_ input: HeadInput) throws -> HeadPrediction {
        .embeddings(try tokenVectors(input).map { rows in
            guard let first = rows.first else { return [Float](repeating: 0, count: input.width) }
            var v = [Float](repeating: 0, count: first.count)
            for r in rows { for c in 0..<r.count { v[c] += r[c] / Float(rows.count) } }
            return v
        })
    }
}
