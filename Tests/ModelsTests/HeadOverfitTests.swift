import Foundation
import Testing
import Engine
import Platform
import Models

/// Each head, on a tiny encoder, learns a tiny task to 100% training accuracy (end to end: encoder
/// forward, head loss and backward, encoder backward, AdamW).
extension EngineBackedTests {
@Suite struct HeadOverfitTests {
    static let vocab = 24, seqLen = 6

    static func model(_ heads: [HeadSpec], maxBatch: Int = 16) throws -> MultiTaskModel {
        let encoder = EncoderConfig(vocabSize: vocab, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32,
                                    maxPositions: 16, hiddenDropout: 0, attentionDropout: 0)
        return try MultiTaskModel(config: ModelConfig(encoder: encoder), heads: heads, maxBatch: maxBatch, maxLength: seqLen, seed: 3)
    }

    /// Random sequences of ids 1..<vocab (0 is padding), some shorter than `seqLen`.
    static func sequences(_ count: Int, seed: UInt64, fixedLength: Bool = false) -> [[Int32]] {
        var rng = RandomStream(seed: seed, name: "overfit")
        return (0..<count).map { _ in
            let len = fixedLength ? seqLen : 3 + rng.nextInt(below: seqLen - 2)
            return (0..<len).map { _ in Int32(1 + rng.nextInt(below: vocab - 1)) }
        }
    }

    /// Trains until the predicate holds (checked every 10 steps) or the step budget runs out.
    static func train(_ model: MultiTaskModel, steps: Int, lr: Float = 1e-2, step: () throws -> Float, done: () throws -> Bool) throws -> (Float, Bool) {
        let opt = try AdamW(store: model.store)
        var last: Float = .nan
        for s in 1...steps {
            model.store.zeroGradients()
            last = try step()
            opt.step(learningRate: lr)
            if s % 10 == 0, try done() { return (last, true) }
        }
        return (last, try done())
    }

    @Test func sequenceClassification() throws {
        let m = try Self.model([HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["a", "b", "c"], dropout: 0.1)])
        let batch = TokenBatch(sequences: Self.sequences(12, seed: 1))
        let labels: [Int32] = (0..<12).map { Int32($0 % 3) }
        let (loss, ok) = try Self.train(m, steps: 300, step: {
            try m.loss(head: "topic", batch: batch, targets: .classes(labels), training: true, backward: true)
        }, done: {
            guard case .classes(let p, _) = try m.predict(head: "topic", batch: batch) else { return false }
            return p == labels.map(Int.init)
        })
        #expect(ok, "final loss \(loss)")
    }

    @Test func pairClassificationWithTokenTypes() throws {
        let m = try Self.model([HeadSpec(name: "nli", kind: .pairClassification, labels: ["yes", "no"], pooling: .mean)])
        let seqs = Self.sequences(10, seed: 2, fixedLength: true)
        let types: [[Int32]] = seqs.map { s in s.indices.map { $0 < 3 ? 0 : 1 } }
        let batch = TokenBatch(sequences: seqs, tokenTypes: types)
        let labels: [Int32] = (0..<10).map { Int32(($0 * 7) % 2) }
        let (loss, ok) = try Self.train(m, steps: 300, step: {
            try m.loss(head: "nli", batch: batch, targets: .classes(labels), training: true, backward: true)
        }, done: {
            guard case .classes(let p, _) = try m.predict(head: "nli", batch: batch) else { return false }
            return p == labels.map(Int.init)
        })
        #expect(ok, "final loss \(loss)")
    }

    @Test func regression() throws {
        let m = try Self.model([HeadSpec(name: "sts", kind: .regression, dropout: 0)])
        let batch = TokenBatch(sequences: Self.sequences(8, seed: 3))
        let gold: [Float] = [0.9, -0.5, 0.2, -0.9, 0.6, 0.0, -0.3, 0.4]
        let (loss, ok) = try Self.train(m, steps: 400, step: {
            try m.loss(head: "sts", batch: batch, targets: .values(gold), training: true, backward: true)
        }, done: {
            guard case .values(let p) = try m.predict(head: "sts", batch: batch) else { return false }
            return zip(p, gold).allSatisfy { abs($0 - $1) < 0.05 }
        })
        #expect(ok, "final loss \(loss)")
    }

    @Test func tokenTaggingOnFirstSubwords() throws {
        let m = try Self.model([HeadSpec(name: "ner", kind: .tokenTagging, labels: ["O", "B", "I"])])
        let seqs = Self.sequences(8, seed: 4)
        let batch = TokenBatch(sequences: seqs)
        // Tag = id mod 3 on "first subwords" (even positions); odd positions and padding are ignored.
        var tags = [Int32](repeating: CrossEntropyOp.ignoreIndex, count: batch.batch * batch.length)
        for (i, s) in seqs.enumerated() { for (j, id) in s.enumerated() where j % 2 == 0 { tags[i * batch.length + j] = id % 3 } }
        let (loss, ok) = try Self.train(m, steps: 300, step: {
            try m.loss(head: "ner", batch: batch, targets: .tokenClasses(tags), training: true, backward: true)
        }, done: {
            guard case .tokenClasses(let p) = try m.predict(head: "ner", batch: batch) else { return false }
            for i in 0..<batch.batch { for j in 0..<batch.length where tags[i * batch.length + j] != CrossEntropyOp.ignoreIndex {
                if p[i][j] != Int(tags[i * batch.length + j]) { return false }
            } }
            return true
        })
        #expect(ok, "final loss \(loss)")
    }

