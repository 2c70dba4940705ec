import Platform

/// Example indices of one task, without replacement within an epoch: each epoch is a fresh permutation of
/// 0..<count drawn from a stream seeded by (seed, name, epoch), so the state to save is just (epoch, position)
/// and a resumed iterator continues with exactly the indices the original would have produced.
public struct EpochIterator: Equatable, Sendable {
    public let count: Int
    public let seed: UInt64
    /// Stream name, e.g. "examples/ner"; different tasks with one run seed get different orders.
    public let name: String
    /// Epochs started so far, from 0.
    public private(set) var epoch: Int
    /// Index into the current epoch's order of the next example.
    public private(set) var position: Int
    /// The current epoch's permutation (rebuilt from seed, name and epoch, never saved).
    public private(set) var order: [Int]

    public init(count: Int, seed: UInt64, name: String = "examples") throws {
        try self.init(count: count, seed: seed, name: name, epoch: 0, position: 0)
    }

    init(count: Int, seed: UInt64, name: String, epoch: Int, position: Int) throws {
        guard count > 0 else { throw ConfigError(key: "examples", "task '\(name)' has no examples to iterate") }
        guard epoch >= 0, position >= 0, position <= count else {
            throw ConfigError(key: "epoch_iterator", "position \(position) of epoch \(epoch) is outside 0...\(count)")
        }
        self.count = count; self.seed = seed; self.name = name
        self.epoch = epoch; self.position = position
        order = Self.permutation(count: count, seed: seed, name: name, epoch: epoch)
    }

    static func permutation(count: Int, seed: UInt64, name: String, epoch: Int) -> [Int] {
        var random = RandomStream(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15, name: name)
        var order = Array(0..<count)
        random.shuffle(&order)
        return order
    }

    /// The next example index, starting a new epoch (a new permutation) when this one is used up.
    public mutating func next() -> Int {
        if position == count {
            epoch += 1
            position = 0
            order = Self.permutation(count: count, seed: seed, name: name, epoch: epoch)
        }
        let i = order[position]
        position += 1
        return i
    }

    /// `size` indices; a batch may run across an epoch boundary, as an endless data loader's does.
    public mutating func next(batch size: Int) -> [Int] {
        precondition(size >= 0, "EpochIterator.next(batch:): size \(size) is negative")
        var out = [Int](repeating: 0, count: size)
        for k in 0..<size { out[k] = next() }
        return out
    }
}

extension EpochIterator: Codable {
    enum CodingKeys: String, CodingKey { case count, seed, name, epoch, position }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(count: try c.decode(Int.self, forKey: .count), seed: try c.decode(UInt64.self, forKey: .seed),
                      name: try c.decode(String.self, forKey: .name), epoch: try c.decode(Int.self, forKey: .epoch),
                      position: try c.decode(Int.self, forKey: .position))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count); try c.encode(seed, forKey: .seed); try c.encode(name, forKey: .name)
        try c.encode(epoch, forKey: .epoch); try c.encode(position, forKey: .position)
    }
}
