import Data
import Foundation
import Platform
import Yams

/// A sweep file: an experiment, the seeds every point runs with, and the axes to vary (any `--set` key with
/// its values), laid out as a grid or sampled at random; which point the others are tested against; and how
/// each run is evaluated.
///
///     experiment: smoke.yaml            # relative to the sweep file
///     name: smoke-lr                    # default: the sweep file's name without extension
///     seeds: [17, 18, 19]
///     set: {optimization.max_steps: 500}          # applied to every point
///     axes:
///       optimization.lr: [0.001, 0.004]           # grid: lists; random: lists, or {uniform|log_uniform|int_uniform: [lo, hi]}
///     sampling: grid                    # or {random: 8, seed: 1}
///     # or, instead of axes: points listed one by one (an ablation), each a mapping of keys to values
///     # points: [{}, {strategy.ewc: 1000}, {strategy.replay: 0.3}]
///     baseline: {optimization.lr: 0.004}          # default: the first point
///     evaluate:                         # one `polyglot eval RUN <arguments>` per entry; default: one with none
///       - [--tasks, cldr-dates-month]
///     resamples: 1000                   # paired-bootstrap resamples against the baseline
public struct SweepSpec: Equatable, Sendable {
    public enum Sampling: Equatable, Sendable {
        case grid
        case random(count: Int, seed: UInt64)
    }

    /// The values of one axis: listed, or (random sampling only) drawn from a range.
    public enum Values: Equatable, Sendable {
        case list([String])
        case uniform(Double, Double)
        case logUniform(Double, Double)
        case intUniform(Int, Int)
    }

    public struct Axis: Equatable, Sendable {
        /// The experiment key, dotted as `--set` takes it (`optimization.lr`, `tasks.cldr-mlm.weight`).
        public var key: String
        public var values: Values
    }

    public var name: String
    /// The experiment file, resolved against the sweep file's folder.
    public var experiment: String
    public var seeds: [UInt64]
    /// `key=value` overrides every point gets, in file order.
    public var fixed: [String]
    public var axes: [Axis]
    /// Points listed one by one (`points:`), each its own keys and values; nil when the points come from `axes`.
    public var listed: [[SweepPoint.Value]]?
    public var sampling: Sampling
    /// The baseline's value of each axis (nil: the first point).
    public var baseline: [String: String]?
    /// The arguments of each `polyglot eval` run after training.
    public var evaluate: [[String]]
    public var resamples: Int

    /// Sizes beyond any sweep one machine runs, refused before the points are listed.
    public static let maxPoints = 10_000
    public static let maxRuns = 100_000

    static let keys = ["experiment", "name", "seeds", "set", "axes", "points", "sampling", "baseline", "evaluate", "resamples"]

    /// Reads and checks a sweep file; errors name the file, the line and the key.
    public static func load(file path: String) throws -> SweepSpec {
        try parse(yaml: try YAMLDocument.read(path: path), file: path)
    }

