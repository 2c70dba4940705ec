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

    /// One vector per sequence of token ids (each already within the encoder's length capacity).
    public func embed(_ sequences: [[Int32]], with encoder: TransformerEncoder, padID: Int32 = 0) throws -> [[Float]] {
        let d = encoder.config.hiddenSize
        if let layer {
            try EngineError.require(layer >= 0 && layer <= encoder.config.numLayers, "embed", "layer \(layer) outside 0...\(encoder.config.numLayers)")
        }
        let step = Swift.max(1, Swift.min(batchSize, encoder.maxBatch))
        for (i, s) in sequences.enumerated() {
            try EngineError.require(!s.isEmpty && s.count <= encoder.maxLength, "embed",
                                    "sequence \(i) has \(s.count) tokens; the encoder takes 1...\(encoder.maxLength)")
        }
        // Longest first, as sentence-transformers batches: each batch pads to lengths close to its own.
        let order = sequences.indices.sorted { (sequences[$0].count, $1) > (sequences[$1].count, $0) }
        var out = [[Float]](repeating: [], count: sequences.count)
        var start = 0
        while start < order.count {
            let members = order[start..<Swift.min(order.count, start + step)]
            let batch = TokenBatch(sequences: members.map { sequences[$0] }, pad: padID)
            var hidden = try encoder.forward(tokenIDs: batch.ids, attentionMask: batch.attentionMask, batch: batch.batch,
                                             length: batch.length, training: false)
            if let layer { hidden = try encoder.hiddenState(after: layer) }
            let t = batch.length
            for (i, index) in members.enumerated() {
                var v = SentenceEmbedder.pool(hidden, attentionMask: batch.attentionMask, sequence: i, length: t,
                                              dim: d, pooling: pooling)
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

    /// The pooled vector of sequence `i` of a row-major [B, T, D] hidden-state tensor, accumulated in Double:
    /// the [CLS] position, or the mean over the positions the attention mask marks as real (zero when none).
    public static func pool(_ hidden: Tensor, attentionMask: [Int32], sequence i: Int, length t: Int, dim d: Int,
                            pooling: Pooling) -> [Double] {
        var v = [Double](repeating: 0, count: d)
        switch pooling {
        case .cls:
            for c in 0..<d { v[c] = Double(hidden[i * t * d + c]) }
        case .mean:
            var count = 0
            for j in 0..<t where attentionMask[i * t + j] != 0 {
                count += 1
                let row = (i * t + j) * d
                for c in 0..<d { v[c] += Double(hidden[row + c]) }
            }
            for c in 0..<d { v[c] /= Double(Swift.max(count, 1)) }
        }
        return v
    }
}
