import Models
import Platform
import Runs

/// Collation: pads features into a `TokenBatch` with the head's targets (one implementation for every task type).
public enum BatchAssembly {
    public struct MaskingTokens: Sendable, Equatable {
        public var mask: Int32
        public var vocabSize: Int
        public init(mask: Int32, vocabSize: Int) { self.mask = mask; self.vocabSize = vocabSize }
    }

    /// A padded batch, the head's targets and the positions a head may pick (retrieval's matched tokens).
    public struct Collated {
        public var batch: TokenBatch
        public var targets: HeadTargets
        public var candidateMask: [Int32]?
    }

    /// Collates features without masked-LM masking (prediction and evaluation).
    public static func collate(_ features: [EncodedExample], pad: Int32) -> Collated {
        var noMasking = RandomStream(seed: 0)
        return collate(features, pad: pad, masking: nil, random: &noMasking)
    }

    /// The batch of `features` (in order) and its targets. MLM targets are drawn from `masking`:
    /// BERT's recipe, 15% of maskable tokens chosen, of which 80% become the mask token, 10% a random
    /// token and 10% stay; at least one token per batch is chosen so the loss is defined.
    /// Retrieval batches hold the n sources, then their n partners (the embedding head's in-batch contrastive
    /// layout) with the matching mask of their non-special tokens; multiple-choice batches hold each
    /// feature's choices consecutively.
    public static func collate(_ examples: [EncodedExample], pad: Int32, masking: MaskingTokens?, random: inout RandomStream) -> Collated {
        switch examples.first?.target {
        case .partner?:
            let all = examples.map { (ids: $0.ids, maskable: $0.maskable) } + partners(examples)
            let batch = TokenBatch(sequences: all.map(\.ids), pad: pad)
            return Collated(batch: batch, targets: .parallelPairs, candidateMask: paddedMask(all.map(\.maskable), length: batch.length))
        case .choices?:
            var sequences: [[Int32]] = [], types: [[Int32]] = [], answers: [Int32] = []
            var hasTypes = false
            for ex in examples {
                guard case .choices(let s, let t, let a) = ex.target else { preconditionFailure("a multiple-choice batch mixed with another task's features") }
                sequences += s
                if let t { hasTypes = true; types += t } else { types += s.map { [Int32](repeating: 0, count: $0.count) } }
                answers.append(a)
            }
            return Collated(batch: TokenBatch(sequences: sequences, tokenTypes: hasTypes ? types : nil, pad: pad), targets: .classes(answers))
        default:
            break
        }
        let hasTypes = examples.contains { $0.typeIDs != nil }
        var batch = TokenBatch(sequences: examples.map(\.ids),
                               tokenTypes: hasTypes ? examples.map { $0.typeIDs ?? [Int32](repeating: 0, count: $0.ids.count) } : nil,
                               pad: pad)
        let t = batch.length
        switch examples.first?.target {
        case .label?:
            return Collated(batch: batch, targets: .classes(examples.map { if case .label(let l) = $0.target { return l } else { return EncodedExample.ignoreIndex } }))
        case .value?:
            return Collated(batch: batch, targets: .values(examples.map { if case .value(let v) = $0.target { return v } else { return 0 } }))
        case .tags?:
            var tags = [Int32](repeating: EncodedExample.ignoreIndex, count: examples.count * t)
            for (i, ex) in examples.enumerated() {
                if case .tags(let row) = ex.target { for (j, tag) in row.enumerated() { tags[i * t + j] = tag } }
            }
            return Collated(batch: batch, targets: .tokenClasses(tags))
        case .span?:
            var starts: [Int32] = [], ends: [Int32] = []
            for ex in examples {
                guard case .span(let s, let e) = ex.target else { preconditionFailure("a span batch mixed with another task's features") }
                starts.append(s); ends.append(e)
            }
            return Collated(batch: batch, targets: .spans(start: starts, end: ends))
        case .partner?, .choices?:
            preconditionFailure("handled above")
        case .maskedLM?, nil:
            guard let masking else { preconditionFailure("masked-LM batch without a mask token") }
            var labels = [Int32](repeating: EncodedExample.ignoreIndex, count: examples.count * t)
            var chosen = 0
            for (i, ex) in examples.enumerated() {
                for j in 0..<ex.ids.count where ex.maskable[j] {
                    guard random.nextFloat() < 0.15 else { continue }
                    chosen += 1
                    labels[i * t + j] = ex.ids[j]
                    let r = random.nextFloat()
                    if r < 0.8 { batch.ids[i * t + j] = masking.mask }
                    else if r < 0.9 { batch.ids[i * t + j] = Int32(random.nextInt(below: masking.vocabSize)) }
                }
            }
            if chosen == 0, let (i, j) = firstMaskable(examples) {
                labels[i * t + j] = examples[i].ids[j]
                batch.ids[i * t + j] = masking.mask
            }
            return Collated(batch: batch, targets: .tokenClasses(labels))
        }
    }

    static func partners(_ examples: [EncodedExample]) -> [(ids: [Int32], maskable: [Bool])] {
        examples.map {
            guard case .partner(let ids, let maskable) = $0.target else { preconditionFailure("a retrieval batch mixed with another task's examples") }
            return (ids, maskable)
        }
    }

    /// One row of flags per sequence as a batch's N·T mask: 1 where the flag is set, 0 elsewhere and on padding.
    public static func paddedMask(_ rows: [[Bool]], length: Int) -> [Int32] {
        var mask: [Int32] = []
        mask.reserveCapacity(rows.count * length)
        for row in rows {
            mask += row.map { $0 ? 1 : 0 }
            mask += [Int32](repeating: 0, count: length - row.count)
        }
        return mask
    }

    static func firstMaskable(_ examples: [EncodedExample]) -> (Int, Int)? {
        for (i, ex) in examples.enumerated() { if let j = ex.maskable.firstIndex(of: true) { return (i, j) } }
        return nil
    }

    /// Non-padding tokens of a batch.
    public static func tokenCount(_ batch: TokenBatch) -> Int {
        var n = 0
        for m in batch.attentionMask where m != 0 { n += 1 }
        return n
    }
}
