import Testing
import Tasks

struct TypeScore: Decodable { let precision: Double; let recall: Double; let f1: Double; let support: Int }
struct SeqEvalCase: Decodable {
    let gold: [[String]]
    let pred: [[String]]
    let gold_entities: [[Entry]]
    let pred_entities: [[Entry]]
    let precision: Double
    let recall: Double
    let f1: Double
    let macro_f1: Double
    let token_accuracy: Double
    let per_type: [String: TypeScore]

    enum Entry: Decodable {
        case text(String), number(Int)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .number(i) } else { self = .text(try c.decode(String.self)) }
        }
    }
    struct BadRow: Error {}
    static func spans(_ rows: [[Entry]]) throws -> [EntitySpan] {
        try rows.map { r in
            guard case .text(let t) = r[0], case .number(let b) = r[1], case .number(let e) = r[2] else { throw BadRow() }
            return EntitySpan(type: t, start: b, end: e)
        }
    }
}

@Suite struct EntityF1Tests {
    let cases: [SeqEvalCase]
    init() throws { cases = try Fixtures.load("seqeval.json", as: [SeqEvalCase].self) }

    @Test func chunksMatchSeqEval() throws {
        #expect(cases.count > 30)
        for (i, c) in cases.enumerated() {
            #expect(try EntityChunker.entities(sentences: c.gold) == (try SeqEvalCase.spans(c.gold_entities)), "case \(i) gold")
            #expect(try EntityChunker.entities(sentences: c.pred) == (try SeqEvalCase.spans(c.pred_entities)), "case \(i) pred")
        }
    }

    @Test func scoresMatchSeqEval() throws {
        for (i, c) in cases.enumerated() {
            let s = try SeqEval.score(gold: c.gold, pred: c.pred)
            #expect(close(s.micro.precision, c.precision), "case \(i): precision")
            #expect(close(s.micro.recall, c.recall), "case \(i): recall")
            #expect(close(s.micro.f1, c.f1), "case \(i): f1 \(s.micro.f1) vs \(c.f1)")
            #expect(close(s.macroF1, c.macro_f1), "case \(i): macro f1")
            #expect(Set(s.perType.keys) == Set(c.per_type.keys), "case \(i): types")
            for (t, ref) in c.per_type {
                let mine = try #require(s.perType[t])
                #expect(close(mine.precision, ref.precision) && close(mine.recall, ref.recall) && close(mine.f1, ref.f1),
                        "case \(i) type \(t)")
                #expect(mine.support == ref.support, "case \(i) type \(t): support")
            }
            #expect(close(try Metrics.tokenAccuracy(gold: c.gold, pred: c.pred), c.token_accuracy), "case \(i): token accuracy")
        }
    }

    @Test func sentenceCountsAddUpToCorpusCounts() throws {
        for c in cases {
            let s = try SeqEval.score(gold: c.gold, pred: c.pred)
            let counts = try SeqEval.sentenceCounts(gold: c.gold, pred: c.pred)
            #expect(close(SeqEval.microF1(counts, indices: Array(counts.indices)), s.micro.f1))
            #expect(counts.reduce(0) { $0 + $1.gold } == s.micro.support)
        }
    }

    @Test func iAfterOStartsAChunk() throws {
        let spans = try EntityChunker.entities(["O", "I-PER", "I-PER", "B-LOC", "I-ORG"])
        #expect(spans == [EntitySpan(type: "PER", start: 1, end: 2), EntitySpan(type: "LOC", start: 3, end: 3),
                          EntitySpan(type: "ORG", start: 4, end: 4)])
    }

    @Test func malformedInputIsAnError() {
        #expect(throws: MetricInputError.self) { try SeqEval.score(gold: [["B-PER", ""]], pred: [["O", "O"]]) }
        #expect(throws: MetricInputError.self) { try SeqEval.score(gold: [["B-PER"]], pred: [["O", "O"]]) }
    }
}
