import Engine
import Foundation
import Models
import Platform
import Runs
import Tasks

/// Pooled hidden states of a frozen encoder, for probes: one feature matrix per requested layer from a
/// single forward pass per batch (0 = embeddings, numLayers = last block).
public enum FeatureExtractor {
    /// Each example's own token sequence (and segment ids) goes through the encoder's inference pass, longest
    /// first in batches of `batchSize`, packed without padding; every requested layer is copied on the way,
    /// pooled per example and stored in input order.
    public static func features(model: MultiTaskModel, examples: [EncodedExample], layers: [Int], pooling: Pooling,
                                batchSize: Int) throws -> [Int: FeatureMatrix] {
        let encoder = model.encoder
        let d = encoder.config.hiddenSize
        for l in layers {
            try EngineError.require(l >= 0 && l <= encoder.config.numLayers, "probe features", "layer \(l) outside 0...\(encoder.config.numLayers)")
        }
        var values: [Int: [Float]] = [:]
        for l in layers { values[l] = [Float](repeating: 0, count: examples.count * d) }
        let order = examples.indices.sorted { (examples[$0].ids.count, $1) > (examples[$1].ids.count, $0) }
        let anyTypes = examples.contains { $0.typeIDs != nil }
        let deepest = layers.max() ?? 0
        var start = 0
        while start < order.count {
            let members = order[start..<min(order.count, start + max(1, batchSize))]
            let ids = members.flatMap { examples[$0].ids }
            let types = anyTypes ? members.flatMap { examples[$0].typeIDs ?? [Int32](repeating: 0, count: examples[$0].ids.count) } : nil
            try model.inference.forward(tokenIDs: ids, lengths: members.map { examples[$0].ids.count }, tokenTypeIDs: types,
                                        through: deepest, keep: layers)
            for l in layers {
                let hidden = try model.inference.keptState(after: l)
                for (i, index) in members.enumerated() {
                    let v = SentenceEmbedder.pool(hidden, rows: model.inference.rows(of: i), dim: d, pooling: pooling)
                    for c in 0..<d { values[l]![index * d + c] = Float(v[c]) }
                }
            }
            start += members.count
        }
        return values.mapValues { FeatureMatrix(rows: examples.count, columns: d, values: $0) }
    }
}
