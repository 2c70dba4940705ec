import Foundation
import Testing
@testable import Text

/// MiniLM's tokenizer.json (BertNormalizer + BertPreTokenizer + WordPiece) against ids from HF
/// `tokenizers` (tools/reference/text_hf_parity.py minilm) on sentences of every shared language.
@Suite(.serialized) struct WordPieceParityTests {
    @Test(arguments: ["minilm_sib_dev.ids", "minilm_pud.ids", "minilm_tatoeba.ids"])
    func idsMatchHF(_ fixture: String) throws {
        var tokenizer = try TestData.miniLM()
        tokenizer.maxLength = nil
        let cases = try TestData.parityCases(fixture)
        #expect(cases.count > 1000)
        var mismatches: [String] = []
        let encodings = try tokenizer.encodeBatch(cases.map(\.1))
        for (k, c) in cases.enumerated() where encodings[k].ids != c.2 {
            mismatches.append("\(c.0): \(c.1)\n  ours \(encodings[k].ids)\n  hf   \(c.2)")
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ; first: \(mismatches.prefix(3).joined(separator: "\n"))")
    }

    @Test func specialTokensAndPairs() throws {
        var t = try TestData.miniLM()
        // MiniLM's file pads every encoding to 128 (as HF does with it); these checks look at the tokens.
        #expect(t.padding?.fixedLength == 128)
        t.padding = nil
        let ids = t.specialTokenIDs
        #expect(ids.cls == 101 && ids.sep == 102 && ids.pad == 0 && ids.unk == 100 && ids.mask == 103)
        let e = try t.encode(pair: "Hello there.", "General Kenobi!")
        #expect(e.ids.first == 101 && e.ids.last == 102)
        #expect(e.typeIDs.filter { $0 == 1 }.count == e.sequenceIndex.filter { $0 == 1 }.count + 1)
        // A special token written in the text is matched verbatim.
        let m = try t.encode("the [MASK] sat", addSpecialTokens: false)
        #expect(m.ids.contains(103))
        #expect(try t.decode(t.encode("Hello, world!").ids) == "hello, world!")
    }

    @Test func truncation() throws {
        let t = try TestData.miniLM()
        #expect(t.maxLength == 128)
        let long = Array(repeating: "word", count: 300).joined(separator: " ")
        let e = try t.encode(long)
        #expect(e.count == 128 && e.ids.last == 102)
        let p = try t.encode(pair: long, "short text")
        #expect(p.count == 128 && p.sequenceIndex.contains(1))
    }
}
