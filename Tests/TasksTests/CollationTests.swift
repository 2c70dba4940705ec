import Foundation
import Models
import Platform
import Testing
@testable import Tasks

@Suite struct CollationTests {
    func example(_ ids: [Int32], _ target: EncodedExample.Target) -> EncodedExample {
        EncodedExample(ids: ids, typeIDs: nil, target: target, maskable: ids.indices.map { $0 != 0 && $0 != ids.count - 1 })
    }

    @Test func padsSequencesAndTagTargetsWithTheIgnoreIndex() {
        let tagged = BatchAssembly.collate([example([0, 5, 6, 2], .tags([-100, 1, 0, -100])), example([0, 7, 2], .tags([-100, 2, -100]))], pad: 1)
        #expect(tagged.batch.batch == 2 && tagged.batch.length == 4)
        #expect(tagged.batch.ids == [0, 5, 6, 2, 0, 7, 2, 1])
        #expect(tagged.batch.attentionMask == [1, 1, 1, 1, 1, 1, 1, 0])
        guard case .tokenClasses(let tags) = tagged.targets else { Issue.record("not token classes"); return }
        #expect(tags == [-100, 1, 0, -100, -100, 2, -100, -100])
        #expect(BatchAssembly.tokenCount(tagged.batch) == 7)
        let labelled = BatchAssembly.collate([example([0, 5, 2], .label(3)), example([0, 2], .label(1))], pad: 1)
        guard case .classes(let c) = labelled.targets else { Issue.record("not classes"); return }
        #expect(c == [3, 1])
        #expect(labelled.candidateMask == nil)
    }

    @Test func retrievalBatchesHoldSourcesThenPartnersAndMarkTheirWordTokens() {
        let examples = [example([0, 5, 6, 2], .partner(ids: [0, 9, 2], maskable: [false, true, false])),
                        example([0, 7, 2], .partner(ids: [0, 8, 8, 8, 2], maskable: [false, true, true, true, false]))]
        let collated = BatchAssembly.collate(examples, pad: 1)
        guard case .parallelPairs = collated.targets else { Issue.record("not parallel pairs"); return }
        #expect(collated.batch.batch == 4 && collated.batch.length == 5)
        #expect(collated.batch.ids == [0, 5, 6, 2, 1, 0, 7, 2, 1, 1, 0, 9, 2, 1, 1, 0, 8, 8, 8, 2])
        #expect(collated.candidateMask == [0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0])
    }

    @Test func multipleChoiceBatchesHoldEachFeaturesChoicesInOrder() {
        let a = EncodedExample(ids: [0, 5, 2], target: .choices(sequences: [[0, 5, 2], [0, 6, 6, 2]], typeIDs: [[0, 0, 1], [0, 0, 1, 1]], answer: 1),
                               maskable: [], example: 0)
        let b = EncodedExample(ids: [0, 7, 2], target: .choices(sequences: [[0, 7, 2], [0, 8, 2]], typeIDs: [[0, 0, 1], [0, 0, 1]], answer: 0),
                               maskable: [], example: 1)
        let collated = BatchAssembly.collate([a, b], pad: 1)
        #expect(collated.batch.batch == 4 && collated.batch.length == 4)
        #expect(collated.batch.ids == [0, 5, 2, 1, 0, 6, 6, 2, 0, 7, 2, 1, 0, 8, 2, 1])
        #expect(collated.batch.tokenTypeIDs == [0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0])
        guard case .classes(let answers) = collated.targets else { Issue.record("not classes"); return }
        #expect(answers == [1, 0])
    }

    @Test func spanBatchesCarryEachWindowsStartAndEnd() {
        let collated = BatchAssembly.collate([example([0, 5, 6, 2], .span(start: 1, end: 2)), example([0, 7, 2], .span(start: 0, end: 0))], pad: 1)
        guard case .spans(let s, let e) = collated.targets else { Issue.record("not spans"); return }
        #expect(s == [1, 0] && e == [2, 0])
    }

    @Test func maskedLMFollowsBERTsRecipeAndNeverMasksSpecialTokens() {
        var r = RandomStream(seed: 5, name: "mlm-masking")
        let ids = (0..<102).map { Int32($0 % 50 + 10) }
        let examples = (0..<20).map { _ in example(ids, .maskedLM) }
        let collated = BatchAssembly.collate(examples, pad: 1, masking: .init(mask: 4, vocabSize: 60), random: &r)
        guard case .tokenClasses(let labels) = collated.targets else { Issue.record("not token classes"); return }
        var chosen = 0, masked = 0, kept = 0
        for i in 0..<20 {
            #expect(labels[i * 102] == -100 && labels[i * 102 + 101] == -100)
            for j in 0..<102 where labels[i * 102 + j] != -100 {
                chosen += 1
                #expect(labels[i * 102 + j] == ids[j])
                if collated.batch.ids[i * 102 + j] == 4 { masked += 1 }
                if collated.batch.ids[i * 102 + j] == ids[j] { kept += 1 }
            }
        }
        // 2,000 maskable tokens: 15% chosen (sd ≈ 16), of which 80% masked.
        #expect(abs(chosen - 300) < 80)
        #expect(abs(Double(masked) / Double(chosen) - 0.8) < 0.1)
        #expect(kept > 0)
        // A batch too short to draw any mask still gets one.
        var q = RandomStream(seed: 0)
        let single = BatchAssembly.collate([example([0, 9, 2], .maskedLM)], pad: 1, masking: .init(mask: 4, vocabSize: 60), random: &q)
        guard case .tokenClasses(let l) = single.targets else { return }
        #expect(l.filter { $0 != -100 }.count >= 1)
    }
}

@Suite struct RetrievalRankingTests {
    @Test func tiesGoToTheLowerIndexSoRankOneIsTheArgmax() {
        let scores: [[Float]] = [[0.9, 0.1, 0.2], [0.5, 0.5, 0.1], [0.3, 0.8, 0.7], [0.4, 0.4, 0.4]]
        let gold = [0, 1, 0, 0]
        // Query 1: a tie with a lower index counts against gold; query 3: a tie at a higher index does not.
        #expect(zip(scores, gold).map { RetrievalRanking.rank($0, gold: $1) } == [1, 2, 3, 1])
        #expect(scores.map(RetrievalRanking.best) == [0, 0, 1, 0])
        for (s, g) in zip(scores, gold) { #expect((RetrievalRanking.rank(s, gold: g) == 1) == (RetrievalRanking.best(s) == g)) }
    }
}

@Suite struct TaggingWindowTests {
    @Test func windowsOwnEveryWordOnceAndCarryLeftContext() {
        let tokens = [3, 1, 2, 4, 1, 1, 2, 3, 1]
        let windows = TaggingTask.windows(tokens: tokens, capacity: 8)
        var owned: [Int] = []
        for w in windows {
            owned += Array(w.owned..<w.end)
            #expect(w.context <= w.owned && w.owned < w.end)
            #expect(tokens[w.context..<w.end].reduce(0, +) <= 8)
        }
        #expect(owned == Array(0..<tokens.count))
        #expect(windows.count > 1 && windows.dropFirst().allSatisfy { $0.context < $0.owned })
        // A word longer than the capacity is a window of its own.
        #expect(TaggingTask.windows(tokens: [2, 12, 1], capacity: 5).map(\.owned) == [0, 1, 2])
    }
}
