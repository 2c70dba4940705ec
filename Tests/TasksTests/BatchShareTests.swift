import Engine
import Foundation
import Models
import Platform
import Testing
@testable import Tasks

/// A distributed rank's share of a batch: the shares of N ranks put together are the batch, their loss terms
/// add up to the batch's, and their losses and gradients weighted by `fraction` add up to the batch's, dropout
/// included (each share computed from the same random-stream state, as N ranks are).
@Suite struct BatchShareTests {
    func feature(_ ids: [Int32], _ target: EncodedExample.Target) -> EncodedExample {
        EncodedExample(ids: ids, target: target, maskable: ids.indices.map { $0 != 0 && $0 != ids.count - 1 })
    }

    var batches: [(String, BatchAssembly.Collated, Int)] {
        let tags = [feature([0, 5, 6, 2], .tags([-100, 1, 0, -100])), feature([0, 7, 2], .tags([-100, 2, -100])),
                    feature([0, 8, 9, 9, 2], .tags([-100, 0, 1, 1, -100])), feature([0, 2], .tags([-100, -100])),
                    feature([0, 4, 2], .tags([-100, 2, -100]))]
        let labels = [feature([0, 5, 2], .label(3)), feature([0, 2], .label(-100)), feature([0, 6, 7, 2], .label(1)),
                      feature([0, 9, 2], .label(0))]
        let choices = (0..<3).map { k in
            EncodedExample(ids: [0, 2], target: .choices(sequences: [[0, Int32(5 + k), 2], [0, 6, 6, 2]], typeIDs: nil, answer: Int32(k % 2)),
                           maskable: [], example: k)
        }
        let spans = [feature([0, 5, 6, 2], .span(start: 1, end: 2)), feature([0, 7, 2], .span(start: 0, end: 0)),
                     feature([0, 8, 8, 8, 2], .span(start: 2, end: 3))]
        let values = [feature([0, 5, 2], .value(0.5)), feature([0, 6, 7, 2], .value(-1)), feature([0, 3, 2], .value(2))]
        var random = RandomStream(seed: 4, name: "mlm")
        var texts: [EncodedExample] = []
        for i in 0..<6 {
            var ids: [Int32] = [0]
            for k in 0..<(1 + i / 2) { ids.append(Int32(5 + k + i)) }
            ids.append(2)
            texts.append(feature(ids, .maskedLM))
        }
        let mlm = BatchAssembly.collate(texts, pad: 1, masking: .init(mask: 4, vocabSize: 30), random: &random)
        var out: [(String, BatchAssembly.Collated, Int)] = []
        out.append(("tags", BatchAssembly.collate(tags, pad: 1), tags.count))
        out.append(("labels", BatchAssembly.collate(labels, pad: 1), labels.count))
        out.append(("choices", BatchAssembly.collate(choices, pad: 1), choices.count))
        out.append(("spans", BatchAssembly.collate(spans, pad: 1), spans.count))
        out.append(("values", BatchAssembly.collate(values, pad: 1), values.count))
        out.append(("mlm", mlm, 6))
        return out
    }

    @Test func eachShareIsItsRowsOfTheBatchAndTheirTermsAddUp() {
        for (kind, whole, features) in batches {
            let total = BatchShare(whole, features: features, rank: 0, size: 1)
            #expect(total.isWhole && total.part?.batch.ids == whole.batch.ids && total.fraction == 1, "\(kind): one process takes the batch")
            let t = whole.batch.length, perFeature = whole.batch.batch / features
            for size in 2...5 {
                var terms = 0
                for rank in 0..<size {
                    let share = BatchShare(whole, features: features, rank: rank, size: size)
                    let f = Distributed.share(of: features, rank: rank, size: size)
                    let rows = (f.lowerBound * perFeature)..<(f.upperBound * perFeature)
                    let tokens = (rows.lowerBound * t)..<(rows.upperBound * t)
                    #expect(share.totalTerms == total.terms && !share.isWhole, "\(kind) \(rank)/\(size)")
                    #expect(share.rowOffset == rows.lowerBound, "\(kind) \(rank)/\(size): row offset \(share.rowOffset)")
                    terms += share.terms
                    guard let part = share.part else {
                        #expect(share.terms == 0, "\(kind) \(rank)/\(size): a share with terms is computed")
                        continue
                    }
                    #expect(part.batch.length == t && part.batch.batch == rows.count, "\(kind) \(rank)/\(size): the batch's padded length")
                    #expect(part.batch.ids == Array(whole.batch.ids[tokens]) && part.batch.attentionMask == Array(whole.batch.attentionMask[tokens]))
                    #expect(part.batch.tokenTypeIDs == whole.batch.tokenTypeIDs.map { Array($0[tokens]) })
                    switch (whole.targets, part.targets) {
                    case (.classes(let a), .classes(let b)): #expect(b == Array(a[f]), "\(kind)")
                    case (.values(let a), .values(let b)): #expect(b == Array(a[f]), "\(kind)")
                    case (.tokenClasses(let a), .tokenClasses(let b)): #expect(b == Array(a[tokens]), "\(kind)")
                    case (.spans(let s, let e), .spans(let s2, let e2)): #expect(s2 == Array(s[f]) && e2 == Array(e[f]), "\(kind)")
                    default: Issue.record("\(kind): the share's targets are of another kind")
                    }
                }
                #expect(terms == total.terms, "\(kind) over \(size) ranks: \(terms) loss terms, the batch has \(total.terms)")
            }
        }
    }

