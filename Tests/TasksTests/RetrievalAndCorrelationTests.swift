import Testing
import Tasks

struct RetrievalCase: Decodable {
    let source: [[Double]]?
    let target: [[Double]]?
    let similarity: [[Double]]?
    let source_to_target: Double
    let target_to_source: Double
}

struct CorrelationCase: Decodable {
    let x: [Double]; let y: [Double]; let pearson: Double; let spearman: Double; let ranks_x: [Double]
}


@Suite struct RetrievalAndCorrelationTests {
    @Test func retrievalMatchesNumpy() throws {
        let cases = try Fixtures.load("retrieval.json", as: [RetrievalCase].self)
        #expect(cases.count == 4)
        for c in cases {
            let r: RetrievalAccuracy.Result
            if let sim = c.similarity {
                r = try RetrievalAccuracy.accuracyAt1(similarity: sim.flatMap { $0 }, count: sim.count)
            } else {
                let s = try #require(c.source), t = try #require(c.target)
                r = try RetrievalAccuracy.accuracyAt1(source: s.flatMap { $0 }, target: t.flatMap { $0 }, dimension: s[0].count)
            }
            #expect(r.sourceToTarget == c.source_to_target)
            #expect(r.targetToSource == c.target_to_source)
        }
    }

    @Test func retrievalRejectsBadShapes() {
        #expect(throws: MetricInputError.self) { try RetrievalAccuracy.accuracyAt1(similarity: [1, 2, 3], count: 2) }
        #expect(throws: MetricInputError.self) {
            try RetrievalAccuracy.accuracyAt1(source: [1.0, 0, 0, 1] as [Double], target: [1.0, 0] as [Double], dimension: 2)
        }
        #expect(throws: MetricInputError.self) {
            try RetrievalAccuracy.accuracyAt1(source: [0.0, 0] as [Double], target: [1.0, 0] as [Double], dimension: 2)
        }
    }

    @Test func correlationsMatchScipy() throws {
        let cases = try Fixtures.load("correlation.json", as: [CorrelationCase].self)
        #expect(cases.count > 10)
        for c in cases {
            #expect(close(try Correlation.pearson(c.x, c.y), c.pearson), "pearson n=\(c.x.count)")
            #expect(close(try Correlation.spearman(c.x, c.y), c.spearman), "spearman n=\(c.x.count)")
            #expect(Correlation.ranks(c.x) == c.ranks_x)
        }
        #expect(try Correlation.pearson([1, 1, 1], [1, 2, 3]).isNaN)
    }

}
