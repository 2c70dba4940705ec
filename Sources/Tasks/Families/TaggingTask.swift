import Data
import Foundation
import Models
import Platform
import Runs
import Text

/// Word tagging (UD POS, NER): tags sit on each word's first subword. A sentence longer than the tokenizer's
/// `maxLength` is split into windows of whole words (XTREME splits long sentences too): each window scores
/// the words it owns, consecutive and disjoint, and carries up to a quarter of its capacity of the preceding
/// words as left context, so every word is trained on and predicted exactly once.
public struct TaggingTask: TaskFamily {
    public let spec: TaskSpec
    public let head: HeadSpec

    /// A window over words `context..<end` that scores words `owned..<end`.
    public struct WordWindow: Equatable, Sendable {
        public var context: Int
        public var owned: Int
        public var end: Int
    }

    /// Windows over words with `tokens[w]` subwords each, `capacity` subwords per window (special tokens excluded).
    public static func windows(tokens: [Int], capacity: Int) -> [WordWindow] {
        precondition(capacity >= 1)
        var out: [WordWindow] = []
        var owned = 0
        while owned < tokens.count {
            // The first window may fill up; later ones keep a quarter of the capacity for left context.
            let budget = owned == 0 ? capacity : max(1, capacity - capacity / 4)
            var end = owned + 1, used = tokens[owned]
            while end < tokens.count && used + tokens[end] <= budget { used += tokens[end]; end += 1 }
            var context = owned
            while context > 0 && used + tokens[context - 1] <= capacity { context -= 1; used += tokens[context] }
            out.append(WordWindow(context: context, owned: owned, end: end))
            owned = end
        }
        return out
    }

    public func encode(_ examples: [Example], tokenizer: Tokenizer) throws -> EncodedExamples {
        let state = EncoderState()
        var whole = tokenizer
        whole.maxLength = nil
        var report = EncodingReport()
        var features: [EncodedExample] = []
        let labels = head.labelSet
        for (i, ex) in examples.enumerated() {
            guard case .tagged(let tagged) = ex.input else { throw spec.wrongInput(ex) }
            let gold: [Int32] = try tagged.tags.map { tag in
                guard let id = labels.id(of: tag) else {
                    throw FileError(path: spec.sourcePath, "\(spec.location(ex)): tag '\(excerpt(tag))' is not in the label set of head '\(head.name)'")
                }
                return Int32(id)
            }
            let full = try whole.encode(words: tagged.words, state: state)
            let specials = full.specialTokensMask.filter { $0 }.count
            if let limit = tokenizer.maxLength, full.count > limit {
                var counts = [Int](repeating: 0, count: tagged.words.count)
                for w in full.wordIndex { if let w, w < counts.count { counts[w] += 1 } }
                let capacity = max(1, limit - specials)
                let windows = TaggingTask.windows(tokens: counts.map { max($0, 1) }, capacity: capacity)
                report.add("sentences-split")
                report.add("windows", windows.count)
                for w in windows {
                    var e = try whole.encode(words: Array(tagged.words[w.context..<w.end]), state: state)
                    if e.count > limit {
                        // One word longer than a window: its first subwords stay, so it is still scored.
                        report.add("words-cut-to-window")
                        var cut = tokenizer
                        cut.maxLength = limit
                        e = try cut.encode(words: Array(tagged.words[w.context..<w.end]), state: state)
                    }
                    features.append(feature(e, gold: gold, offset: w.context, owned: w.owned, example: i))
                }
            } else {
                features.append(feature(full, gold: gold, offset: 0, owned: 0, example: i))
            }
            for w in 0..<tagged.words.count where !full.wordIndex.contains(w) { report.add("words-without-tokens") }
        }
        return EncodedExamples(examples: examples, tokenizer: tokenizer, features: features, report: report)
    }

    /// Tags on the first subword of each word from `owned` on (words before it are context).
    func feature(_ e: Encoding, gold: [Int32], offset: Int, owned: Int, example: Int) -> EncodedExample {
        let first = e.firstSubwordOfWord
        var tags = [Int32](repeating: EncodedExample.ignoreIndex, count: e.count)
        var wordAt = [Int32](repeating: -1, count: e.count)
        var seen = Set<Int>()
        for k in 0..<e.count where first[k] {
            guard let local = e.wordIndex[k] else { continue }
            let w = local + offset
            guard w >= owned, w < gold.count, seen.insert(w).inserted else { continue }
            tags[k] = gold[w]
            wordAt[k] = Int32(w)
        }
        return EncodedExample(ids: e.ids32, target: .tags(tags), maskable: e.maskable, example: example, wordAt: wordAt)
    }

    /// Each word's tag is the one predicted at its first subword in the window that owns it; a word with no
    /// token (empty after normalization) gets `_`, never a gold tag, so it counts as an error.
    public func predict(_ encoded: EncodedExamples, model: MultiTaskModel, batchSize: Int) throws -> [PredictionRecord] {
        var predicted: [[String]] = encoded.examples.map { ex in
            if case .tagged(let t) = ex.input { return [String](repeating: "_", count: t.words.count) }
            return []
        }
        let pad = Int32(model.config.padTokenId)
        try batches(encoded.features.count, batchSize) { range in
            let collated = BatchAssembly.collate(Array(encoded.features[range]), pad: pad)
            let rows = try prediction(try model.predict(head: head.name, batch: collated.batch), "token classes") {
                if case .tokenClasses(let r) = $0 { return r } else { return nil }
            }
            for (j, f) in range.enumerated() {
                let feature = encoded.features[f]
                for (k, w) in (feature.wordAt ?? []).enumerated() where w >= 0 {
                    predicted[feature.example][Int(w)] = head.labels[rows[j][k]]
                }
            }
        }
        return encoded.examples.enumerated().map { i, ex in
            let gold: [String]
            if case .tagged(let t) = ex.input { gold = t.tags } else { gold = [] }
            return PredictionRecord(id: ex.id, gold: .tags(gold), predicted: .tags(predicted[i]))
        }
    }
}
