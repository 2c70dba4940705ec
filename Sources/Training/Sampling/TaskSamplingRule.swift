import Platform

/// How often each task is trained on, as jiant's task samplers: p_i for task i, possibly depending on the step.
/// In a config file it is one object with a `kind` and that kind's keys (snake_case), e.g.
/// `{kind: temperature, temperature: 2, examples_cap: 100000}`; unknown keys are errors.
public enum TaskSamplingRule: Equatable, Sendable {
    /// p_i = 1/n.
    case uniform
    /// p_i ∝ n_i, the task's example count.
    case proportional
    /// p_i ∝ min(n_i, cap)^(1/T): T = 1 is proportional, T → ∞ uniform.
    case temperature(Double, examplesCap: Int?)
    /// p_i ∝ w_i, as given.
    case specified([Double])
    /// Temperature sampling with T moving linearly from `from` (step 0) to `to` (step `steps`), then held.
    case annealedTemperature(from: Double, to: Double, steps: Int, examplesCap: Int?)
    /// Weight vectors by step: each point's weights hold from its step on (`.step`), or are linearly
    /// interpolated to the next point's (`.linear`); the last point's weights hold after it.
    case schedule([WeightPoint], interpolation: ScheduleInterpolation)

    /// True when p does not depend on the step (so it is computed once).
    public var isStatic: Bool {
        switch self {
        case .uniform, .proportional, .temperature, .specified: return true
        case .annealedTemperature, .schedule: return false
        }
    }

    /// The sampling distribution at `step` for tasks with these example counts (sums to 1).
    public func probabilities(step: Int, exampleCounts n: [Int]) -> [Double] {
        switch self {
        case .uniform:
            return [Double](repeating: 1 / Double(n.count), count: n.count)
        case .proportional:
            return Self.normalized(n.map(Double.init))
        case .temperature(let t, let cap):
            return Self.temperatureWeights(n, temperature: t, cap: cap)
        case .specified(let w):
            return Self.normalized(w)
        case .annealedTemperature(let t0, let t1, let steps, let cap):
            let progress = steps <= 0 ? 1 : min(1, Double(max(step, 0)) / Double(steps))
            return Self.temperatureWeights(n, temperature: t0 + (t1 - t0) * progress, cap: cap)
        case .schedule(let points, let interpolation):
            var k = 0
            while k + 1 < points.count && points[k + 1].step <= step { k += 1 }
            let a = points[k]
            guard interpolation == .linear, k + 1 < points.count, step > a.step else { return Self.normalized(a.weights) }
            let b = points[k + 1]
            let f = Double(step - a.step) / Double(b.step - a.step)
            return Self.normalized(zip(a.weights, b.weights).map { $0 + ($1 - $0) * f })
        }
    }

    static func temperatureWeights(_ n: [Int], temperature: Double, cap: Int?) -> [Double] {
        normalized(n.map { c in pow(Double(cap.map { min(c, $0) } ?? c), 1 / temperature) })
    }

    static func normalized(_ w: [Double]) -> [Double] {
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }

    /// Checks the rule against the tasks it will sample; errors name the config key.
    public func validate(exampleCounts n: [Int]) throws {
        guard !n.isEmpty else { throw ConfigError(key: "tasks", "no tasks to sample") }
        if let i = n.firstIndex(where: { $0 < 0 }) {
            throw ConfigError(key: "tasks", "task \(i) has a negative example count \(n[i])")
        }
        func positiveTotal(_ w: [Double], key: String) throws {
            guard w.count == n.count else {
                throw ConfigError(key: key, "has \(w.count) weights for \(n.count) tasks")
            }
            if let i = w.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                throw ConfigError(key: key, "weight \(i) is \(w[i]); weights must be finite and non-negative")
            }
            guard w.reduce(0, +) > 0 else { throw ConfigError(key: key, "weights sum to 0") }
        }
        func checkTemperature(_ t: Double, key: String) throws {
            guard t.isFinite && t > 0 else { throw ConfigError(key: key, "must be a positive number, got \(t)") }
        }
        func checkCap(_ cap: Int?) throws {
            if let cap, cap <= 0 { throw ConfigError(key: "examples_cap", "must be positive, got \(cap)") }
        }
        switch self {
        case .uniform: return
        case .proportional:
            guard n.contains(where: { $0 > 0 }) else { throw ConfigError(key: "tasks", "every task has 0 examples") }
        case .temperature(let t, let cap):
            try checkTemperature(t, key: "temperature"); try checkCap(cap)
            guard n.contains(where: { $0 > 0 }) else { throw ConfigError(key: "tasks", "every task has 0 examples") }
        case .specified(let w):
            try positiveTotal(w, key: "weights")
        case .annealedTemperature(let t0, let t1, let steps, let cap):
            try checkTemperature(t0, key: "start_temperature"); try checkTemperature(t1, key: "end_temperature")
            try checkCap(cap)
            guard steps > 0 else { throw ConfigError(key: "steps", "must be positive, got \(steps)") }
            guard n.contains(where: { $0 > 0 }) else { throw ConfigError(key: "tasks", "every task has 0 examples") }
        case .schedule(let points, _):
            guard let first = points.first else { throw ConfigError(key: "schedule", "is empty") }
            guard first.step == 0 else { throw ConfigError(key: "schedule", "must start at step 0, starts at \(first.step)") }
            for (i, p) in points.enumerated() {
                try positiveTotal(p.weights, key: "schedule[\(i)].weights")
                if i > 0 && p.step <= points[i - 1].step {
                    throw ConfigError(key: "schedule[\(i)].step", "steps must increase (\(points[i - 1].step) then \(p.step))")
                }
            }
        }
    }
}

