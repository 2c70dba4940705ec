import Foundation
import Models
import Platform
import Testing
@testable import Training

/// Golden values from scikit-learn and SciPy: tools/reference/training_dev_metrics.py.
@Suite struct DevMetricsTests {
    @Test func classificationMetricsMatchScikitLearn() {
        let gold = [0, 1, 2, 2, 1, 0, 3, 3, 1, 2]
        let pred = [0, 2, 2, 2, 1, 0, 3, 1, 1, 4]
        #expect(DevMetrics.accuracy(predicted: pred, gold: gold) == 0.7)
        #expect(abs(DevMetrics.macroF1(predicted: pred, gold: gold) - 0.5999999999999999) < 1e-12)
        #expect(DevMetrics.accuracy(predicted: [], gold: []).isNaN)
    }

    @Test func regressionMetricsMatchSciPy() {
        let x = [0.5, 1.5, 2.0, 3.25, 4.0, 4.0, 6.5]
        let y = [1.0, 1.0, 2.5, 3.0, 5.5, 4.0, 7.0]
        #expect(abs(DevMetrics.mse(predicted: x, gold: y) - 0.4732142857142857) < 1e-12)
        #expect(abs(DevMetrics.pearson(x, y) - 0.9589505580539961) < 1e-12)
        #expect(abs(DevMetrics.spearman(x, y) - 0.9818181818181818) < 1e-12)
        #expect(DevMetrics.pearson([1, 1, 1], [1, 2, 3]).isNaN)
        #expect(!DevMetrics.higherIsBetter("mse") && !DevMetrics.higherIsBetter("perplexity") && DevMetrics.higherIsBetter("accuracy"))
    }
}

@Suite struct RetrievalRankTests {
    @Test func ranksCountCandidatesScoringAtLeastTheGoldOne() {
        let scores: [[Float]] = [[0.9, 0.1, 0.2], [0.5, 0.5, 0.1], [0.3, 0.8, 0.7]]
        // Query 0: gold best → 1. Query 1: a tie with the gold candidate counts against it → 2. Query 2: gold third → 3.
        #expect(DevMetrics.retrievalRanks(scores: scores, gold: [0, 1, 0]) == [1, 2, 3])
    }
}

@Suite struct BatchAssemblyTests {
    func example(_ ids: [Int32], _ target: EncodedExample.Target) -> EncodedExample {
        EncodedExample(ids: ids, typeIDs: nil, target: target, maskable: ids.indices.map { $0 != 0 && $0 != ids.count - 1 })
    }

    @Test func padsSequencesAndTagTargetsWithTheIgnoreIndex() {
        var r = RandomStream(seed: 1)
        let (batch, targets) = BatchAssembly.make([example([0, 5, 6, 2], .tags([-100, 1, 0, -100])), example([0, 7, 2], .tags([-100, 2, -100]))],
                                                  pad: 1, masking: nil, random: &r)
        #expect(batch.batch == 2 && batch.length == 4)
        #expect(batch.ids == [0, 5, 6, 2, 0, 7, 2, 1])
        #expect(batch.attentionMask == [1, 1, 1, 1, 1, 1, 1, 0])
        guard case .tokenClasses(let tags) = targets else { Issue.record("not token classes"); return }
        #expect(tags == [-100, 1, 0, -100, -100, 2, -100, -100])
        #expect(BatchAssembly.tokenCount(batch) == 7)
        let (_, labels) = BatchAssembly.make([example([0, 5, 2], .label(3)), example([0, 2], .label(1))], pad: 1, masking: nil, random: &r)
        guard case .classes(let c) = labels else { Issue.record("not classes"); return }
        #expect(c == [3, 1])
    }

    @Test func retrievalBatchesHoldSourcesThenPartnersAndMarkTheirWordTokens() {
        var r = RandomStream(seed: 1)
        let examples = [example([0, 5, 6, 2], .partner(ids: [0, 9, 2], maskable: [false, true, false])),
                        example([0, 7, 2], .partner(ids: [0, 8, 8, 8, 2], maskable: [false, true, true, true, false]))]
        let (batch, targets) = BatchAssembly.make(examples, pad: 1, masking: nil, random: &r)
        guard case .parallelPairs = targets else { Issue.record("not parallel pairs"); return }
        #expect(batch.batch == 4 && batch.length == 5)
        #expect(batch.ids == [0, 5, 6, 2, 1, 0, 7, 2, 1, 1, 0, 9, 2, 1, 1, 0, 8, 8, 8, 2])
        #expect(BatchAssembly.matchingMask(examples, length: 5) == [0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0])
        #expect(BatchAssembly.matchingMask([example([0, 5, 2], .label(1))], length: 3) == nil)
    }

    @Test func maskedLMFollowsBERTsRecipeAndNeverMasksSpecialTokens() {
        var r = RandomStream(seed: 5, name: "mlm-masking")
        let ids = (0..<102).map { Int32($0 % 50 + 10) }
        let examples = (0..<20).map { _ in example(ids, .maskedLM) }
        let (batch, targets) = BatchAssembly.make(examples, pad: 1, masking: .init(mask: 4, vocabSize: 60), random: &r)
        guard case .tokenClasses(let labels) = targets else { Issue.record("not token classes"); return }
        var chosen = 0, masked = 0, kept = 0
        for i in 0..<20 {
            #expect(labels[i * 102] == -100 && labels[i * 102 + 101] == -100)
            for j in 0..<102 where labels[i * 102 + j] != -100 {
                chosen += 1
                #expect(labels[i * 102 + j] == ids[j])
                if batch.ids[i * 102 + j] == 4 { masked += 1 }
                if batch.ids[i * 102 + j] == ids[j] { kept += 1 }
            }
        }
        // 2,000 maskable tokens: 15% chosen (sd ≈ 16), of which 80% masked.
        #expect(abs(chosen - 300) < 80)
        #expect(abs(Double(masked) / Double(chosen) - 0.8) < 0.1)
        #expect(kept > 0)
        // A batch too short to draw any mask still gets one.
        var q = RandomStream(seed: 0)
        let (_, one) = BatchAssembly.make([example([0, 9, 2], .maskedLM)], pad: 1, masking: .init(mask: 4, vocabSize: 60), random: &q)
        guard case .tokenClasses(let l) = one else { return }
        #expect(l.filter { $0 != -100 }.count >= 1)
    }
}
