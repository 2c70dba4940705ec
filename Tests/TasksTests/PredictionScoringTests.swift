import Foundation
import Testing
import Tasks

/// `prediction_scoring.json`: regression (the correlation fixture's inputs with sklearn's MSE), tagging (the seqeval
/// fixture's inputs with sklearn's macro F1 over word tags) and retrieval (numpy ranks and MRR on float32 scores).
struct PredictionScoringFixture: Decodable {
    struct Regression: Decodable { let gold: [Double]; let predicted: [Double]; let mse: Double; let pearson: Double; let spearman: Double }
    struct Tagging: Decodable {
        let gold: [[String]]; let predicted: [[String]]
        let accuracy: Double; let span_f1: Double; let macro_f1: Double; let seqeval_type_macro_f1: Double
    }
    struct Retrieval: Decodable {
        let similarity: [[Double]]
        let gold: [Int]; let predicted: [Int]; let predicted_reverse: [Int]; let gold_rank: [Int]
        let accuracy: Double; let accuracy_reverse: Double; let mrr: Double
    }
    let regression: [Regression]
    let tagging: [Tagging]
    let retrieval: [Retrieval]
}

@Suite struct PredictionScoringTests {
    let fixture: PredictionScoringFixture
    init() throws { fixture = try Fixtures.load("prediction_scoring.json", as: PredictionScoringFixture.self) }

    @Test func classificationMatchesScikitLearn() throws {
        let cases = try Fixtures.load("classification.json", as: [ClassificationCase].self)
        #expect(cases.count > 30)
        for (i, c) in cases.enumerated() {
            // Indices as the trainer writes them for unnamed labels, names as it writes them otherwise.
            let byIndex = zip(c.gold, c.pred).enumerated().map { PredictionRecord(id: "\($0)", gold: .index($1.0), predicted: .index($1.1)) }
            let byName = zip(c.gold, c.pred).enumerated().map {
                PredictionRecord(id: "\($0)", gold: .label("L\($1.0)"), predicted: .label("L\($1.1)"))
            }
            for records in [byIndex, byName] {
                let v = try PredictionScoring(type: .classification, records: records, source: "case \(i)").values(["accuracy", "macro_f1", "micro_f1"])
                #expect(close(v["accuracy"]!, c.accuracy), "case \(i): accuracy \(v["accuracy"]!) vs \(c.accuracy)")
                #expect(close(v["macro_f1"]!, c.macro_f1), "case \(i): macro F1 \(v["macro_f1"]!) vs \(c.macro_f1)")
                #expect(close(v["micro_f1"]!, c.micro_f1), "case \(i): micro F1 \(v["micro_f1"]!) vs \(c.micro_f1)")
            }
        }
    }

    @Test func regressionMatchesScipyAndScikitLearn() throws {
        #expect(fixture.regression.count > 10)
        for (i, c) in fixture.regression.enumerated() {
            let records = zip(c.gold, c.predicted).enumerated().map { PredictionRecord(id: "\($0)", gold: .number($1.0), predicted: .number($1.1)) }
            let v = try PredictionScoring(type: .regression, records: records, source: "case \(i)").values(["mse", "pearson", "spearman"])
            #expect(close(v["mse"]!, c.mse), "case \(i): MSE \(v["mse"]!) vs \(c.mse)")
            #expect(close(v["pearson"]!, c.pearson), "case \(i): Pearson \(v["pearson"]!) vs \(c.pearson)")
            #expect(close(v["spearman"]!, c.spearman), "case \(i): Spearman \(v["spearman"]!) vs \(c.spearman)")
        }
        // Through a predictions file: integral values read back as indices and still count as numbers.
        let c = fixture.regression[0]
        let records = zip(c.gold, c.predicted).enumerated().map { PredictionRecord(id: "\($0)", gold: .number($1.0), predicted: .number($1.1)) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-regression-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try PredictionRecord.write(records, to: url)
        let back = try PredictionRecord.read(url)
        let v = try PredictionScoring(type: .regression, records: back, source: url.path).values(["mse"])
        #expect(close(v["mse"]!, c.mse))
    }

    @Test func taggingMatchesSeqevalAndScikitLearn() throws {
        #expect(fixture.tagging.count > 30)
        var typeMacroDiffers = 0
        for (i, c) in fixture.tagging.enumerated() {
            let records = zip(c.gold, c.predicted).enumerated().map { PredictionRecord(id: "\($0)", gold: .tags($1.0), predicted: .tags($1.1)) }
            let v = try PredictionScoring(type: .tagging, records: records, source: "case \(i)").values(["accuracy", "span_f1", "macro_f1"])
            #expect(close(v["accuracy"]!, c.accuracy), "case \(i): accuracy \(v["accuracy"]!) vs \(c.accuracy)")
            #expect(close(v["span_f1"]!, c.span_f1), "case \(i): span F1 \(v["span_f1"]!) vs seqeval \(c.span_f1)")
            #expect(close(v["macro_f1"]!, c.macro_f1), "case \(i): macro F1 \(v["macro_f1"]!) vs sklearn on word tags \(c.macro_f1)")
            if !close(c.macro_f1, c.seqeval_type_macro_f1) { typeMacroDiffers += 1 }
        }
        // Tagging's macro_f1 is over word tags (O included), not seqeval's average over entity types.
        #expect(typeMacroDiffers > 0)
    }

    @Test func retrievalMatchesNumpy() throws {
        #expect(fixture.retrieval.count >= 3)
        #expect(fixture.retrieval.contains { zip($0.predicted, $0.gold).contains { $0 != $1 } && $0.gold_rank.contains { $0 > 2 } })
        for (k, c) in fixture.retrieval.enumerated() {
            // The family's ranking on the same float32 scores gives numpy's records.
            var reverseBest = [Int](repeating: 0, count: c.similarity[0].count)
            for j in reverseBest.indices {
                for i in c.similarity.indices where Float(c.similarity[i][j]) > Float(c.similarity[reverseBest[j]][j]) { reverseBest[j] = i }
            }
            for (i, row) in c.similarity.enumerated() {
                let scores = row.map { Float($0) }
                #expect(RetrievalRanking.best(scores) == c.predicted[i], "case \(k) row \(i): best")
                #expect(RetrievalRanking.rank(scores, gold: c.gold[i]) == c.gold_rank[i], "case \(k) row \(i): rank")
                #expect(reverseBest[c.gold[i]] == c.predicted_reverse[i], "case \(k) row \(i): reverse")
            }
            let records = c.gold.indices.map {
                PredictionRecord(id: "\($0)", gold: .index(c.gold[$0]), predicted: .index(c.predicted[$0]),
                                 predictedReverse: c.predicted_reverse[$0], goldRank: c.gold_rank[$0])
            }
            let v = try PredictionScoring(type: .retrieval, records: records, source: "case \(k)").values(["accuracy", "accuracy_reverse", "mrr"])
            #expect(close(v["accuracy"]!, c.accuracy), "case \(k): accuracy \(v["accuracy"]!) vs \(c.accuracy)")
            #expect(close(v["accuracy_reverse"]!, c.accuracy_reverse), "case \(k): reverse \(v["accuracy_reverse"]!) vs \(c.accuracy_reverse)")
            #expect(close(v["mrr"]!, c.mrr), "case \(k): MRR \(v["mrr"]!) vs \(c.mrr)")
        }
    }
}
