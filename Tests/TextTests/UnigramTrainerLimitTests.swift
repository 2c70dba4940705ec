import Foundation
import Testing
@testable import Text

/// A vocabulary too small for every character a corpus needs: 300 entries of which 261 are the 5 specials and the
/// 256 byte pieces, on 120 SIB-200 English sentences whose characters alone outnumber the 39 left. Pruning then
/// keeps every piece it must keep, more than the target, and the EM/prune loop used to repeat forever; it now stops
/// after a round that removes nothing and the final selection trims by score, to exactly the vocabulary asked for.
@Suite struct UnigramTrainerLimitTests {
    static let english = TestData.dataRoot.appendingPathComponent("sib200/annotated/eng_Latn/train.tsv")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: english.path), "sib200/annotated/eng_Latn/train.tsv not found under the data root"))
    func aVocabularySmallerThanTheRequiredCharactersStillTrains() throws {
        let rows = try TestData.lines(Self.english).dropFirst().prefix(120)
        let sentences = rows.compactMap { $0.split(separator: "\t", omittingEmptySubsequences: false).last.map(String.init) }
        #expect(sentences.count == 120)
        var config = TokenizerTrainer.Config()
        config.vocabSize = 300
        let tokenizer = try TokenizerTrainer(config: config).train(["en": sentences])
        #expect(tokenizer.vocabSize == 300)
        // Characters left out of the pieces fall back to bytes: every sentence still encodes.
        for s in sentences.prefix(10) { #expect(try !tokenizer.encode(s).ids.isEmpty) }
    }
}
