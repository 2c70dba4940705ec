import Foundation
import Testing
@testable import Text
@testable import Models

/// Extractive-QA windows, answer alignment and answer prediction (Sources/Models/Inputs/SpanFeatures.swift):
/// against HF's run_qa / postprocess_qa_predictions on real XQuAD questions for the MiniLM (BERT WordPiece) and
/// e5 (XLM-R SentencePiece) tokenizers (Tests/Fixtures/tasks/span_qa.json, tools/reference/tasks_span_qa.py),
/// and directly with small hand-built tokenizers.
@Suite struct SpanQAInputTests {
    // MARK: Hand-built tokenizers

    /// Whitespace-split words, one vocabulary entry per word; ids 0…5 are [PAD] [UNK] [CLS] [SEP] <s> </s>.
    static let words = ["q1", "q2", "q3", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "日本", "é", "ü", "語"]

    static func tokenizer(roberta: Bool = false) throws -> Tokenizer {
        let pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "<s>", "</s>"] + words
        let model = try WordPieceModel(vocabulary: try Vocabulary(pieces: pieces))
        let post = roberta ? TemplateProcessing.roberta(cls: ("<s>", 4), sep: ("</s>", 5)) : TemplateProcessing.bert(cls: ("[CLS]", 2), sep: ("[SEP]", 3))
        return try Tokenizer(normalizer: nil, preTokenizer: WhitespaceSplitPreTokenizer(), model: .wordPiece(model), postProcessor: post,
                             decoder: nil, addedTokens: [AddedToken(content: "[PAD]", id: 0), AddedToken(content: "[UNK]", id: 1),
                                                         AddedToken(content: "[CLS]", id: 2), AddedToken(content: "[SEP]", id: 3),
                                                         AddedToken(content: "<s>", id: 4), AddedToken(content: "</s>", id: 5)])
    }

    static func id(_ w: String) -> Int32 { Int32(6 + (words.firstIndex(of: w) ?? -100)) }

    /// The byte range of the `occurrence`-th `needle` in `text`.
    static func bytes(of needle: String, in text: String, occurrence: Int = 0) -> Range<Int> {
        let t = Array(text.utf8), n = Array(needle.utf8)
        var seen = 0
        for i in 0...(t.count - n.count) where Array(t[i..<(i + n.count)]) == n {
            if seen == occurrence { return i..<(i + n.count) }
            seen += 1
        }
        return 0..<0
    }

    @Test func bertLayoutFromThePostProcessor() throws {
        let enc = try SpanFeatures.encode(id: "ex-bert", question: "q1 q2", context: "a b c d e f g h", tokenizer: Self.tokenizer(),
                                          maxLength: 10, stride: 2)
        // 10 = [CLS] q1 q2 [SEP] + 5 context tokens + [SEP]; windows start 0 and 3 (sharing 2 tokens).
        #expect(enc.features.map(\.window) == [SpanWindow(contextStart: 0, contextLength: 5, sequenceOffset: 4),
                                               SpanWindow(contextStart: 3, contextLength: 5, sequenceOffset: 4)])
        let q = [Self.id("q1"), Self.id("q2")]
        #expect(enc.features[0].ids == [2] + q + [3] + ["a", "b", "c", "d", "e"].map(Self.id) + [3])
        #expect(enc.features[1].ids == [2] + q + [3] + ["d", "e", "f", "g", "h"].map(Self.id) + [3])
        #expect(enc.features[0].tokenTypes == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
        #expect(enc.features[1].candidateMask == [0, 0, 0, 0, 1, 1, 1, 1, 1, 0])
        #expect(enc.contextByteOffsets == (0..<8).map { (2 * $0)..<(2 * $0 + 1) })
    }

    @Test func robertaLayoutFromThePostProcessor() throws {
        let enc = try SpanFeatures.encode(id: "ex-roberta", question: "q1 q2", context: "a b c d e f g h", tokenizer: Self.tokenizer(roberta: true),
                                          maxLength: 10, stride: 1)
        // <s> q1 q2 </s></s> + 4 context tokens + </s>; windows start 0, 3, 6.
        #expect(enc.features.map(\.window.contextStart) == [0, 3, 6])
        #expect(enc.features.map(\.window.contextLength) == [4, 4, 2])
        #expect(enc.features.allSatisfy { $0.window.sequenceOffset == 5 })
        #expect(enc.features[2].ids == [4, Self.id("q1"), Self.id("q2"), 5, 5, Self.id("g"), Self.id("h"), 5])
        #expect(enc.features.allSatisfy { $0.tokenTypes.allSatisfy { $0 == 0 } })
    }

    @Test func questionTooLongIsAnErrorNamingTheExample() throws {
        let tok = try Self.tokenizer()
        do {
            _ = try SpanFeatures.encode(id: "xquad.en#42", question: "q1 q2 q3 q1 q2", context: "a b c", tokenizer: tok, maxLength: 10, stride: 2)
            Issue.record("expected an error")
        } catch let e as SpanInputError {
            #expect(e.example == "xquad.en#42" && e.field == "question")
            // 5 question tokens + 3 specials leave 2 context tokens, not more than the stride 2.
            #expect(e.description.contains("5 question tokens") && e.description.contains("leave 2 context tokens")
                    && e.description.contains("doc_stride 2"), "\(e)")
        }
        // One more token of room is enough.
        #expect(try SpanFeatures.encode(id: "ok", question: "q1 q2 q3 q1", context: "a b c", tokenizer: tok, maxLength: 10, stride: 2).features.count == 1)
    }

    @Test func answersAtWindowEdgesAndCutByTheBoundary() throws {
        let context = "a b c d e f g h"
        let enc = try SpanFeatures.encode(id: "edges", question: "q1 q2", context: context, tokenizer: Self.tokenizer(), maxLength: 10, stride: 2)
        // "e": the last context token of window 0 (position 4 + 4) and the second of window 1.
        let e = try enc.targets(answer: Self.bytes(of: "e", in: context))
        #expect(e.startPositions == [8, 5] && e.endPositions == [8, 5])
        #expect(e.report.windowsWithAnswer == 2 && e.report.windowsCut == 0)
        // "d": the first context token of window 1.
        let d = try enc.targets(answer: Self.bytes(of: "d", in: context))
        #expect(d.startPositions == [7, 4] && d.endPositions == [7, 4])
        // "e f": window 0 ends after "e": cut there, whole in window 1.
        let ef = try enc.targets(answer: Self.bytes(of: "e f", in: context))
        #expect(ef.placements == [.cut, .inside(start: 5, end: 6)])
        #expect(ef.startPositions == [0, 5] && ef.endPositions == [0, 6])
        #expect(ef.report.windowsCut == 1 && ef.report.windowsWithAnswer == 1 && ef.report.unmappedExamples.isEmpty)
        // "a b": only in window 0; window 1 holds none of it.
        let ab = try enc.targets(answer: Self.bytes(of: "a b", in: context))
        #expect(ab.placements == [.inside(start: 4, end: 5), .absent])
        #expect(ab.report.windowsWithoutAnswer == 1)
        // The answer's bytes need not fall on token edges: part of a token selects the token.
        let enc2 = try SpanFeatures.encode(id: "partial", question: "q1", context: "日本 語", tokenizer: Self.tokenizer(), maxLength: 16, stride: 2)
        let part = try enc2.targets(answer: 3..<6)  // 本, the second scalar of the first word
        #expect(part.startPositions == [3] && part.endPositions == [3])
    }

    @Test func multibyteTextAndWhiteSpaceKeptInTheAnswer() throws {
        let context = "日本  é ü\t語 a"
        let enc = try SpanFeatures.encode(id: "mb", question: "q1", context: context, tokenizer: Self.tokenizer(), maxLength: 16, stride: 2)
        #expect(enc.contextByteOffsets == [0..<6, 8..<10, 11..<13, 14..<17, 18..<19])
        let range = Self.bytes(of: "é ü\t語", in: context)
        let t = try enc.targets(answer: range)
        #expect(t.startPositions == [4] && t.endPositions == [6])  // [CLS] q1 [SEP] 日本 é ü 語
        // Logits pointing at é … 語 give the context's bytes, tab and all.
        let n = enc.features[0].ids.count
        var s = [Float](repeating: 0, count: n), e = [Float](repeating: 0, count: n)
        s[4] = 5; e[6] = 4
        let p = try enc.predict(startLogits: [s], endLogits: [e])
        #expect(p.text == "é ü\t語" && p.byteRange == range && p.score == 9 && p.tokens == 1...3 && p.window == 0)
    }

    @Test func whiteSpaceOnlyAnswerIsCountedAndTrainsOnTheFirstPosition() throws {
        let examples: [(id: String, question: String, context: String, answer: Range<Int>?)] = [
            ("spaces", "q1", "a   b", 1..<4), ("fine", "q1", "a   b", 4..<5), ("none", "q1", "a b", nil),
        ]
        let (_, targets, report) = try SpanFeatures.trainingFeatures(examples, tokenizer: Self.tokenizer(), maxLength: 16, stride: 2)
        #expect(targets[0].startPositions == [0] && targets[0].endPositions == [0] && targets[0].placements == [.unmapped])
        #expect(targets[1].startPositions == [4] && targets[1].endPositions == [4])
        #expect(report.examples == 3 && report.windows == 3 && report.windowsWithAnswer == 1)
        #expect(report.unmappedExamples == ["spaces", "none"])
        // A range outside the context, or inside a UTF-8 sequence, names the example and the field.
        let enc = try SpanFeatures.encode(id: "bad", question: "q1", context: "é a", tokenizer: Self.tokenizer(), maxLength: 16, stride: 2)
        #expect(throws: SpanInputError.self) { try enc.targets(answer: 2..<9) }
        do { _ = try enc.targets(answer: 1..<2); Issue.record("expected an error") } catch let e as SpanInputError {
            #expect(e.description.hasPrefix("QA example bad, answers[0].range: byte 1"), "\(e)")
        }
    }

    @Test func predictionPicksTheBestValidSpanOverWindows() throws {
        let enc = try SpanFeatures.encode(id: "pred", question: "q1 q2", context: "a b c d e f g h", tokenizer: Self.tokenizer(), maxLength: 10, stride: 2)
        func row(_ pairs: [Int: Float]) -> [Float] { (0..<10).map { pairs[$0] ?? 0 } }
        // [CLS] (position 0) and the question score highest but are not context; window 1's d…f wins.
        let starts = [row([0: 50, 1: 40, 5: 3]), row([4: 4, 0: 60])]
        let ends = [row([0: 50, 6: 3]), row([6: 4])]
        let p = try enc.predict(startLogits: starts, endLogits: ends)
        #expect(p.text == "d e f" && p.window == 1 && p.tokens == 3...5 && p.score == 8 && p.byteRange == 6..<11)
        // At most 2 tokens: the best short span.
        let short = try enc.predict(startLogits: starts, endLogits: ends, maxAnswerLength: 2)
        #expect(short.score == 6 && short.text == "b c")
        // n-best 1 with the best end before the best start in every window: no valid span, "".
        let none = try enc.predict(startLogits: [row([8: 5]), row([8: 5])], endLogits: [row([4: 5]), row([4: 5])], nBest: 1)
        #expect(none == .noSpan && none.text == "")
        // Rows shorter than a window are an error naming the example and the window.
        #expect(throws: SpanInputError.self) { try enc.predict(startLogits: [row([:]), [1]], endLogits: ends) }
    }

    // MARK: The HF fixture

    struct Fixture: Decodable {
        struct Window: Decodable {
            let input_ids: [Int32]; let token_type_ids: [Int32]; let context_positions: [Int]; let start_position: Int32; let end_position: Int32
            let start_logits_65536ths: [Int]; let end_logits_65536ths: [Int]
        }
        struct Prediction: Decodable {
            let text: String; let byte_start: Int?; let byte_end: Int?; let score: Double?; let n_best: Int; let max_answer_length: Int
        }
        struct Example: Decodable {
            let file: String; let id: String; let answer_text: String; let answer_byte_start: Int; let answer_byte_end: Int
            let windows: [Window]; let predictions: [Prediction]
        }
        struct Tokenizer: Decodable { let name: String; let examples: [Example] }
        let max_length: Int; let stride: Int; let tokenizers: [Tokenizer]
    }

    struct SQuAD: Decodable {
        struct Article: Decodable { let paragraphs: [Paragraph] }
        struct Paragraph: Decodable { let context: String; let qas: [QA] }
        struct QA: Decodable { let id: String; let question: String }
        let data: [Article]
    }

    static let fixtureURL = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/tasks/span_qa.json")
    static let miniLMTokenizer = TestPaths.miniLM.appendingPathComponent("tokenizer.json")
    static let e5Tokenizer = E5Image.image.appendingPathComponent("tokenizer.json")
    static func available(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.path)
            && FileManager.default.fileExists(atPath: TestPaths.dataRoot.appendingPathComponent("xquad/xquad.en.json").path)
    }

    /// Every window's ids, token types and run_qa start/end positions, and the predicted answers, as HF's.
    func checkFixture(_ name: String, tokenizerURL: URL) throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Self.fixtureURL))
        let part = try #require(fixture.tokenizers.first { $0.name == name }, "no \(name) in span_qa.json")
        let tok = try Tokenizer.load(from: tokenizerURL)
        var files: [String: SQuAD] = [:]
        var windows = 0, cut = 0, multiWindow = 0
        for ex in part.examples {
            if files[ex.file] == nil {
                files[ex.file] = try JSONDecoder().decode(SQuAD.self, from: Data(contentsOf: TestPaths.dataRoot.appendingPathComponent(ex.file)))
            }
            let squad = try #require(files[ex.file])
            let found = squad.data.lazy.flatMap(\.paragraphs).compactMap { p in p.qas.first { $0.id == ex.id }.map { (p.context, $0.question) } }.first
            let (context, question) = try #require(found, "\(ex.file): no question \(ex.id)")
            let answer = ex.answer_byte_start..<ex.answer_byte_end
            #expect(String(decoding: Array(context.utf8)[answer], as: UTF8.self) == ex.answer_text)
            let label = "\(name) \(ex.file)#\(ex.id)"
            let enc = try SpanFeatures.encode(id: label, question: question, context: context, tokenizer: tok,
                                              maxLength: fixture.max_length, stride: fixture.stride)
            try #require(enc.features.count == ex.windows.count, "\(label): \(enc.features.count) windows, HF \(ex.windows.count)")
            let targets = try enc.targets(answer: answer)
            for (w, (f, g)) in zip(enc.features, ex.windows).enumerated() {
                #expect(f.ids == g.input_ids, "\(label) window \(w): ids")
                #expect(f.tokenTypes == g.token_type_ids, "\(label) window \(w): token types")
                let first = f.window.sequenceOffset, last = f.window.sequenceOffset + f.window.contextLength - 1
                #expect([first, last] == g.context_positions, "\(label) window \(w): context at \(first)...\(last), HF \(g.context_positions)")
                #expect(f.candidateMask.indices.filter { f.candidateMask[$0] == 1 } == Array(first...last), "\(label) window \(w): candidate mask")
                #expect(targets.startPositions[w] == g.start_position && targets.endPositions[w] == g.end_position,
                        "\(label) window \(w): (\(targets.startPositions[w]), \(targets.endPositions[w])), HF (\(g.start_position), \(g.end_position))")
            }
            windows += ex.windows.count
            cut += targets.report.windowsCut
            if ex.windows.count >= 3 { multiWindow += 1 }
            let starts = ex.windows.map { $0.start_logits_65536ths.map { Float($0) / 65536 } }
            let ends = ex.windows.map { $0.end_logits_65536ths.map { Float($0) / 65536 } }
            for g in ex.predictions {
                let p = try enc.predict(startLogits: starts, endLogits: ends, nBest: g.n_best, maxAnswerLength: g.max_answer_length)
                let setting = "\(label) n-best \(g.n_best), max length \(g.max_answer_length)"
                #expect(p.text == g.text, "\(setting): \"\(p.text)\", HF \"\(g.text)\"")
                #expect(p.byteRange?.lowerBound == g.byte_start && p.byteRange?.upperBound == g.byte_end, "\(setting): byte range")
                #expect(p.score == g.score.map { Float($0) } ?? -.infinity, "\(setting): score \(p.score), HF \(g.score ?? -.infinity)")
            }
        }
        print("\(name): \(part.examples.count) examples, \(windows) windows (\(cut) cut by a boundary), \(multiWindow) with 3+ windows")
        #expect(part.examples.count >= 6 && multiWindow >= 1)
    }

    @Test(.enabled(if: available(miniLMTokenizer), "the shared all-MiniLM-L6-v2 tokenizer.json or XQuAD is missing (../shared or POLYGLOT_DATA_ROOT)"))
    func miniLMWindowsAndPredictionsMatchHF() throws {
        try checkFixture("all-MiniLM-L6-v2", tokenizerURL: Self.miniLMTokenizer)
    }

    @Test(.enabled(if: available(e5Tokenizer), "the shared multilingual-e5-small-q4 tokenizer.json or XQuAD is missing (../shared or POLYGLOT_DATA_ROOT)"))
    func e5WindowsAndPredictionsMatchHF() throws {
        try checkFixture("multilingual-e5-small", tokenizerURL: Self.e5Tokenizer)
    }
}
