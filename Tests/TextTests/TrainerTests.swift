import Foundation
import Platform
import Testing
@testable import Text

@Suite(.serialized) struct TrainerTests {
    static func corpora() throws -> [String: [String]] {
        var c: [String: [String]] = [:]
        for lang in ["eng_Latn", "tha_Thai", "jpn_Jpan", "rus_Cyrl", "hin_Deva"] {
            c[lang] = try TestData.sentences("sib200/annotated/\(lang)/dev.tsv")
        }
        return c
    }

    @Test func languageWeightsFollowAlpha() {
        let w = TokenizerTrainer.languageWeights(["big": 1000, "small": 10], alpha: 0.3)
        let qBig = pow(1000.0, 0.3) / (pow(1000.0, 0.3) + pow(10.0, 0.3))
        #expect(abs(w["big"]! - 1010 * qBig / 1000) < 1e-12)
        // Expected sampled sentences sum to the corpus size; the small language is upsampled.
        #expect(abs(w["big"]! * 1000 + w["small"]! * 10 - 1010) < 1e-9)
        #expect(w["small"]! > 1 && w["big"]! < 1)
    }

    @Test func trainingIsDeterministicAndLossless() throws {
        var config = TokenizerTrainer.Config()
        config.vocabSize = 1500
        config.seed = 7
        let corpora = try Self.corpora()
        let a = try TokenizerTrainer(config: config).train(corpora)
        let b = try TokenizerTrainer(config: config).train(corpora)
        #expect(a.vocabSize == 1500)
        #expect(a.model.vocabulary.pieces == b.model.vocabulary.pieces)
        guard case let .unigram(ma) = a.modelKind, case let .unigram(mb) = b.modelKind else { Issue.record("not unigram"); return }
        #expect(ma.scores == mb.scores)
        // Special tokens first, then the 256 byte pieces, then pieces by decreasing score.
        #expect(Array(a.model.vocabulary.pieces.prefix(5)) == ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
        #expect(a.model.vocabulary.pieces[5] == "<0x00>" && a.model.vocabulary.pieces[260] == "<0xFF>")
        let tail = Array(ma.scores[261...])
        #expect(zip(tail, tail.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(a.id(for: "\u{2581}") != nil)
        for (_, sentences) in corpora {
            for s in sentences.prefix(30) {
                #expect(try a.decode(a.encode(s).ids) == a.normalizedText(s))
            }
        }
        // Frequent English words become single pieces.
        #expect(a.id(for: "\u{2581}the") != nil)
    }

    @Test func icuPreTokenizerTrainsAndRoundTripsThroughFiles() throws {
        var config = TokenizerTrainer.Config()
        config.vocabSize = 1200
        config.preTokenizer = .icu
        let corpora = try Self.corpora()
        let t = try TokenizerTrainer(config: config).train(corpora)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-icu-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tokenizer.json")
        try t.save(to: url)
        #expect(FileManager.default.fileExists(atPath: Tokenizer.sidecarURL(for: url).path))
        let back = try Tokenizer.load(from: url)
        #expect(back.preTokenizer?.json == t.preTokenizer?.json && back.preTokenizer is ICUWordPreTokenizer)
        let thai = corpora["tha_Thai"]![0]
        #expect(try back.encode(thai).ids == t.encode(thai).ids)
        #expect(try back.decode(back.encode(thai).ids) == back.normalizedText(thai))
        let stats = try TokenizerStatistics.measure(back, language: "tha", sentences: Array(corpora["tha_Thai"]!.prefix(50)))
        #expect(stats.words > 100 && stats.fertility >= 1 && stats.vocabularyShare > 0 && stats.vocabularyShare <= 1)
    }
}
