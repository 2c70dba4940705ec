import Engine
import Foundation
import Models
import Platform
import Runs
import Tasks

/// Pooled hidden states of a frozen encoder, for probes: one feature matrix per requested layer from a
/// single forward pass per batch (0 = embeddings, numLayers = last block).
public enum FeatureExtractor {
    public static func features(model: MultiTaskModel, examples: [EncodedExample], layers: [Int], pooling: Pooling,
                                batchSize: Int, pad: Int32) throws -> [Int: FeatureMatrix] {
        let encoder = model.encoder
        let d = encoder.config.hiddenSize
        var values: [Int: [Float]] = [:]
        for l in layers {
            try EngineError.require(l >= 0 && l <= encoder.config.numLayers, "probe features", "layer \(l) outside 0...\(encoder.config.numLayers)")
            values[l] = []
            values[l]!.reserveCapacity(examples.count * d)
        }
        let step = max(1, min(batchSize, encoder.maxBatch))
        var start = 0
        while start < examples.count {
            let chunk = Array(examples[start..<min(examples.count, start + step)])
            let batch = BatchAssembly.collate(chunk, pad: pad).batch
            _ = try model.encode(batch, training: false)
            let t = batch.length
            for l in layers {
                let hidden = try encoder.hiddenState(after: l)
                for i in 0..<batch.batch {
                    let v = SentenceEmbedder.pool(hidden, attentionMask: batch.attentionMask, sequence: i, length: t,
                                                  dim: d, pooling: pooling)
                    values[l]!.append(contentsOf: v.map { Float($0) })
                }
            }
            start += chunk.count
        }
        return values.mapValues { FeatureMatrix(rows: examples.count, columns: d, values: $0) }
    }
}