    public static func parse(yaml: String, file: String) throws -> SweepSpec {
        guard let root = try YAMLDocument.compose(yaml, origin: file), let top = root.mapping else {
            throw FileError(path: file, "expected a mapping with experiment, seeds and axes at the top level")
        }
        let reader = NodeReader(file: file)
        for (key, _) in top {
            guard let name = key.string, keys.contains(name) else {
                throw ConfigError(file: reader.at(key), key: key.string ?? "?", "unknown key (expected one of: \(keys.joined(separator: ", ")))")
            }
        }
        guard let experimentNode = top["experiment"], let experimentPath = experimentNode.string, !experimentPath.isEmpty else {
            throw ConfigError(file: file, key: "experiment", "missing: the experiment file the sweep varies")
        }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        let experiment = experimentPath.hasPrefix("/") ? experimentPath : folder.appendingPathComponent(experimentPath).standardizedFileURL.path
        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        if let node = top["name"] {
            name = try reader.scalar(node, key: "name")
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }) else {
                throw ConfigError(file: reader.at(node), key: "name", "expected letters, digits, '-', '_' or '.' (it names the output folder)")
            }
        }
        guard let seedsNode = top["seeds"] else { throw ConfigError(file: file, key: "seeds", "missing: a list of seeds, e.g. [1, 2, 3]") }
        let seeds = try reader.list(seedsNode, key: "seeds").map { node -> UInt64 in
            guard let text = node.string, let v = UInt64(text) else {
                throw ConfigError(file: reader.at(node), key: "seeds", "expected a non-negative integer, got '\(excerpt(node.string ?? "?"))'")
            }
            return v
        }
        if seeds.isEmpty { throw ConfigError(file: reader.at(seedsNode), key: "seeds", "expected at least one seed") }
        if Set(seeds).count != seeds.count { throw ConfigError(file: reader.at(seedsNode), key: "seeds", "a seed is listed twice") }

        var fixed: [String] = []
        if let node = top["set"] {
            guard let map = node.mapping else { throw ConfigError(file: reader.at(node), key: "set", "expected a mapping of experiment keys to values") }
            for (k, v) in map {
                let key = try reader.scalar(k, key: "set")
                if key == "seed" { throw ConfigError(file: reader.at(k), key: "set.seed", "the seed comes from seeds") }
                fixed.append("\(key)=\(try reader.scalar(v, key: "set.\(key)"))")
            }
        }

        var sampling = Sampling.grid
        if let node = top["sampling"] {
            if let word = node.string, node.mapping == nil {
                guard word == "grid" else { throw ConfigError(file: reader.at(node), key: "sampling", "expected grid or {random: N, seed: S}") }
            } else if let map = node.mapping {
                for (k, _) in map where !["random", "seed"].contains(k.string ?? "") {
                    throw ConfigError(file: reader.at(k), key: "sampling.\(k.string ?? "?")", "unknown key (expected random, seed)")
                }
                guard let n = map["random"]?.string.flatMap({ Int($0) }), n > 0 else {
                    throw ConfigError(file: reader.at(node), key: "sampling.random", "expected the number of points to draw (a positive integer)")
                }
                let seed = try map["seed"].map { s -> UInt64 in
                    guard let v = s.string.flatMap({ UInt64($0) }) else { throw ConfigError(file: reader.at(s), key: "sampling.seed", "expected a non-negative integer") }
                    return v
                } ?? 0
                sampling = .random(count: n, seed: seed)
            } else {
                throw ConfigError(file: reader.at(node), key: "sampling", "expected grid or {random: N, seed: S}")
            }
        }

        var axes: [Axis] = []
        if let node = top["axes"] {
            guard let map = node.mapping else { throw ConfigError(file: reader.at(node), key: "axes", "expected a mapping of experiment keys to lists of values") }
            for (k, v) in map {
                let key = try reader.scalar(k, key: "axes")
                if key == "seed" { throw ConfigError(file: reader.at(k), key: "axes.seed", "the seed comes from seeds") }
                if fixed.contains(where: { $0.hasPrefix(key + "=") }) { throw ConfigError(file: reader.at(k), key: "axes.\(key)", "also given in set") }
                axes.append(Axis(key: key, values: try reader.values(v, key: "axes.\(key)", grid: sampling == .grid)))
            }
        }

        var listed: [[SweepPoint.Value]]?
        if let node = top["points"] {
            if top["axes"] != nil || top["sampling"] != nil {
                throw ConfigError(file: reader.at(node), key: "points", "give points, or axes (with sampling), not both")
            }
            listed = try reader.list(node, key: "points").enumerated().map { i, entry in
                guard let map = entry.mapping else {
                    throw ConfigError(file: reader.at(entry), key: "points.\(i)", "expected a mapping of experiment keys to values ({} for the experiment as it is)")
                }
                return try map.map { k, v in
                    let key = try reader.scalar(k, key: "points.\(i)")
                    if key == "seed" { throw ConfigError(file: reader.at(k), key: "points.\(i).seed", "the seed comes from seeds") }
                    if fixed.contains(where: { $0.hasPrefix(key + "=") }) { throw ConfigError(file: reader.at(k), key: "points.\(i).\(key)", "also given in set") }
                    return SweepPoint.Value(key: key, value: try reader.scalar(v, key: "points.\(i).\(key)"))
                }
            }
            if listed?.isEmpty == true { throw ConfigError(file: reader.at(node), key: "points", "expected at least one point") }
        }
        let sweptKeys = listed.map { lists in
            lists.flatMap { $0.map(\.key) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        } ?? axes.map(\.key)

        var baseline: [String: String]?
        if let node = top["baseline"] {
            guard let map = node.mapping else { throw ConfigError(file: reader.at(node), key: "baseline", "expected a mapping of axis keys to values") }
            var values: [String: String] = [:]
            for (k, v) in map {
                let key = try reader.scalar(k, key: "baseline")
                guard sweptKeys.contains(key) else {
                    throw ConfigError(file: reader.at(k), key: "baseline.\(key)", "not an axis (axes: \(sweptKeys.joined(separator: ", ")))")
                }
                values[key] = try reader.scalar(v, key: "baseline.\(key)")
            }
            guard listed != nil || values.count == axes.count else {
                throw ConfigError(file: reader.at(node), key: "baseline", "give a value for every axis (\(axes.map(\.key).joined(separator: ", ")))")
            }
            baseline = values
        }

        var evaluate: [[String]] = [[]]
        if let node = top["evaluate"] {
            evaluate = try reader.list(node, key: "evaluate").map { entry in
                try reader.list(entry, key: "evaluate").map { try reader.scalar($0, key: "evaluate") }
            }
            if evaluate.isEmpty { throw ConfigError(file: reader.at(node), key: "evaluate", "expected at least one list of eval arguments ([] for the defaults)") }
        }
        var resamples = 1000
        if let node = top["resamples"] {
            guard let v = node.string.flatMap({ Int($0) }), v > 0 else { throw ConfigError(file: reader.at(node), key: "resamples", "expected a positive integer") }
            resamples = v
        }
        var count = listed?.count ?? 1
        if listed == nil { switch sampling {
        case .grid:
            for axis in axes { if case .list(let values) = axis.values { count = count.multipliedReportingOverflow(by: values.count).overflow ? Int.max : count * values.count } }
        case .random(let n, _): count = n
        } }
        if count > maxPoints || count.multipliedReportingOverflow(by: seeds.count).overflow || count * seeds.count > maxRuns {
            throw ConfigError(file: file, key: "axes", "\(count) points × \(seeds.count) seeds is more than a sweep runs (at most \(maxPoints) points and \(maxRuns) runs)")
        }
        let spec = SweepSpec(name: name, experiment: experiment, seeds: seeds, fixed: fixed, axes: axes, listed: listed, sampling: sampling,
                             baseline: baseline, evaluate: evaluate, resamples: resamples)
        _ = try spec.points(file: file)
        return spec
    }

    /// The points of the sweep in order: the grid (the last axis varying fastest) or the random draws, then the
    /// baseline when it is none of them. A sweep without axes has one point.
    public func points(file: String? = nil) throws -> [SweepPoint] {
        var assignments: [[(String, String)]]
        if let listed {
            assignments = listed.map { $0.map { ($0.key, $0.value) } }
        } else { switch sampling {
        case .grid:
            assignments = [[]]
            for axis in axes {
                guard case .list(let values) = axis.values else { preconditionFailure("grid axes are lists (checked when read)") }
                assignments = assignments.flatMap { prefix in values.map { prefix + [(axis.key, $0)] } }
            }
        case .random(let count, let seed):
            var random = RandomStream(seed: seed, name: "sweep")
            assignments = (0..<count).map { _ in axes.map { ($0.key, $0.values.draw(&random)) } }
        } }
        var points = assignments.enumerated().map { i, values in
            SweepPoint(id: String(format: "p%02d", i + 1), values: values.map { SweepPoint.Value(key: $0.0, value: $0.1) })
        }
        var seen: Set<[String]> = []
        for p in points where !seen.insert(p.values.map { "\($0.key)=\($0.value)" }).inserted {
            throw ConfigError(file: file, key: "axes", "two points have the same values (\(p.label)): list each value once\(sampling == .grid ? "" : ", or draw from a wider range")")
        }
        if let baseline, !points.contains(where: { $0.matches(baseline) }) {
            let keys = listed == nil ? axes.map(\.key) : points.flatMap { $0.values.map(\.key) }.filter { baseline[$0] != nil }
            let ordered = keys.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            points.append(SweepPoint(id: "baseline", values: ordered.map { SweepPoint.Value(key: $0, value: baseline[$0] ?? "") }))
        }
        return points
    }

    /// The point the others are compared with.
    public func baselinePoint(in points: [SweepPoint]) -> SweepPoint? {
        guard let baseline else { return points.first }
        return points.first { $0.matches(baseline) }
    }
}

