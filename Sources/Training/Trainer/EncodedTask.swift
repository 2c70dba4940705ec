import Data
import Foundation
import Platform
import Text

/// One example as token ids with its target.
public struct EncodedExample: Sendable, Equatable {
    public var ids: [Int32]
    /// Segment ids for pairs (nil: all 0).
    public var typeIDs: [Int32]?
    public var target: Target
    /// Positions MLM may mask (not special tokens).
    public var maskable: [Bool]

    public enum Target: Sendable, Equatable {
        case label(Int32)
        case value(Float)
        /// One tag id per token; `ignoreIndex` where no word starts.
        case tags([Int32])
        /// Masked LM: targets are drawn when the batch is made.
        case maskedLM
        /// Retrieval: the token ids of the sequence this one should embed next to (its translation); the
        /// batch's other partners are its negatives.
        case partner(ids: [Int32], maskable: [Bool])
    }

    public static let ignoreIndex: Int32 = -100
}

/// A task's examples encoded for training (every training language together) and for dev evaluation
/// (per language).
public struct EncodedTask {
    public let spec: TaskSpec
    public let entry: TaskEntry
    public let headName: String
    public let labels: LabelSet?
    public var train: [EncodedExample]
    /// Dev examples by language.
    public var dev: [String: [EncodedExample]]

    /// Encodes `examples` of a task with `tokenizer` (its `maxLength` truncates).
    public static func encode(_ examples: [Example], spec: TaskSpec, labels: LabelSet?, tokenizer: Tokenizer) throws -> [EncodedExample] {
        let state = EncoderState()
        var out: [EncodedExample] = []
        out.reserveCapacity(examples.count)
        for ex in examples {
            let where_ = "task \(spec.name), example \(ex.id)"
            switch (spec.type, ex.input) {
            case (.classification, .text(let t)), (.regression, .text(let t)), (.mlm, .text(let t)):
                let e = try tokenizer.encode(t, state: state)
                out.append(EncodedExample(ids: e.ids.map(Int32.init), typeIDs: nil, target: try target(ex, spec, labels, where_),
                                          maskable: e.specialTokensMask.map { !$0 }))
            case (.pairClassification, .textPair(let a, let b)), (.regression, .textPair(let a, let b)):
                let e = try tokenizer.encode(pair: a, b, state: state)
                out.append(EncodedExample(ids: e.ids.map(Int32.init), typeIDs: e.typeIDs.map(Int32.init),
                                          target: try target(ex, spec, labels, where_), maskable: e.specialTokensMask.map { !$0 }))
            case (.retrieval, .translation(let source, let translation)):
                let a = try tokenizer.encode(source, state: state), b = try tokenizer.encode(translation, state: state)
                out.append(EncodedExample(ids: a.ids.map(Int32.init), typeIDs: nil, target: .partner(ids: b.ids.map(Int32.init), maskable: b.specialTokensMask.map { !$0 }),
                                          maskable: a.specialTokensMask.map { !$0 }))
            case (.tagging, .tagged(let tagged)):
                guard let labels else { throw ConfigError(file: spec.sourcePath, key: "labels", "a tagging task needs labels") }
                let e = try tokenizer.encode(words: tagged.words, state: state)
                let first = e.firstSubwordOfWord
                var tags = [Int32](repeating: EncodedExample.ignoreIndex, count: e.count)
                for k in 0..<e.count where first[k] {
                    guard let w = e.wordIndex[k], w < tagged.tags.count else { continue }
                    guard let id = labels.id(of: tagged.tags[w]) else {
                        throw FileError(path: spec.sourcePath, "\(where_): tag '\(tagged.tags[w])' is not in the label set")
                    }
                    tags[k] = Int32(id)
                }
                out.append(EncodedExample(ids: e.ids.map(Int32.init), typeIDs: nil, target: .tags(tags), maskable: e.specialTokensMask.map { !$0 }))
            default:
                throw FileError(path: spec.sourcePath, "\(where_): a \(spec.type.rawValue) task cannot train on this example's input")
            }
        }
        return out
    }

    static func target(_ ex: Example, _ spec: TaskSpec, _ labels: LabelSet?, _ where_: String) throws -> EncodedExample.Target {
        switch spec.type {
        case .classification, .pairClassification:
            guard let name = ex.label, let id = labels?.id(of: name) else {
                throw FileError(path: spec.sourcePath, "\(where_): label '\(ex.label ?? "(none)")' is not in the label set")
            }
            return .label(Int32(id))
        case .regression:
            guard let v = ex.value else { throw FileError(path: spec.sourcePath, "\(where_): no value to regress on") }
            return .value(Float(v))
        default:
            return .maskedLM
        }
    }
}