    @Test func spanQA() throws {
        let m = try Self.model([HeadSpec(name: "qa", kind: .spanQA, maxAnswerLength: 3)])
        let seqs = Self.sequences(8, seed: 5, fixedLength: true)
        let batch = TokenBatch(sequences: seqs)
        // "Question" = positions 0...1, context = 2...5; gold spans inside the context.
        let starts: [Int32] = [2, 3, 4, 2, 5, 3, 2, 4], ends: [Int32] = [3, 3, 5, 4, 5, 5, 2, 4]
        let candidates: [Int32] = Array(repeating: [Int32(0), 0, 1, 1, 1, 1], count: 8).flatMap { $0 }
        let (loss, ok) = try Self.train(m, steps: 400, step: {
            try m.loss(head: "qa", batch: batch, targets: .spans(start: starts, end: ends), candidateMask: candidates, training: true, backward: true)
        }, done: {
            guard case .spans(let p, _, _) = try m.predict(head: "qa", batch: batch, candidateMask: candidates) else { return false }
            return p.map(\.start) == starts.map(Int.init) && p.map(\.end) == ends.map(Int.init)
        })
        #expect(ok, "final loss \(loss)")
    }

    @Test func multipleChoice() throws {
        let m = try Self.model([HeadSpec(name: "copa", kind: .multipleChoice, numChoices: 2)])
        let batch = TokenBatch(sequences: Self.sequences(12, seed: 6))
        let answers: [Int32] = [0, 1, 1, 0, 1, 0]
        let (loss, ok) = try Self.train(m, steps: 300, step: {
            try m.loss(head: "copa", batch: batch, targets: .classes(answers), training: true, backward: true)
        }, done: {
            guard case .classes(let p, _) = try m.predict(head: "copa", batch: batch) else { return false }
            return p == answers.map(Int.init)
        })
        #expect(ok, "final loss \(loss)")
    }

    @Test func contrastiveEmbeddingsRetrieveTheirTranslation() throws {
        let m = try Self.model([HeadSpec(name: "para", kind: .embedding, temperature: 0.05)])
        let seqs = Self.sequences(12, seed: 7)  // 6 sources, then 6 "translations"
        let batch = TokenBatch(sequences: seqs)
        let (loss, ok) = try Self.train(m, steps: 300, step: {
            try m.loss(head: "para", batch: batch, targets: .parallelPairs, training: true, backward: true)
        }, done: {
            guard case .embeddings(let e) = try m.predict(head: "para", batch: batch) else { return false }
            for i in 0..<6 {
                let sims = (0..<6).map { j in zip(e[i], e[6 + j]).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
                if sims.indices.max(by: { sims[$0] < sims[$1] }) != i { return false }
            }
            return true
        })
        #expect(ok, "final loss \(loss)")
    }

    @Test func labelMatchingPicksTheGoldLabel() throws {
        let m = try Self.model([HeadSpec(name: "tars", kind: .labelMatching)], maxBatch: 24)
        // 6 texts × 3 labels; label "names" are single tokens 21, 22, 23, each pair = [label, SEP(20), text...].
        let texts = Self.sequences(6, seed: 8).map { $0.map { 1 + $0 % 19 } }
        let labelTokens: [Int32] = [21, 22, 23]
        let gold = [0, 2, 1, 1, 0, 2]
        var pairs: [[Int32]] = [], targets: [Float] = []
        for (t, text) in texts.enumerated() {
            for (l, tok) in labelTokens.enumerated() {
                pairs.append(Array(([tok, 20] + text).prefix(Self.seqLen)))
                targets.append(l == gold[t] ? 1 : 0)
            }
        }
        let batch = TokenBatch(sequences: pairs)
        let (loss, ok) = try Self.train(m, steps: 400, step: {
            try m.loss(head: "tars", batch: batch, targets: .values(targets), training: true, backward: true)
        }, done: {
            guard case .classes(let p, _) = try m.predictLabelMatching(head: "tars", batch: batch, labelsPerText: 3) else { return false }
            return p == gold
        })
        #expect(ok, "final loss \(loss)")
    }

    @Test func maskedLM() throws {
        let m = try Self.model([HeadSpec(name: "mlm", kind: .mlm)])
        let seqs = Self.sequences(6, seed: 9, fixedLength: true)
        var ids = seqs, labels = [Int32](repeating: CrossEntropyOp.ignoreIndex, count: 6 * Self.seqLen)
        for i in 0..<6 { let j = 1 + i % 4; labels[i * Self.seqLen + j] = ids[i][j]; ids[i][j] = 23 }  // 23 = [MASK]
        let batch = TokenBatch(sequences: ids)
        let (loss, ok) = try Self.train(m, steps: 400, step: {
            try m.loss(head: "mlm", batch: batch, targets: .tokenClasses(labels), training: true, backward: true)
        }, done: {
            guard case .tokenClasses(let p) = try m.predict(head: "mlm", batch: batch) else { return false }
            return (0..<6).allSatisfy { i in let j = 1 + i % 4; return p[i][j] == Int(labels[i * Self.seqLen + j]) }
        })
        #expect(ok, "final loss \(loss)")
    }

    @Test func tasksShareAHeadByName() throws {
        // Two "languages" of one task train one head: the head's weights exist once.
        let m = try Self.model([HeadSpec(name: "topic", kind: .sequenceClassification, labels: ["a", "b"])])
        #expect(m.store.names.filter { $0.hasPrefix("heads.topic.") }.count == 4)
        #expect(throws: ConfigError.self) {
            _ = try Self.model([HeadSpec(name: "x", kind: .regression), HeadSpec(name: "x", kind: .regression)])
        }
        #expect(throws: ConfigError.self) { _ = try m.head("missing") }
    }
}
}