/// One setting of the axes; it runs once per seed.
public struct SweepPoint: Codable, Equatable, Sendable {
    public struct Value: Codable, Equatable, Sendable {
        public var key: String
        public var value: String
    }

    /// `p01`, `p02`, …, or `baseline` for a baseline that is not one of the sampled points.
    public var id: String
    public var values: [Value]

    /// The `--set` overrides of this point.
    public var overrides: [String] { values.map { "\($0.key)=\($0.value)" } }

    /// This point's value of `key`, when it sets it.
    public func value(_ key: String) -> String? { values.first { $0.key == key }?.value }

    /// `lr=0.001, layers=2` (the last part of each key), or `(as the experiment)` for a point that sets nothing.
    public var label: String {
        values.isEmpty ? "as the experiment" : values.map { "\($0.key.split(separator: ".").last.map(String.init) ?? $0.key)=\($0.value)" }.joined(separator: ", ")
    }

    func matches(_ baseline: [String: String]) -> Bool {
        values.count == baseline.count && values.allSatisfy { v in baseline[v.key].map { SweepPoint.same($0, v.value) } ?? false }
    }

    /// Values compare as numbers when both are (0.001 and 1e-3 are the same learning rate), else as text.
    public static func same(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x == y }
        return a == b
    }
}

extension SweepSpec.Values {
    /// A value drawn for a random point: a list entry, or a number from the range (4 significant digits).
    func draw(_ random: inout RandomStream) -> String {
        switch self {
        case .list(let values): return values[random.nextInt(below: values.count)]
        case .uniform(let lo, let hi): return Self.format(lo + (hi - lo) * random.nextDouble())
        case .logUniform(let lo, let hi): return Self.format(exp(log(lo) + (log(hi) - log(lo)) * random.nextDouble()))
        case .intUniform(let lo, let hi): return String(lo + random.nextInt(below: hi - lo + 1))
        }
    }

