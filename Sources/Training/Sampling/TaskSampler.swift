import Platform

/// Draws which task to train on. `nextTask(step:)` once per optimizer step gives jiant's one-task-per-step
/// training; `nextTasks(step:count:)` draws a task for every slot of a mixed batch. The whole value — rule,
/// example counts and the generator's state — is `Codable`, so a checkpoint restores the exact sequence.
public struct TaskSampler: Equatable, Sendable {
    public let rule: TaskSamplingRule
    public let exampleCounts: [Int]
    /// The "sampler" stream; saved with the sampler.
    public private(set) var random: RandomStream
    /// Draws made so far (informational; the generator state alone determines the future).
    public private(set) var draws: Int
    /// Cumulative distribution of a static rule, computed once.
    private var staticCumulative: [Double]?

    /// `stream` names the random stream (`sampler`; a later stage of a run with stages draws from its own).
    public init(rule: TaskSamplingRule, exampleCounts: [Int], seed: UInt64, stream: String = "sampler") throws {
        try self.init(rule: rule, exampleCounts: exampleCounts, random: RandomStream(seed: seed, name: stream), draws: 0)
    }

    init(rule: TaskSamplingRule, exampleCounts: [Int], random: RandomStream, draws: Int) throws {
        try rule.validate(exampleCounts: exampleCounts)
        self.rule = rule
        self.exampleCounts = exampleCounts
        self.random = random
        self.draws = draws
        staticCumulative = rule.isStatic ? Self.cumulative(rule.probabilities(step: 0, exampleCounts: exampleCounts)) : nil
    }

    public var taskCount: Int { exampleCounts.count }

    /// p at `step`, summing to 1.
    public func probabilities(step: Int) -> [Double] {
        rule.probabilities(step: step, exampleCounts: exampleCounts)
    }

    /// The task for `step`.
    public mutating func nextTask(step: Int) -> Int {
        let u = random.nextDouble()
        draws += 1
        if let c = staticCumulative { return Self.pick(u, c) }
        return Self.pick(u, Self.cumulative(probabilities(step: step)))
    }

    /// One task per slot of a mixed batch at `step`.
    public mutating func nextTasks(step: Int, count: Int) -> [Int] {
        precondition(count >= 0, "TaskSampler.nextTasks: count \(count) is negative")
        let c = staticCumulative ?? Self.cumulative(probabilities(step: step))
        var out = [Int](repeating: 0, count: count)
        for i in 0..<count { out[i] = Self.pick(random.nextDouble(), c) }
        draws += count
        return out
    }

    static func cumulative(_ p: [Double]) -> [Double] {
        var c = p
        for i in 1..<max(c.count, 1) { c[i] += c[i - 1] }
        return c
    }

    /// First task whose cumulative probability exceeds u; rounding that leaves the total just under 1 falls to the
    /// last task with non-zero probability.
    static func pick(_ u: Double, _ c: [Double]) -> Int {
        var lo = 0, hi = c.count - 1
        let target = u * c[c.count - 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if c[mid] > target { hi = mid } else { lo = mid + 1 }
        }
        while lo > 0 && c[lo] == c[lo - 1] { lo -= 1 }  // never land on a zero-probability task
        return lo
    }
}

extension TaskSampler: Codable {
    enum CodingKeys: String, CodingKey {
        case rule, exampleCounts = "example_counts", random, draws
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(rule: try c.decode(TaskSamplingRule.self, forKey: .rule),
                      exampleCounts: try c.decode([Int].self, forKey: .exampleCounts),
                      random: try c.decode(RandomStream.self, forKey: .random),
                      draws: try c.decode(Int.self, forKey: .draws))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rule, forKey: .rule)
        try c.encode(exampleCounts, forKey: .exampleCounts)
        try c.encode(random, forKey: .random)
        try c.encode(draws, forKey: .draws)
    }
}
