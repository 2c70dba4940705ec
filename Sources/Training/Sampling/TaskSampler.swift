import Platform

/// Draws which task to train on. `nextTask(step:)` once per optimizer step gives jiant's one-task-per-step
/// training; `nextTasks(step:count:)` draws a task for every slot of a mixed batch. The whole value — rule,
/// example counts and the generator's state — is `Codable`, so a checkpoint restores the exact sequence.
public struct TaskSampler: Equatable, Sendable {
    public let rule: TaskSamplingRule
    public let exampleCounts: [Int]
    /// Replay of earlier stages (nil: none): with probability `fraction` a draw is one of the `replay`
    /// tasks instead, in proportion to their example counts; they are numbered after the rule's tasks.
    public let replay: Replay?
    /// The "sampler" stream; saved with the sampler.
    public private(set) var random: RandomStream
    /// Draws made so far (informational; the generator state alone determines the future).
    public private(set) var draws: Int
    /// Cumulative distribution of a static rule, computed once.
    private var staticCumulative: [Double]?
    /// Cumulative distribution over the replayed tasks.
    private var replayCumulative: [Double]?

    /// Earlier stages' tasks a sampler also draws from: each draw is one of them with probability
    /// `fraction`, chosen in proportion to `exampleCounts`.
    public struct Replay: Codable, Equatable, Sendable {
        public var fraction: Double
        public var exampleCounts: [Int]
        public init(fraction: Double, exampleCounts: [Int]) { self.fraction = fraction; self.exampleCounts = exampleCounts }
        enum CodingKeys: String, CodingKey { case fraction, exampleCounts = "example_counts" }
    }

    /// `stream` names the random stream (`sampler`; a later stage of a run with stages draws from its own).
    public init(rule: TaskSamplingRule, exampleCounts: [Int], seed: UInt64, stream: String = "sampler", replay: Replay? = nil) throws {
        try self.init(rule: rule, exampleCounts: exampleCounts, random: RandomStream(seed: seed, name: stream), draws: 0, replay: replay)
    }

    init(rule: TaskSamplingRule, exampleCounts: [Int], random: RandomStream, draws: Int, replay: Replay? = nil) throws {
        try rule.validate(exampleCounts: exampleCounts)
        if let replay {
            guard replay.fraction > 0 && replay.fraction < 1 else {
                throw ConfigError(key: "strategy.replay", "must be in (0, 1) when there are tasks to replay, found \(replay.fraction)")
            }
            guard !replay.exampleCounts.isEmpty, replay.exampleCounts.allSatisfy({ $0 > 0 }) else {
                throw ConfigError(key: "strategy.replay", "needs earlier tasks with training examples, found counts \(replay.exampleCounts)")
            }
        }
        self.rule = rule
        self.exampleCounts = exampleCounts
        self.random = random
        self.draws = draws
        self.replay = replay
        staticCumulative = rule.isStatic ? Self.cumulative(rule.probabilities(step: 0, exampleCounts: exampleCounts)) : nil
        replayCumulative = replay.map { Self.cumulative($0.exampleCounts.map(Double.init)) }
    }

    /// Tasks a draw can give: the rule's, then the replayed ones.
    public var taskCount: Int { exampleCounts.count + (replay?.exampleCounts.count ?? 0) }

    /// p at `step` over `taskCount` tasks, summing to 1: the rule's times 1 − `replay.fraction`, then the
    /// replayed tasks' share of `replay.fraction`.
    public func probabilities(step: Int) -> [Double] {
        let own = rule.probabilities(step: step, exampleCounts: exampleCounts)
        guard let replay else { return own }
        let total = Double(replay.exampleCounts.reduce(0, +))
        return own.map { $0 * (1 - replay.fraction) } + replay.exampleCounts.map { replay.fraction * Double($0) / total }
    }

    /// The task for `step`.
    public mutating func nextTask(step: Int) -> Int {
        draws += 1
        if let replayed = nextReplay() { return replayed }
        let u = random.nextDouble()
        if let c = staticCumulative { return Self.pick(u, c) }
        return Self.pick(u, Self.cumulative(rule.probabilities(step: step, exampleCounts: exampleCounts)))
    }

    /// One task per slot of a mixed batch at `step`.
    public mutating func nextTasks(step: Int, count: Int) -> [Int] {
        precondition(count >= 0, "TaskSampler.nextTasks: count \(count) is negative")
        let c = staticCumulative ?? Self.cumulative(rule.probabilities(step: step, exampleCounts: exampleCounts))
        var out = [Int](repeating: 0, count: count)
        for i in 0..<count { out[i] = nextReplay() ?? Self.pick(random.nextDouble(), c) }
        draws += count
        return out
    }

    /// With replay, one draw decides whether this one replays, and a second which earlier task; nil: not replayed.
    private mutating func nextReplay() -> Int? {
        guard let replay, let c = replayCumulative else { return nil }
        guard random.nextDouble() < replay.fraction else { return nil }
        return exampleCounts.count + Self.pick(random.nextDouble(), c)
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
        case rule, exampleCounts = "example_counts", random, draws, replay
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(rule: try c.decode(TaskSamplingRule.self, forKey: .rule),
                      exampleCounts: try c.decode([Int].self, forKey: .exampleCounts),
                      random: try c.decode(RandomStream.self, forKey: .random),
                      draws: try c.decode(Int.self, forKey: .draws),
                      replay: try c.decodeIfPresent(Replay.self, forKey: .replay))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rule, forKey: .rule)
        try c.encode(exampleCounts, forKey: .exampleCounts)
        try c.encode(random, forKey: .random)
        try c.encode(draws, forKey: .draws)
        try c.encodeIfPresent(replay, forKey: .replay)
    }
}
