import Foundation
import Testing
@testable import Runs
@testable import Tasks
import Platform
import Training

@Suite struct EpochIteratorTests {
    @Test func eachEpochVisitsEveryExampleOnce() throws {
        var it = try EpochIterator(count: 37, seed: 5, name: "examples/ner")
        var orders: [[Int]] = []
        for _ in 0..<4 {
            let epoch = (0..<37).map { _ in it.next() }
            #expect(epoch.sorted() == Array(0..<37))
            orders.append(epoch)
        }
        #expect(Set(orders).count == 4, "every epoch gets a fresh order")
        #expect(orders[0] != Array(0..<37))
        #expect(it.epoch == 3 && it.position == 37)
        _ = it.next()
        #expect(it.epoch == 4 && it.position == 1)
    }

    @Test func batchesCrossEpochBoundaries() throws {
        var it = try EpochIterator(count: 10, seed: 1)
        let all = (0..<3).flatMap { _ in it.next(batch: 7) } + it.next(batch: 9)
        #expect(all.count == 30)
        for e in 0..<3 { #expect(all[(e * 10)..<(e * 10 + 10)].sorted() == Array(0..<10)) }
    }

    @Test func resumeIsExact() throws {
        var a = try EpochIterator(count: 23, seed: 77, name: "examples/pos")
        for _ in 0..<51 { _ = a.next() }
        let data = try JSONEncoder().encode(a)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"epoch\":2") && json.contains("\"position\":5"))
        var b = try JSONDecoder().decode(EpochIterator.self, from: data)
        #expect(a == b)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
    }

    @Test func namesAndSeedsGiveDifferentOrders() throws {
        var a = try EpochIterator(count: 50, seed: 3, name: "examples/a")
        var b = try EpochIterator(count: 50, seed: 3, name: "examples/b")
        var c = try EpochIterator(count: 50, seed: 3, name: "examples/a")
        let oa = a.next(batch: 50)
        #expect(oa != b.next(batch: 50))
        #expect(oa == c.next(batch: 50))
    }

    @Test func badStateIsAnError() throws {
        #expect(throws: ConfigError.self) { try EpochIterator(count: 0, seed: 1) }
        let bad = Data(#"{"count": 5, "seed": 1, "name": "x", "epoch": 0, "position": 9}"#.utf8)
        #expect(throws: ConfigError.self) { try JSONDecoder().decode(EpochIterator.self, from: bad) }
    }
}
