import Foundation
import Platform

/// What a sweep runs, as recorded in its folder (`sweep.json`): a sweep continued in the same folder must
/// have the same plan, so every point's seeds come from one experiment file and one set of values.
public struct SweepPlan: Codable, Equatable, Sendable {
    public var name: String
    /// The experiment file and its SHA-256 when the sweep started.
    public var experiment: String
    public var experimentSHA256: String
    public var seeds: [UInt64]
    /// `key=value` overrides of every point.
    public var fixed: [String]
    /// `grid`, or `random N (seed S)`.
    public var sampling: String
    public var points: [SweepPoint]
    /// The id of the point the others are tested against.
    public var baseline: String
    public var evaluate: [[String]]
    public var resamples: Int

    enum CodingKeys: String, CodingKey {
        case name, experiment, experimentSHA256 = "experiment_sha256", seeds, fixed, sampling, points, baseline, evaluate, resamples
    }

    public init(spec: SweepSpec, experimentSHA256: String) throws {
        let points = try spec.points()
        guard let baseline = spec.baselinePoint(in: points) else { preconditionFailure("a sweep has at least one point") }
        self.name = spec.name; self.experiment = spec.experiment; self.experimentSHA256 = experimentSHA256
        self.seeds = spec.seeds; self.fixed = spec.fixed; self.points = points; self.baseline = baseline.id
        self.evaluate = spec.evaluate; self.resamples = spec.resamples
        switch spec.sampling {
        case .grid: sampling = "grid"
        case .random(let count, let seed): sampling = "random \(count) (seed \(seed))"
        }
    }

    /// The swept keys, in axis order (listed points: every key any point sets, in order of appearance).
    public var axisKeys: [String] { points.flatMap { $0.values.map(\.key) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } } }

    public var baselinePoint: SweepPoint? { points.first { $0.id == baseline } }

    /// Every `--set` override of one run of the sweep.
    public func overrides(_ point: SweepPoint, seed: UInt64) -> [String] {
        fixed + point.overrides + ["seed=\(seed)"]
    }
}

/// `results/<name>-sweep/`: the plan, one run folder per point and seed, a log per run, and the aggregate
/// (`sweep.md`, `sweep.csv`, `aggregate.json`, `figures/`).
public struct SweepFolder: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    public var planFile: URL { url.appendingPathComponent("sweep.json") }
    public var lockFile: URL { url.appendingPathComponent(".sweep.lock") }
    public var logs: URL { url.appendingPathComponent("logs", isDirectory: true) }
    public var markdownFile: URL { url.appendingPathComponent("sweep.md") }
    public var csvFile: URL { url.appendingPathComponent("sweep.csv") }
    public var aggregateFile: URL { url.appendingPathComponent("aggregate.json") }
    public var figures: URL { url.appendingPathComponent("figures", isDirectory: true) }

    /// `points/<point>/seed-<seed>`: a normal run folder.
    public func run(_ point: SweepPoint, seed: UInt64) -> URL {
        url.appendingPathComponent("points/\(point.id)/seed-\(seed)", isDirectory: true)
    }

    /// Written once the run is trained and every evaluation of the plan has run on it.
    public func doneMarker(_ point: SweepPoint, seed: UInt64) -> URL {
        url.appendingPathComponent("points/\(point.id)/seed-\(seed).done.json")
    }

    public func log(_ point: SweepPoint, seed: UInt64) -> URL {
        logs.appendingPathComponent("\(point.id)-seed-\(seed).log")
    }

    public static func defaultPath(name: String, resultsRoot: String = "results") -> String { "\(resultsRoot)/\(name)-sweep" }

    /// Whether `path` holds a sweep (a `sweep.json`).
    public static func isSweepFolder(_ path: String) -> Bool {
        PathEntry(path: URL(fileURLWithPath: path).appendingPathComponent("sweep.json").path) == .file
    }

    /// The sweep folder for `plan` at `path`: created when missing or empty; an existing sweep continues when
    /// its recorded plan is this one, and anything else there is refused (nothing in it is touched).
    public static func prepare(at path: String, plan: SweepPlan) throws -> SweepFolder {
        let url = URL(fileURLWithPath: path, isDirectory: true)
        let folder = SweepFolder(url: url)
        switch PathEntry(path: path) {
        case .missing:
            do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                throw FileError(path: path, "cannot create the sweep folder: \(error.localizedDescription)")
            }
        case .folder:
            if isSweepFolder(path) {
                let recorded = try folder.readPlan()
                if recorded != plan {
                    throw OutputRefusal(path: path, "holds a sweep of another plan (\(recorded.differences(from: plan))); give another --output, or the sweep file it was made from")
                }
                return folder
            }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if !entries.isEmpty {
                throw OutputRefusal(path: path, "is a folder holding files of something other than a sweep; choose another --output")
            }
        case let entry:
            throw OutputRefusal(path: path, "\(entry.noun) is there, not a folder; choose another --output")
        }
        try folder.writePlan(plan)
        return folder
    }

    public func readPlan() throws -> SweepPlan {
        do { return try StrictJSON.decode(SweepPlan.self, path: planFile.path) } catch {
            throw FileError(path: planFile.path, "cannot read the sweep's plan: \(FileManifest.brief(error))")
        }
    }

    func writePlan(_ plan: SweepPlan) throws {
        try AtomicFile.write(try RunJSON.encoder().encode(plan), to: planFile)
    }

    /// The sweep's runs that have a done marker.
    public func isDone(_ point: SweepPoint, seed: UInt64) -> Bool {
        PathEntry(path: doneMarker(point, seed: seed).path) == .file
    }
}

extension SweepPlan {
    /// The first fields that differ, for the refusal message.
    func differences(from other: SweepPlan) -> String {
        var out: [String] = []
        if experiment != other.experiment { out.append("experiment \(experiment) vs \(other.experiment)") }
        if experimentSHA256 != other.experimentSHA256 { out.append("the experiment file changed since the sweep started") }
        if seeds != other.seeds { out.append("seeds") }
        if fixed != other.fixed { out.append("set") }
        if points != other.points || sampling != other.sampling { out.append("points") }
        if baseline != other.baseline { out.append("baseline") }
        if evaluate != other.evaluate { out.append("evaluate") }
        if resamples != other.resamples { out.append("resamples") }
        if name != other.name { out.append("name") }
        return out.joined(separator: "; ")
    }
}
