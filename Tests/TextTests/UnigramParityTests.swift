import Foundation
import Testing
@testable import Text

/// A Unigram tokenizer trained by Polyglot (Metaspace pre-tokenizer, NFKC, byte fallback), written as
/// tokenizer.json (Tests/Fixtures/text/unigram16k) and loaded in HF `tokenizers` by
/// tools/reference/text_hf_parity.py unigram: Polyglot's ids must equal HF's.
@Suite(.serialized) struct UnigramParityTests {
    static func fixtureTokenizer() throws -> Tokenizer {
        try Tokenizer.load(from: TestData.fixtures.appendingPathComponent("unigram16k/tokenizer.json"))
    }

    @Test(arguments: ["unigram_sib_dev.ids", "unigram_pud.ids", "unigram_tatoeba.ids"])
    func idsMatchHF(_ fixture: String) throws {
        let tokenizer = try Self.fixtureTokenizer()
        let cases = try TestData.parityCases(fixture)
        #expect(cases.count > 1000)
        let state = EncoderState()
        var mismatches: [String] = []
        for c in cases {
            let ids = try tokenizer.encode(c.1, addSpecialTokens: false, state: state).ids
            // The cached fast path must agree with the full one.
            let fast = try tokenizer.encodeIDs(c.1, state: state).map { Int($0) }
            if ids != c.2 || fast != c.2 { mismatches.append("\(c.0): \(c.1)\n  ours \(ids)\n  fast \(fast)\n  hf   \(c.2)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ; first: \(mismatches.prefix(3).joined(separator: "\n"))")
    }

    @Test func saveAndLoadKeepsEverything() throws {
        let t = try Self.fixtureTokenizer()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-text-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tokenizer.json")
        try t.save(to: url)
        let back = try Tokenizer.load(from: url)
        #expect(back.vocabSize == t.vocabSize)
        #expect(back.normalizer?.json == t.normalizer?.json && back.preTokenizer?.json == t.preTokenizer?.json)
        let text = "Tokenizers split words: ภาษาไทย, 日本語, हिन्दी, العربية, 한국어 😀."
        #expect(try back.encode(text).ids == t.encode(text).ids)
        // XLM-R style specials and template.
        let ids = t.specialTokenIDs
        #expect(ids.bos == 0 && ids.pad == 1 && ids.eos == 2 && ids.unk == 3 && ids.mask == 4)
        let pair = try t.encode(pair: "a b", "c")
        #expect(pair.ids.first == 0 && pair.ids.last == 2 && pair.ids.filter { $0 == 2 }.count == 3)
    }
}
