import Engine
import Foundation
import Testing
@testable import Training

/// The workload of `polyglot bench finetune` on the tiny BERT fixture: it trains every parameter with dense
/// AdamW semantics (rows no batch reads still decay), and leaves the gradient slab zero after each step.
@Suite struct FinetuneBenchmarkTests {
    @Test func stepsTrainEveryParameterWithDenseAdamW() throws {
        let folder = TrainingRunSupport.root.appendingPathComponent("Tests/Fixtures/models/families/bert")
        let settings = FinetuneBenchmark.Settings(sequenceLength: 8, batchSize: 4, labels: 3, seed: 1)
        let bench = try FinetuneBenchmark(directory: folder, settings: settings)
        let store = bench.model.store
        let table = try #require(store.id("embeddings.word_embeddings.weight"))
        let before = store.values.toArray()
        for _ in 0..<3 { #expect(try bench.step().isFinite) }
        #expect(store.gradients.toArray().allSatisfy { $0.bitPattern == 0 })
        #expect(store.touchedGradientRows(table) == 0)
        let after = store.values.toArray()
        for e in store.entries {
            let range = e.offset..<(e.offset + e.shape.count)
            #expect(after[range] != before[range], "\(e.name) did not move")
        }
        // Ids are drawn from [5, vocab): rows 0–4 have no gradient, so each step only decays them (m = v = 0):
        // p ← p · (1 − lr · wd), three times, bit for bit.
        let decay: Float = 1 - settings.learningRate * settings.weightDecay
        let offset = store.entries[table.index].offset, width = store.entries[table.index].shape[1]
        for i in offset..<(offset + 5 * width) {
            #expect(after[i].bitPattern == (before[i] * decay * decay * decay).bitPattern)
        }
    }

    @Test func refusesASequenceLongerThanThePositions() throws {
        let folder = TrainingRunSupport.root.appendingPathComponent("Tests/Fixtures/models/families/bert")
        #expect(throws: Error.self) {
            try FinetuneBenchmark(directory: folder, settings: .init(sequenceLength: 41, batchSize: 1))
        }
    }
}
