import Foundation
import Platform

/// `results/<run>/`: the resolved experiment, the environment, the training log and the checkpoints.
public struct RunFolder: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    public var experimentFile: URL { url.appendingPathComponent("experiment.yaml") }
    public var environmentFile: URL { url.appendingPathComponent("environment.json") }
    public var trainLog: URL { url.appendingPathComponent("train.jsonl") }
    public var resultsFile: URL { url.appendingPathComponent("results.json") }
    /// The run's tokenizer (trained, copied from a file or from the model), read back on resume and by eval.
    public var tokenizerFile: URL { url.appendingPathComponent(RunFolder.tokenizerFileName) }
    public static let tokenizerFileName = "tokenizer.json"
    /// The trainer's state in a `last` checkpoint.
    public static let trainerStateFile = "trainer_state.json"
    public var checkpoints: CheckpointStore { CheckpointStore(root: url.appendingPathComponent("checkpoints", isDirectory: true)) }

    /// Checkpoint names of a run with stages: `start` (row 0: the weights stage 1 starts from) and `stage-<n>`
    /// (row n: the weights stage n ended with, which stage n + 1 starts from).
    public static func stageCheckpoint(row: Int) -> String { row == 0 ? "start" : "stage-\(row)" }

    /// The row a stage checkpoint's name stands for; nil for any other name (`best`, `last`).
    public static func stageRow(checkpoint name: String) -> Int? {
        if name == "start" { return 0 }
        guard name.hasPrefix("stage-"), let n = Int(name.dropFirst("stage-".count)), n > 0, stageCheckpoint(row: n) == name else { return nil }
        return n
    }

    /// `results/<name>-seed<seed>-<UTC timestamp>`: the seed keeps runs of a seed sweep apart, the
    /// timestamp keeps repeated runs apart.
    public static func defaultPath(for experiment: Experiment, resultsRoot: String = "results", date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "\(resultsRoot)/\(experiment.name)-seed\(experiment.seed)-\(f.string(from: date))"
    }

    /// The output kind of run folders (`OutputPolicy`).
    public static let outputKind = "run"

    /// Creates a new run folder under the output policy: a new or empty folder; a folder that already holds a
    /// run is refused (resume it with `--resume` instead), so is a non-empty folder of other files unless
    /// `force` (the run's files are then written among them, none of them deleted), and never a symbolic link,
    /// device or file.
    public static func create(at path: String, force: Bool = false) throws -> RunFolder {
        let url = URL(fileURLWithPath: path, isDirectory: true)
        if PathEntry(path: path) == .folder && PathEntry(path: url.appendingPathComponent("experiment.yaml").path) != .missing {
            throw FileError(path: path, "already holds a run; use --resume \(path) to continue it, or choose another --output")
        }
        if try OutputPolicy.checkFolder(path, kind: outputKind, force: force) == .create {
            do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                throw FileError(path: path, "cannot create run folder: \(error.localizedDescription)")
            }
        }
        return RunFolder(url: url)
    }

    /// An existing run folder to resume.
    public static func open(_ path: String) throws -> RunFolder {
        let folder = RunFolder(url: URL(fileURLWithPath: path, isDirectory: true))
        guard FileManager.default.fileExists(atPath: folder.experimentFile.path) else {
            throw FileError(path: path, "is not a run folder (no experiment.yaml)")
        }
        return folder
    }

    public func writeExperiment(_ experiment: Experiment) throws {
        try AtomicFile.write(ExperimentLoader.resolvedYAML(experiment), to: experimentFile)
    }

    public func readExperiment() throws -> Experiment {
        try ExperimentLoader.load(file: experimentFile.path)
    }

    /// The run's `environment.json`, or nil when the run has none yet (killed before it was written).
    public func readEnvironment() throws -> RunEnvironment? {
        guard FileManager.default.fileExists(atPath: environmentFile.path) else { return nil }
        do {
            return try StrictJSON.decode(RunEnvironment.self, path: environmentFile.path)
        } catch {
            throw FileError(path: environmentFile.path, "cannot read the run's record: \(FileManifest.brief(error))")
        }
    }

    public func writeEnvironment(_ environment: RunEnvironment) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(encoder.encode(environment), to: environmentFile)
    }
}

/// What a run ran on and read, saved as `environment.json`.
public struct RunEnvironment: Codable, Equatable, Sendable {
    public var polyglot: String
    public var swift: String
    public var icu: String
    public var icuData: String
    public var cldr: String
    public var unicode: String
    public var blas: String
    public var blasCore: String
    /// Who chose `blasCore`: `OpenBLAS`, `OPENBLAS_CORETYPE` or `Polyglot` (`BLAS.coreChooser`); absent in runs
    /// recorded before it was kept.
    public var blasCoreChosenBy: String?
    /// The processor (`RuntimeInfo.cpu`); absent in runs recorded before it was kept.
    public var cpu: String?
    /// Whether the CPU runs the bf16 kernels (AVX512-BF16), which `model.precision: bf16` uses instead of
    /// OpenBLAS; absent in runs recorded before it was kept.
    public var bf16: Bool?
    public var threads: Int
    public var cores: Int
    public var os: String
    public var seed: UInt64
    /// Names of the random streams derived from the seed.
    public var randomStreams: [String]
    public var dataRoot: String
    public var dataFiles: [DataFileChecksum]
    /// The run folder's own inputs (paths relative to it): the resolved `experiment.yaml`, `tokenizer.json`
    /// and its sidecar. `--resume` refuses a run whose files differ from these.
    public var runFiles: [DataFileChecksum]?
    public var startedAt: String
    /// Set when the run was resumed: when, and from which step.
    public var resumedAt: [ResumePoint]
    /// A distributed run (`mpirun -np N`): the ranks it started with and the MPI library; absent in one process.
    public var ranks: Int?
    public var mpi: String?

