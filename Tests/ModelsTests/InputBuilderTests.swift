import Foundation
import Testing
import Text
import Models

/// QA windows and label-matching pairs built with the shared MiniLM tokenizer on real XQuAD text.
@Suite struct InputBuilderTests {
    struct SQuAD: Decodable {
        struct Article: Decodable { let paragraphs: [Paragraph] }
        struct Paragraph: Decodable { let context: String; let qas: [QA] }
        struct QA: Decodable { let question: String; let answers: [Answer] }
        struct Answer: Decodable { let text: String; let answer_start: Int }
        let data: [Article]
    }

    static func tokenizer() throws -> Tokenizer {
        try Tokenizer.load(from: TestPaths.miniLM.appendingPathComponent("tokenizer.json"))
    }

    @Test func qaWindowsCoverTheContextAndLocateTheAnswer() throws {
        let squad = try JSONDecoder().decode(SQuAD.self, from: Data(contentsOf: TestPaths.dataRoot.appendingPathComponent("xquad/xquad.en.json")))
        let tok = try Self.tokenizer()
        var checked = 0
        for paragraph in squad.data[0].paragraphs.prefix(3) {
            for (k, qa) in paragraph.qas.prefix(3).enumerated() {
                let enc = try SpanFeatures.encode(id: "xquad.en/\(k)", question: qa.question, context: paragraph.context, tokenizer: tok,
                                                  maxLength: 64, stride: 16)
                let windows = enc.features.map(\.window)
                #expect(windows.count > 1)
                #expect(windows.first?.contextStart == 0)
                #expect(windows.last.map { $0.contextStart + $0.contextLength } == enc.contextByteOffsets.count)
                for (a, b) in zip(windows, windows.dropFirst()) { #expect(a.contextStart + a.contextLength - b.contextStart == 16) }
                for f in enc.features {
                    #expect(f.ids.count <= 64 && f.ids.count == f.tokenTypes.count && f.ids.count == f.candidateMask.count)
                    #expect(f.ids.first == 101 && f.ids.last == 102)
                    #expect(f.candidateMask.reduce(0, +) == Int32(f.window.contextLength))
                }
                // SQuAD's answer_start counts characters (scalars); the answer range is in UTF-8 bytes.
                let answer = qa.answers[0]
                let before = String(String.UnicodeScalarView(paragraph.context.unicodeScalars.prefix(answer.answer_start)))
                let range = before.utf8.count..<(before.utf8.count + answer.text.utf8.count)
                let tokens = try #require(enc.overlappingTokens(range))
                // Targets point at the answer where a window holds it, at [CLS] elsewhere; logits peaking at
                // the targets predict the answer text back.
                let targets = try enc.targets(answer: range)
                #expect(targets.startPositions.contains { $0 != 0 })
                let starts = enc.features.indices.map { w in enc.features[w].ids.indices.map { $0 == Int(targets.startPositions[w]) && $0 != 0 ? Float(5) : 0 } }
                let ends = enc.features.indices.map { w in enc.features[w].ids.indices.map { $0 == Int(targets.endPositions[w]) && $0 != 0 ? Float(5) : 0 } }
                let best = try enc.predict(startLogits: starts, endLogits: ends)
                #expect(best.tokens == tokens && best.text == answer.text && best.byteRange == range)
                checked += 1
            }
        }
        #expect(checked == 9)
    }

    @Test func labelMatchingPairsPutTheLabelFirst() throws {
        let tok = try Self.tokenizer()
        let (ids, types) = try LabelMatchingInputs.encode(text: "The match ended in a draw.", labels: ["sports", "science/technology"],
                                                          tokenizer: tok, maxLength: 32)
        #expect(ids.count == 2)
        #expect(ids[0].first == 101 && ids[0][1] == Int32(tok.id(for: "sports")!))
        #expect(types[0].first == 0 && types[0].last == 1)
        #expect(ids[1].count > ids[0].count)
        #expect(LabelMatchingHead.labelText("sci_tech-news") == "sci tech news")
    }
}
