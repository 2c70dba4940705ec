import Foundation
import Testing
@testable import Platform

/// The distributed layer as one process sees it (no launcher): rank 0 of 1, collectives that leave values as
/// they are, and the share arithmetic every rank uses to cut a batch. The job itself runs in
/// `MPITrainingTests` (TrainingTests), under mpirun.
@Suite struct DistributedTests {
    @Test func sharesCoverTheItemsInOrderAndDifferByAtMostOne() {
        for count in [0, 1, 2, 5, 7, 32, 33] {
            for size in 1...6 {
                let shares = (0..<size).map { Distributed.share(of: count, rank: $0, size: size) }
                #expect(shares.first?.lowerBound == 0 && shares.last?.upperBound == count, "\(count) over \(size)")
                for (a, b) in zip(shares, shares.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
                let sizes = shares.map(\.count)
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1 && sizes == sizes.sorted(by: >), "\(count) over \(size): \(sizes)")
            }
        }
        #expect(Distributed.share(of: 10, rank: 0, size: 1) == 0..<10)
    }

    @Test func oneProcessIsRankZeroOfOneAndCollectivesChangeNothing() throws {
        // The test process was not started by mpirun.
        #expect(Distributed.launchedSize == 0 || Distributed.launchedSize == 1)
        try Distributed.start()
        #expect(Distributed.rank == 0 && Distributed.size == 1 && Distributed.isRoot && !Distributed.isActive)
        var values: [Float] = [1, 2.5, -3]
        try values.withUnsafeMutableBufferPointer { try Distributed.sum($0) }
        #expect(values == [1, 2.5, -3])
        var doubles = [0.25, 4]
        try Distributed.sum(&doubles)
        #expect(doubles == [0.25, 4])
        #expect(try Distributed.sum(7) == 7)
        var data = Data([1, 2, 3])
        try Distributed.broadcast(&data)
        #expect(data == Data([1, 2, 3]))
        #expect(try Distributed.broadcast(["a": 1]) == ["a": 1])
        #expect(try Distributed.gather(Data([9])) == [Data([9])])
        #expect(try Distributed.gather([1, 2]) == [[1, 2]])
        #expect(try Distributed.agree([1, 2, 3]))
        let r = try Distributed.range([5, -2])
        #expect(r.min == [5, -2] && r.max == [5, -2])
        try Distributed.barrier()
    }
}
