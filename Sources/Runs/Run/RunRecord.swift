import Foundation
import Platform
import Text

/// What `--resume` checks against the run's record (`environment.json`) before it continues: the run
/// folder's own inputs (the resolved experiment, the tokenizer) and the data files the run reads.
public enum RunRecord {
    /// Why a resume is refused.
    public struct Refusal: PolyglotError, Equatable {
        public let message: String
        public var description: String { message }
        public init(message: String) { self.message = message }
    }

    /// Checksums of the run folder's inputs, by path relative to the folder: `experiment.yaml`, `tokenizer.json`
    /// and its sidecar when they exist.
    public static func runFiles(_ run: RunFolder) throws -> [DataFileChecksum] {
        var names = [run.experimentFile.lastPathComponent]
        let tokenizer = run.tokenizerFile
        if FileManager.default.fileExists(atPath: tokenizer.path) {
            names.append(tokenizer.lastPathComponent)
            let side = Tokenizer.sidecarURL(for: tokenizer)
            if FileManager.default.fileExists(atPath: side.path) { names.append(side.lastPathComponent) }
        }
        return try names.map { name in
            let path = run.url.appendingPathComponent(name).path
            return DataFileChecksum(path: name, bytes: try FileManifest.size(of: path), sha256: try SHA256.hex(ofFile: path))
        }
    }

    /// Refuses a run whose experiment.yaml or tokenizer differs from what `environment.json` recorded.
    public static func checkRunFiles(_ recorded: RunEnvironment, run: RunFolder) throws {
        guard let expected = recorded.runFiles else {
            throw Refusal(message: "\(run.environmentFile.path): records no SHA-256 of experiment.yaml and the tokenizer (the run was started by a Polyglot that did not record them): the run cannot be verified, so it is not resumed")
        }
        let current = try runFiles(run)
        for file in expected {
            let path = run.url.appendingPathComponent(file.path).path
            guard let now = current.first(where: { $0.path == file.path }) else {
                throw Refusal(message: "\(path): missing (environment.json recorded it, SHA-256 \(file.sha256)): the run cannot be resumed without it")
            }
            guard now.sha256 == file.sha256 else {
                throw Refusal(message: "\(path): SHA-256 is \(now.sha256), environment.json recorded \(file.sha256) when the run started: the file was edited, and resuming would continue a different run (start a new run instead)")
            }
        }
        for file in current where !expected.contains(where: { $0.path == file.path }) {
            throw Refusal(message: "\(run.url.appendingPathComponent(file.path).path): not recorded in environment.json (SHA-256 \(file.sha256)): the file was added after the run started")
        }
    }

    /// The data files that differ from the record: `files` are those the run reads now under `dataRoot`.
    /// Paths under the data root are compared relative to it, so a data root moved as a whole still matches.
    public static func dataChanges(_ recorded: RunEnvironment, files: [String], dataRoot: String) -> [DataFileChange] {
        func key(_ path: String, _ root: String) -> String {
            let r = (root as NSString).standardizingPath, p = (path as NSString).standardizingPath
            return p.hasPrefix(r + "/") ? String(p.dropFirst(r.count + 1)) : p
        }
        var now: [String: String] = [:]
        for path in Set(files) { now[key(path, dataRoot)] = path }
        var changes: [DataFileChange] = []
        var recordedKeys = Set<String>()
        for file in recorded.dataFiles {
            let k = key(file.path, recorded.dataRoot)
            recordedKeys.insert(k)
            guard let path = now[k] else {
                changes.append(DataFileChange(path: file.path, recordedSHA256: file.sha256, currentSHA256: nil))
                continue
            }
            guard let digest = try? SHA256.hex(ofFile: path) else {
                changes.append(DataFileChange(path: path, recordedSHA256: file.sha256, currentSHA256: nil))
                continue
            }
            if digest != file.sha256 { changes.append(DataFileChange(path: path, recordedSHA256: file.sha256, currentSHA256: digest)) }
        }
        for k in now.keys.sorted() where !recordedKeys.contains(k) {
            let path = now[k]!
            changes.append(DataFileChange(path: path, recordedSHA256: nil, currentSHA256: try? SHA256.hex(ofFile: path)))
        }
        return changes
    }

    /// The refusal for changed data: the first change, how many more, and the flag that accepts them.
    public static func refusal(_ changes: [DataFileChange]) -> Refusal {
        let more = changes.count > 1 ? " (and \(changes.count - 1) more changed data file\(changes.count > 2 ? "s" : ""))" : ""
        return Refusal(message: changes[0].description + more + "; resuming would train on other data than the run started with (give --allow-changed-data to continue anyway; it is recorded in environment.json)")
    }
}
