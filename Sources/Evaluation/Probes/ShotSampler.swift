import Foundation
import Platform

/// What "k shots" counts: k examples of every class, or k examples of every language of the pool.
public enum ShotUnit: String, Codable, Sendable, CaseIterable {
    case perClass = "per-class"
    case perLanguage = "per-language"
}

/// The training examples of one few-shot run: indices into the pool and their ids, per group.
public struct ShotSet: Codable, Equatable, Sendable {
    public var k: Int
    public var seed: UInt64
    public var unit: ShotUnit
    /// Group (class or language) → pool indices, in draw order.
    public var indices: [String: [Int]]
    /// Group → example ids (parallel to `indices`), so the shots can be found in the data files.
    public var ids: [String: [String]]

    /// Every index, groups in name order.
    public var allIndices: [Int] { indices.keys.sorted().flatMap { indices[$0]! } }
}

/// Draws shot sets with `RandomStream(seed:, name: "shots/<stream>/<group>")`: each group's pool is
/// shuffled once per seed and the k-shot set is its first k, so the sets of one seed are nested
/// (the 1-shot set is inside the 2-shot set) and the same seed gives the same sets.
public enum ShotSampler {
    public struct NotEnoughExamples: PolyglotError, Equatable {
        public let group: String
        public let available: Int
        public let needed: Int
        public var description: String { "shots: group '\(group)' has \(available) examples, \(needed) needed (lower --k)" }
    }

    /// `groups[i]` is example i's class (per-class) or language (per-language); `ids[i]` its id.
    public static func sample(groups: [String], ids: [String], ks: [Int], seed: UInt64, unit: ShotUnit, stream: String) throws -> [ShotSet] {
        precondition(groups.count == ids.count)
        guard let maxK = ks.max(), ks.allSatisfy({ $0 > 0 }) else { throw ConfigError(key: "k", "shot counts must be positive, found \(ks)") }
        var byGroup: [String: [Int]] = [:]
        for (i, g) in groups.enumerated() { byGroup[g, default: []].append(i) }
        var shuffled: [String: [Int]] = [:]
        for g in byGroup.keys.sorted() {
            var pool = byGroup[g]!
            guard pool.count >= maxK else { throw NotEnoughExamples(group: g, available: pool.count, needed: maxK) }
            var random = RandomStream(seed: seed, name: "shots/\(stream)/\(g)")
            random.shuffle(&pool)
            shuffled[g] = pool
        }
        return ks.map { k in
            let idx = shuffled.mapValues { Array($0.prefix(k)) }
            return ShotSet(k: k, seed: seed, unit: unit, indices: idx, ids: idx.mapValues { $0.map { ids[$0] } })
        }
    }
}