    static func format(_ v: Double) -> String {
        let text = String(format: "%.4g", v)
        return Double(text).map { "\($0)" } ?? text
    }
}

/// Reads scalars, lists and axis values out of a sweep file's nodes, with the file and line in errors.
private struct NodeReader {
    let file: String

    func at(_ node: Node) -> String { node.mark.map { "\(file):\($0.line)" } ?? file }

    func scalar(_ node: Node, key: String) throws -> String {
        guard let s = node.scalar?.string else { throw ConfigError(file: at(node), key: key, "expected a single value") }
        return s
    }

    func list(_ node: Node, key: String) throws -> [Node] {
        guard let items = node.sequence else { throw ConfigError(file: at(node), key: key, "expected a list") }
        return Array(items)
    }

    func values(_ node: Node, key: String, grid: Bool) throws -> SweepSpec.Values {
        if node.sequence != nil {
            let values = try list(node, key: key).map { try scalar($0, key: key) }
            if values.isEmpty { throw ConfigError(file: at(node), key: key, "expected at least one value") }
            return .list(values)
        }
        guard let map = node.mapping, map.count == 1, let (kindNode, rangeNode) = map.first, let kind = kindNode.string else {
            throw ConfigError(file: at(node), key: key, grid ? "expected a list of values" : "expected a list of values or one of {uniform|log_uniform|int_uniform: [lo, hi]}")
        }
        guard !grid else {
            throw ConfigError(file: at(node), key: key, "a range (\(kind)) needs sampling: {random: N}; a grid takes a list of values")
        }
        let bounds = try list(rangeNode, key: "\(key).\(kind)").map { try scalar($0, key: "\(key).\(kind)") }
        guard bounds.count == 2 else { throw ConfigError(file: at(rangeNode), key: "\(key).\(kind)", "expected [lo, hi]") }
        switch kind {
        case "uniform", "log_uniform":
            guard let lo = Double(bounds[0]), let hi = Double(bounds[1]), lo.isFinite, hi.isFinite, lo < hi else {
                throw ConfigError(file: at(rangeNode), key: "\(key).\(kind)", "expected two numbers lo < hi")
            }
            if kind == "log_uniform" {
                guard lo > 0 else { throw ConfigError(file: at(rangeNode), key: "\(key).\(kind)", "expected lo > 0 (a log scale)") }
                return .logUniform(lo, hi)
            }
            return .uniform(lo, hi)
        case "int_uniform":
            guard let lo = Int(bounds[0]), let hi = Int(bounds[1]), lo <= hi else {
                throw ConfigError(file: at(rangeNode), key: "\(key).\(kind)", "expected two integers lo <= hi")
            }
            return .intUniform(lo, hi)
        default:
            throw ConfigError(file: at(kindNode), key: "\(key).\(kind)", "unknown range (expected uniform, log_uniform or int_uniform)")
        }
    }
}
