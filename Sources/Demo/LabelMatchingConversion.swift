import Engine
import Evaluation
import Foundation
import Models
import Platform

/// Rewrites a trained two-class pair head (`match`/`other`) as a label-matching head of the same name.
/// Exact: the pair head's softmax gives P(match) = σ(z_match − z_other), and z_match − z_other is one
/// linear projection of the same pooled features with weights w_match − w_other and bias b_match − b_other,
/// which is the label-matching head's single logit. Every other weight is copied unchanged.
public enum LabelMatchingConversion {
    /// Converts head `head` of the checkpoint folder `dir` (a `ModelCheckpoint` folder) in place; files the
    /// checkpoint carries besides the model (tokenizer side files) are kept.
    public static func convert(checkpoint dir: URL, head: String, match: String = LabelMatchingPairs.match,
                               other: String = LabelMatchingPairs.other) throws {
        let (config, specs) = try ModelCheckpoint.readStructure(dir)
        guard let old = specs.first(where: { $0.name == head }) else {
            throw ConfigError(key: "heads", "\(dir.path): no head named '\(head)' (heads: \(specs.map(\.name).joined(separator: ", ")))")
        }
        guard old.kind == .pairClassification, let m = old.labels.firstIndex(of: match), let o = old.labels.firstIndex(of: other),
              old.labels.count == 2 else {
            throw ConfigError(key: "heads.\(head)", "\(dir.path): expected a pair-classification head with labels \(match) and \(other), found \(old.kind.rawValue) \(old.labels)")
        }
        let source = try ModelCheckpoint.load(dir, maxBatch: 1, maxLength: config.encoder.maxPositions)
        let newSpec = HeadSpec(name: head, kind: .labelMatching, pooling: old.pooling, dropout: old.dropout)
        let target = try MultiTaskModel(config: config, heads: specs.map { $0.name == head ? newSpec : $0 }, maxBatch: 1,
                                        maxLength: config.encoder.maxPositions)
        let prefix = TaskHeads.prefix(head)
        let hidden = config.encoder.hiddenSize
        for name in target.store.names {
            switch name {
            case prefix + "proj.weight":
                let w = try source.store.get(name)
                try target.store.set(name, values: (0..<hidden).map { w[m * hidden + $0] - w[o * hidden + $0] })
            case prefix + "proj.bias":
                let b = try source.store.get(name)
                try target.store.set(name, values: [b[m] - b[o]])
            default:
                try target.store.set(name, values: try source.store.get(name))
            }
        }
        target.extraTensors = source.extraTensors
        let written: Set<String> = [ModelCheckpoint.modelFile, ModelCheckpoint.headsFile, ModelCheckpoint.weightsFile,
                                    ModelCheckpoint.tokenizerFile, ModelCheckpoint.manifestFile]
        var extra: [String: Data] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where !written.contains(file) && !file.hasPrefix(".") {
            extra[file] = try InputFile.readData(dir.appendingPathComponent(file).path, limit: InputLimits.jsonBytes, what: "model file")
        }
        let tokenizerURL = ModelCheckpoint.tokenizerURL(dir)
        let tokenizer = FileManager.default.fileExists(atPath: tokenizerURL.path) ? try InputFile.readData(tokenizerURL.path, limit: InputLimits.jsonBytes, what: "tokenizer") : nil
        try ModelCheckpoint.save(target, tokenizerJSON: tokenizer, to: dir, extraFiles: extra)
    }
}