    @Test func aRetrievalBatchStaysWholeOnRankZero() {
        let pairs = [feature([0, 5, 2], .partner(ids: [0, 9, 2], maskable: [false, true, false])),
                     feature([0, 7, 2], .partner(ids: [0, 8, 2], maskable: [false, true, false]))]
        let whole = BatchAssembly.collate(pairs, pad: 1)
        let first = BatchShare(whole, features: 2, rank: 0, size: 3), second = BatchShare(whole, features: 2, rank: 1, size: 3)
        #expect(first.isWhole && first.part?.batch.ids == whole.batch.ids && first.fraction == 1)
        #expect(second.part == nil && second.terms == 0)
    }

    /// Σ over ranks of fraction × (the share's loss and gradient) = the whole batch's, with encoder and head dropout.
    @Test(arguments: ["tags", "labels", "choices", "spans", "mlm"])
    func weightedSharesAddUpToTheBatchsLossAndGradient(kind: String) throws {
        guard let (_, whole, features) = batches.first(where: { $0.0 == kind }) else { Issue.record("no batch \(kind)"); return }
        let encoder = EncoderConfig(vocabSize: 30, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 8,
                                    typeVocabSize: 2, hiddenDropout: 0.1, attentionDropout: 0.1, initializerRange: 0.3)
        let head: HeadSpec
        switch kind {
        case "tags": head = HeadSpec(name: "h", kind: .tokenTagging, labels: ["a", "b", "c"], dropout: 0.2)
        case "labels": head = HeadSpec(name: "h", kind: .sequenceClassification, labels: ["a", "b", "c", "d"], dropout: 0.2)
        case "choices": head = HeadSpec(name: "h", kind: .multipleChoice, dropout: 0.2, numChoices: 2)
        case "spans": head = HeadSpec(name: "h", kind: .spanQA)
        default: head = HeadSpec(name: "h", kind: .mlm)
        }
        let model = try MultiTaskModel(config: ModelConfig(encoder: encoder), heads: [head], maxBatch: 12, maxLength: 8, seed: 6)
        let store = model.store
        let streams = (model.encoder.dropoutStream, model.headDropoutStream)
        store.zeroGradients()
        let loss = try model.loss(head: "h", batch: whole.batch, targets: whole.targets, candidateMask: whole.candidateMask, training: true, backward: true)
        store.markAllGradientRows()
        let expected = store.gradients.toArray()
        for size in [2, 3] {
            var summed = [Double](repeating: 0, count: store.count), summedLoss = 0.0
            for rank in 0..<size {
                let share = BatchShare(whole, features: features, rank: rank, size: size)
                (model.encoder.dropoutStream, model.headDropoutStream) = streams
                store.zeroGradients()
                if let part = share.part {
                    let l = try model.loss(head: "h", batch: part.batch, targets: part.targets, candidateMask: part.candidateMask,
                                           training: true, backward: true, rowOffset: share.rowOffset)
                    summedLoss += Double(l) * share.fraction
                    store.markAllGradientRows()
                    let g = store.gradients.toArray()
                    for i in g.indices { summed[i] += Double(g[i]) * share.fraction }
                } else {
                    try model.skipTrainingDraws(whole.batch)
                }
            }
            #expect(abs(summedLoss - Double(loss)) <= 1e-5 * max(1, abs(Double(loss))), "\(kind) over \(size): loss \(summedLoss) vs \(loss)")
            let diff = maxAbsDiff(expected, summed)
            let scale = Double(expected.map { abs($0) }.max() ?? 0)
            #expect(diff <= 1e-5 * scale + 1e-7, "\(kind) over \(size) ranks: gradients differ by \(diff) (largest \(scale))")
        }
    }

    func maxAbsDiff(_ a: [Float], _ b: [Double]) -> Double {
        zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
    }
}
