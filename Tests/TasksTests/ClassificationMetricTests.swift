import Testing
import Tasks

struct ClassificationCase: Decodable {
    let gold: [Int]
    let pred: [Int]
    let accuracy: Double
    let macro_f1: Double
    let micro_f1: Double
    let mcc: Double
    let binary_f1: Double?
    let per_label: [String: TypeScore]
}

@Suite struct ClassificationMetricTests {
    @Test func matchesScikitLearn() throws {
        let cases = try Fixtures.load("classification.json", as: [ClassificationCase].self)
        #expect(cases.count > 30)
        #expect(cases.filter { $0.binary_f1 != nil }.count >= 8)
        for (i, c) in cases.enumerated() {
            let acc = try Metrics.accuracy(gold: c.gold, pred: c.pred)
            let macro = try Metrics.macroF1(gold: c.gold, pred: c.pred)
            let micro = try Metrics.microF1(gold: c.gold, pred: c.pred)
            let mcc = try Metrics.matthewsCorrelation(gold: c.gold, pred: c.pred)
            #expect(close(acc, c.accuracy), "case \(i): accuracy \(acc) vs \(c.accuracy)")
            #expect(close(macro, c.macro_f1), "case \(i): macro F1 \(macro) vs \(c.macro_f1)")
            #expect(close(micro, c.micro_f1), "case \(i): micro F1 \(micro) vs \(c.micro_f1)")
            #expect(close(mcc, c.mcc), "case \(i): MCC \(mcc) vs \(c.mcc)")
            if let ref = c.binary_f1 {
                let b = try Metrics.binaryF1(gold: c.gold, pred: c.pred, positive: 1)
                #expect(close(b, ref), "case \(i): binary F1 \(b) vs \(ref)")
            }
            let perLabel = try Metrics.perLabel(gold: c.gold, pred: c.pred)
            #expect(Set(perLabel.keys.map(String.init)) == Set(c.per_label.keys), "case \(i): labels")
            for (label, ref) in c.per_label {
                let mine = try #require(perLabel[Int(label)!])
                #expect(close(mine.precision, ref.precision) && close(mine.recall, ref.recall) && close(mine.f1, ref.f1)
                        && mine.support == ref.support, "case \(i) label \(label)")
            }
        }
    }

    @Test func labelsNeedNotBeIntegers() throws {
        let gold = ["pos", "neg", "neu", "pos"], pred = ["pos", "pos", "neu", "neg"]
        #expect(try Metrics.accuracy(gold: gold, pred: pred) == 0.5)
        // pos: tp 1, fp 1, fn 1 → 0.5; neg: 0; neu: 1 → mean 0.5
        #expect(close(try Metrics.macroF1(gold: gold, pred: pred), 0.5))
    }

    @Test func mismatchedLengthsAreErrors() {
        #expect(throws: MetricInputError.self) { try Metrics.accuracy(gold: [1, 2], pred: [1]) }
        #expect(throws: MetricInputError.self) { try Metrics.macroF1(gold: [Int](), pred: []) }
        #expect(throws: MetricInputError.self) { try Metrics.tokenAccuracy(gold: [["O"]], pred: [["O", "O"]]) }
    }
}