public struct WeightPoint: Codable, Equatable, Sendable {
    public var step: Int
    public var weights: [Double]
    public init(step: Int, weights: [Double]) { self.step = step; self.weights = weights }
}

public enum ScheduleInterpolation: String, Codable, Sendable {
    case step, linear
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension TaskSamplingRule: Codable {
    enum Kind: String, Codable {
        case uniform, proportional, temperature, specified
        case annealedTemperature = "annealed_temperature"
        case schedule
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func keys(for kind: Kind) -> Set<String> {
        switch kind {
        case .uniform, .proportional: return ["kind"]
        case .temperature: return ["kind", "temperature", "examples_cap"]
        case .specified: return ["kind", "weights"]
        case .annealedTemperature: return ["kind", "start_temperature", "end_temperature", "steps", "examples_cap"]
        case .schedule: return ["kind", "schedule", "interpolation"]
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let kind = try c.decode(Kind.self, forKey: Key("kind"))
        let allowed = Self.keys(for: kind)
        if let extra = c.allKeys.first(where: { !allowed.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(forKey: extra, in: c, debugDescription:
                "unknown key '\(extra.stringValue)' for sampler kind '\(kind.rawValue)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        switch kind {
        case .uniform: self = .uniform
        case .proportional: self = .proportional
        case .temperature:
            self = .temperature(try c.decode(Double.self, forKey: Key("temperature")),
                                examplesCap: try c.decodeIfPresent(Int.self, forKey: Key("examples_cap")))
        case .specified:
            self = .specified(try c.decode([Double].self, forKey: Key("weights")))
        case .annealedTemperature:
            self = .annealedTemperature(from: try c.decode(Double.self, forKey: Key("start_temperature")),
                                        to: try c.decode(Double.self, forKey: Key("end_temperature")),
                                        steps: try c.decode(Int.self, forKey: Key("steps")),
                                        examplesCap: try c.decodeIfPresent(Int.self, forKey: Key("examples_cap")))
        case .schedule:
            self = .schedule(try c.decode([WeightPoint].self, forKey: Key("schedule")),
                             interpolation: try c.decodeIfPresent(ScheduleInterpolation.self, forKey: Key("interpolation")) ?? .step)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .uniform: try c.encode(Kind.uniform, forKey: Key("kind"))
        case .proportional: try c.encode(Kind.proportional, forKey: Key("kind"))
        case .temperature(let t, let cap):
            try c.encode(Kind.temperature, forKey: Key("kind"))
            try c.encode(t, forKey: Key("temperature"))
            try c.encodeIfPresent(cap, forKey: Key("examples_cap"))
        case .specified(let w):
            try c.encode(Kind.specified, forKey: Key("kind"))
            try c.encode(w, forKey: Key("weights"))
        case .annealedTemperature(let t0, let t1, let steps, let cap):
            try c.encode(Kind.annealedTemperature, forKey: Key("kind"))
            try c.encode(t0, forKey: Key("start_temperature"))
            try c.encode(t1, forKey: Key("end_temperature"))
            try c.encode(steps, forKey: Key("steps"))
            try c.encodeIfPresent(cap, forKey: Key("examples_cap"))
        case .schedule(let points, let interpolation):
            try c.encode(Kind.schedule, forKey: Key("kind"))
            try c.encode(points, forKey: Key("schedule"))
            try c.encode(interpolation, forKey: Key("interpolation"))
        }
    }
}
