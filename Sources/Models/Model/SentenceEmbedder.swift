import Engine
import Foundation

/// Sentence vectors from an encoder, as sentence-transformers computes them: hidden states of a layer
/// (the last by default), pooled over real tokens (mean) or taken at [CLS], optionally L2-normalized.
public struct SentenceEmbedder {
    public var pooling: Pooling
    public var normalize: Bool
    /// Layer whose output is pooled: 0 = embeddings, `numLayers` = last (nil).
    public var layer: Int?
    public var batchSize: Int

    public init(pooling: Pooling = .mean, normalize: Bool = true, layer: Int? = nil, batchSize: Int = 32) {
        self.pooling = pooling; self.normalize = normalize; self.layer = layer; self.batchSize = batchSize
    }

    /// One vector per sequence of token ids (each within the encoder's positions), through the inference
    /// pass: sequences sorted longest first and cut into batches of `batchSize`, as sentence-transformers
    /// batches, each batch packed without padding; the vectors come back in input order.
    public func embed(_ sequences: [[Int32]], with inference: EncoderInference) throws -> [[Float]] {
        let encoder = inference.encoder
        let d = encoder.config.hiddenSize
        if let layer {
            try EngineError.require(layer >= 0 && layer <= encoder.config.numLayers, "embed", "layer \(layer) outside 0...\(encoder.config.numLayers)")
        }
        for (i, s) in sequences.enumerated() {
            try EngineError.require(!s.isEmpty && s.count <= encoder.config.maxPositions, "embed",
                                    "sequence \(i) has \(s.count) tokens; the encoder takes 1...\(encoder.config.maxPositions)")
        }
        let order = sequences.indices.sorted { (sequences[$0].count, $1) > (sequences[$1].count, $0) }
        var out = [[Float]](repeating: [], count: sequences.count)
        var start = 0
        let step = Swift.max(1, batchSize)
        while start < order.count {
            let members = order[start..<Swift.min(order.count, start + step)]
            let hidden = try inference.forward(tokenIDs: members.flatMap { sequences[$0] }, lengths: members.map { sequences[$0].count },
                                               through: layer)
            for (i, index) in members.enumerated() {
                var v = SentenceEmbedder.pool(hidden, rows: inference.rows(of: i), dim: d, pooling: pooling)
                if normalize {
                    let norm = Swift.max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    for c in 0..<d { v[c] /= norm }
                }
                out[index] = v.map { Float($0) }
            }
            start += members.count
        }
        return out
    }

    /// The pooled vector of the rows `rows` of a [n, D] hidden-state matrix (one sequence's real tokens),
    /// accumulated in Double: the first row ([CLS]) or the mean of the rows (zero when there are none).
    public static func pool(_ hidden: Tensor, rows: Range<Int>, dim d: Int, pooling: Pooling) -> [Double] {
        var v = [Double](repeating: 0, count: d)
        guard !rows.isEmpty else { return v }
        switch pooling {
        case .cls:
            for c in 0..<d { v[c] = Double(hidden[rows.lowerBound * d + c]) }
        case .mean:
            for r in rows {
                for c in 0..<d { v[c] += Double(hidden[r * d + c]) }
            }
            for c in 0..<d { v[c] /= Double(rows.count) }
        }
        return v
    }
}
