import Testing
import Tasks

struct SQuADFixture: Decodable {
    struct Normalized: Decodable { let text: String; let squad: String }
    struct Case: Decodable { let prediction: String; let golds: [String]; let exact_match: Double; let f1: Double }
    let normalized: [Normalized]
    let cases: [Case]
}

struct MLQAFixture: Decodable {
    struct Normalized: Decodable { let text: String; let language: String; let normalized: String }
    struct Case: Decodable { let language: String; let prediction: String; let golds: [String]; let exact_match: Double; let f1: Double }
    let normalized: [Normalized]
    let cases: [Case]
}

/// Code-point equality (Swift's `==` on String is canonical equivalence, which would hide normalization bugs).
func sameScalars(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

@Suite struct AnswerOverlapTests {
    @Test func squadNormalizationMatchesOfficialScript() throws {
        let f = try Fixtures.load("squad.json", as: SQuADFixture.self)
        for n in f.normalized {
            let mine = AnswerNormalization.squad.normalize(n.text)
            #expect(sameScalars(mine, n.squad), "\(n.text.debugDescription): \(mine.debugDescription) vs \(n.squad.debugDescription)")
        }
    }

    @Test func squadScoresMatchOfficialScript() throws {
        let f = try Fixtures.load("squad.json", as: SQuADFixture.self)
        #expect(f.cases.count >= 80)
        for c in f.cases {
            let em = try AnswerOverlap.exactMatch(prediction: c.prediction, golds: c.golds)
            let f1 = try AnswerOverlap.f1(prediction: c.prediction, golds: c.golds)
            #expect(em == c.exact_match, "\(c.prediction.debugDescription) vs \(c.golds)")
            #expect(close(f1, c.f1), "\(c.prediction.debugDescription) vs \(c.golds): \(f1) vs \(c.f1)")
        }
        let all = try AnswerOverlap.score(predictions: f.cases.map(\.prediction), golds: f.cases.map(\.golds))
        #expect(close(all.f1, f.cases.map(\.f1).reduce(0, +) / Double(f.cases.count)))
    }

    @Test func mlqaNormalizationMatchesMLQAScript() throws {
        let f = try Fixtures.load("mlqa.json", as: MLQAFixture.self)
        #expect(Set(f.normalized.map(\.language)) == Set(MLQALanguage.allCases.map(\.rawValue)))
        for n in f.normalized {
            let mine = try AnswerNormalization.mlqa(code: n.language).normalize(n.text)
            #expect(sameScalars(mine, n.normalized), "\(n.language) \(n.text.debugDescription): \(mine.debugDescription) vs \(n.normalized.debugDescription)")
        }
    }

    @Test func mlqaScoresMatchMLQAScript() throws {
        let f = try Fixtures.load("mlqa.json", as: MLQAFixture.self)
        for c in f.cases {
            let norm = try AnswerNormalization.mlqa(code: c.language)
            let em = try AnswerOverlap.exactMatch(prediction: c.prediction, golds: c.golds, normalization: norm)
            let f1 = try AnswerOverlap.f1(prediction: c.prediction, golds: c.golds, normalization: norm)
            #expect(em == c.exact_match, "\(c.language) \(c.prediction.debugDescription) vs \(c.golds)")
            #expect(close(f1, c.f1), "\(c.language) \(c.prediction.debugDescription) vs \(c.golds): \(f1) vs \(c.f1)")
        }
    }

    @Test func unknownLanguageAndMissingGoldsAreErrors() {
        #expect(throws: MetricInputError.self) { try AnswerNormalization.mlqa(code: "xx") }
        #expect(throws: MetricInputError.self) { try AnswerOverlap.f1(prediction: "a", golds: []) }
    }
}