    public struct ResumePoint: Codable, Equatable, Sendable {
        public var time: String
        public var step: Int
        /// True when `--allow-changed-data` was given.
        public var allowChangedData: Bool?
        /// Data files that differed from the record at this resume (only with `--allow-changed-data`).
        public var changedDataFiles: [DataFileChange]?
        /// Ranks of a distributed resume (absent in one process).
        public var ranks: Int?

        public init(time: String, step: Int, allowChangedData: Bool? = nil, changedDataFiles: [DataFileChange]? = nil, ranks: Int? = nil) {
            self.time = time; self.step = step; self.allowChangedData = allowChangedData; self.changedDataFiles = changedDataFiles
            self.ranks = ranks
        }

        enum CodingKeys: String, CodingKey {
            case time, step, allowChangedData = "allow_changed_data", changedDataFiles = "changed_data_files", ranks
        }
    }

    enum CodingKeys: String, CodingKey {
        case polyglot, swift, icu, icuData = "icu_data", cldr, unicode, blas, blasCore = "blas_core", blasCoreChosenBy = "blas_core_chosen_by", cpu, bf16, threads, cores, os
        case seed, randomStreams = "random_streams", dataRoot = "data_root", dataFiles = "data_files", runFiles = "run_files"
        case startedAt = "started_at", resumedAt = "resumed_at", ranks, mpi
    }

    /// The current process's versions and thread count.
    public static func current(seed: UInt64, randomStreams: [String], dataRoot: String, dataFiles: [DataFileChecksum],
                               runFiles: [DataFileChecksum]? = nil) -> RunEnvironment {
        RunEnvironment(
            polyglot: RuntimeInfo.polyglotVersion, swift: RuntimeInfo.swiftVersion, icu: ICU.version,
            icuData: ICU.dataVersion, cldr: ICU.cldrVersion, unicode: ICU.unicodeVersion,
            blas: BLAS.configuration.trimmingCharacters(in: .whitespaces), blasCore: BLAS.coreName, blasCoreChosenBy: BLAS.coreChooser,
            cpu: RuntimeInfo.cpu, bf16: BF16.isSupported, threads: Threads.count, cores: Threads.coreCount, os: RuntimeInfo.operatingSystem,
            seed: seed, randomStreams: randomStreams, dataRoot: dataRoot, dataFiles: dataFiles, runFiles: runFiles,
            startedAt: timestamp(), resumedAt: [],
            ranks: Distributed.isActive ? Distributed.size : nil, mpi: Distributed.isActive ? Distributed.library : nil)
    }

    public static func timestamp(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}

public struct DataFileChecksum: Codable, Equatable, Sendable {
    public var path: String
    public var bytes: Int
    public var sha256: String

    /// Checksums of the files, each once, in path order.
    public static func of(files: [String]) throws -> [DataFileChecksum] {
        try Set(files).sorted().map { path in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
            return DataFileChecksum(path: path, bytes: size, sha256: try SHA256.hex(ofFile: path))
        }
    }
}

/// A data file that differs from the run's record: changed (both checksums), missing (no current one)
/// or newly read (no recorded one).
public struct DataFileChange: Codable, Equatable, Sendable {
    public var path: String
    public var recordedSHA256: String?
    public var currentSHA256: String?

    public init(path: String, recordedSHA256: String?, currentSHA256: String?) {
        self.path = path; self.recordedSHA256 = recordedSHA256; self.currentSHA256 = currentSHA256
    }

    enum CodingKeys: String, CodingKey { case path, recordedSHA256 = "recorded_sha256", currentSHA256 = "current_sha256" }

    /// One line for the refusal: the file, both checksums, what happened.
    public var description: String {
        switch (recordedSHA256, currentSHA256) {
        case let (recorded?, current?):
            return "\(path): SHA-256 is \(current), environment.json recorded \(recorded) when the run started: the data file changed"
        case let (recorded?, nil):
            return FileManager.default.fileExists(atPath: path)
                ? "\(path): no longer read by the run (environment.json recorded it, SHA-256 \(recorded)): the task specs changed"
                : "\(path): missing (environment.json recorded it, SHA-256 \(recorded))"
        case let (nil, current?):
            return "\(path): read by the run now but not recorded in environment.json (SHA-256 \(current)): a new data file"
        case (nil, nil):
            return "\(path): differs from the run's record"
        }
    }
}
