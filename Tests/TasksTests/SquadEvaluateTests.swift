import Foundation
import Testing
import Tasks

/// `squad_evaluate.json`: what the official SQuAD v1.1 `evaluate(dataset, predictions)` (and MLQA's, per language)
/// gives on `squad_predictions.jsonl` — real XQuAD questions with seeded perturbations of their answers.
struct SquadEvaluateFixture: Decodable {
    struct Scores: Decodable { let exact_match: Double; let f1: Double }
    struct Language: Decodable { let count: Int; let squad: Scores; let squad_x100: Scores; let mlqa: Scores; let mlqa_x100: Scores }
    let predictions_file: String
    let count: Int
    let kinds: [String: String]
    let official_x100: Scores
    let exact_match: Double
    let f1: Double
    let per_language: [String: Language]
}

@Suite struct SquadEvaluateTests {
    let fixture: SquadEvaluateFixture
    let records: [PredictionRecord]

    init() throws {
        fixture = try Fixtures.load("squad_evaluate.json", as: SquadEvaluateFixture.self)
        records = try PredictionRecord.read(Fixtures.root.appendingPathComponent(fixture.predictions_file))
    }

    @Test func recordsReadAsAnswers() throws {
        #expect(records.count == fixture.count)
        #expect(records.count >= 40)
        #expect(Set(records.map(\.id)).count == records.count, "ids are unique")
        #expect(Set(records.map(\.id)) == Set(fixture.kinds.keys))
        for r in records {
            #expect(r.gold.tags?.isEmpty == false, "\(r.id): gold is a list of answers")
            #expect(r.predicted.label != nil, "\(r.id): prediction is an answer string")
        }
        // Every perturbation is in the file, in every language.
        #expect(Set(fixture.kinds.values) == ["exact", "article_punct", "drop_word", "longer_span", "empty", "other_answer"])
        #expect(Set(records.map { language($0.id) }) == Set(fixture.per_language.keys))
    }

    func language(_ id: String) -> String { String(id.prefix { $0 != "/" }) }

    @Test func wholeFileMatchesOfficialEvaluate() throws {
        let v = try PredictionScoring(type: .spanQA, records: records, source: fixture.predictions_file).values(["exact_match", "f1"])
        let em = try #require(v["exact_match"]), f1 = try #require(v["f1"])
        #expect(close(em, fixture.exact_match), "exact match \(em) vs \(fixture.exact_match)")
        #expect(close(f1, fixture.f1), "F1 \(f1) vs \(fixture.f1)")
        // As the official script reports them (×100).
        #expect(close(em * 100, fixture.official_x100.exact_match, 1e-7))
        #expect(close(f1 * 100, fixture.official_x100.f1, 1e-7))
        // Not a degenerate file: neither all right nor all wrong.
        #expect(em > 0.05 && em < 0.95 && f1 > em)
    }

    @Test func perLanguageSquadAndMLQA() throws {
        for (lang, ref) in fixture.per_language {
            let mine = records.filter { language($0.id) == lang }
            #expect(mine.count == ref.count, "\(lang)")
            let v = try PredictionScoring(type: .spanQA, records: mine, source: lang).values(["exact_match", "f1"])
            #expect(close(try #require(v["exact_match"]), ref.squad.exact_match), "\(lang) SQuAD EM \(v["exact_match"]!) vs \(ref.squad.exact_match)")
            #expect(close(try #require(v["f1"]), ref.squad.f1), "\(lang) SQuAD F1 \(v["f1"]!) vs \(ref.squad.f1)")
            let mlqa = try AnswerOverlap.score(predictions: mine.map { $0.predicted.label! }, golds: mine.map { $0.gold.tags! },
                                               normalization: .mlqa(code: lang))
            #expect(close(mlqa.exactMatch, ref.mlqa.exact_match), "\(lang) MLQA EM \(mlqa.exactMatch) vs \(ref.mlqa.exact_match)")
            #expect(close(mlqa.f1, ref.mlqa.f1), "\(lang) MLQA F1 \(mlqa.f1) vs \(ref.mlqa.f1)")
            #expect(close(mlqa.f1 * 100, ref.mlqa_x100.f1, 1e-7) && close(v["f1"]! * 100, ref.squad_x100.f1, 1e-7), "\(lang) ×100")
        }
        // The two normalizations disagree somewhere on this file, so the MLQA comparison is not SQuAD's again.
        #expect(fixture.per_language.values.contains { $0.mlqa.exact_match != $0.squad.exact_match || $0.mlqa.f1 != $0.squad.f1 })
    }
}
