import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `manifest.json` of a checkpoint folder: every file below the folder (sub-folders included) with its
/// relative path, size and SHA-256. It is written last, after every other file, so a folder whose
/// manifest is there was complete; verifying it catches a file changed, truncated, removed or added
/// afterwards. One writer and one verifier serve every checkpoint (a run's `last` and `best`).
public struct FileManifest: Codable, Equatable, Sendable {
    public static let fileName = "manifest.json"
    public static let formatName = "polyglot-checkpoint-manifest"

    public struct Entry: Codable, Equatable, Sendable {
        /// Relative to the folder, `/`-separated.
        public var path: String
        public var bytes: Int
        public var sha256: String
    }

    public var format: String
    public var files: [Entry]

    /// Why a folder does not match its manifest; `path` is the file as the caller names the folder.
    public struct Mismatch: PolyglotError, Equatable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The manifest of the files now in `folder` (its own top-level manifest.json left out).
    public static func of(folder: URL) throws -> FileManifest {
        let paths = try regularFiles(in: folder, label: folder.path)
        let files = try paths.map { relative -> Entry in
            let path = folder.appendingPathComponent(relative).path
            return Entry(path: relative, bytes: try size(of: path), sha256: try SHA256.hex(ofFile: path))
        }
        return FileManifest(format: formatName, files: files)
    }

    /// Writes `folder/manifest.json` for the files now in the folder (atomically, flushed). Call it after
    /// every other file is written.
    @discardableResult
    public static func write(folder: URL) throws -> FileManifest {
        let manifest = try of(folder: folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(manifest), to: folder.appendingPathComponent(fileName))
        return manifest
    }

    /// Whether `folder` has a manifest (verified or not).
    public static func exists(in folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(fileName).path)
    }

    /// Checks `folder` against its manifest: every listed file there with its size and SHA-256, nothing
    /// else there. `label` names the folder in messages (e.g. `checkpoints/last`). `subfolder` limits the
    /// check to the files under that relative folder (e.g. `model`, when only the model is loaded).
    /// Throws `Mismatch` naming the first file that differs; a missing manifest is a mismatch too.
    public static func verify(folder: URL, label: String, subfolder: String? = nil) throws {
        let manifestURL = folder.appendingPathComponent(fileName)
        let name = "\(label)/\(fileName)"
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw Mismatch(path: name, reason: "missing: the checkpoint cannot be verified (written by a Polyglot without manifests, or the file was removed)")
        }
        let manifest: FileManifest
        do {
            manifest = try StrictJSON.decode(FileManifest.self, path: manifestURL.path)
        } catch {
            throw Mismatch(path: name, reason: "cannot read the checkpoint manifest: \(Self.brief(error))")
        }
        guard manifest.format == formatName else {
            throw Mismatch(path: name, reason: "format is '\(manifest.format)', expected '\(formatName)'")
        }
        let prefix = subfolder.map { $0 + "/" } ?? ""
        let listed = manifest.files.filter { $0.path.hasPrefix(prefix) }
        var seen = Set<String>()
        for entry in manifest.files {
            guard seen.insert(entry.path).inserted else { throw Mismatch(path: name, reason: "lists \(entry.path) twice") }
            guard !entry.path.isEmpty, !entry.path.hasPrefix("/"), !entry.path.split(separator: "/").contains("..") else {
                throw Mismatch(path: name, reason: "lists a path outside the folder: \(entry.path)")
            }
        }
        // Cheap checks first (what is there, sizes), then the checksums.
        let start = subfolder.map { folder.appendingPathComponent($0) } ?? folder
        let present = try regularFiles(in: start, label: subfolder.map { "\(label)/\($0)" } ?? label, keepManifest: subfolder != nil)
            .map { prefix + $0 }
        let presentSet = Set(present)
        for entry in listed where !presentSet.contains(entry.path) {
            throw Mismatch(path: "\(label)/\(entry.path)", reason: "missing: the checkpoint manifest lists it (\(entry.bytes) bytes)")
        }
        for path in present where !seen.contains(path) {
            throw Mismatch(path: "\(label)/\(path)", reason: "not in the checkpoint manifest: the file was added after the checkpoint was written")
        }
        for entry in listed {
            let actual = try size(of: folder.appendingPathComponent(entry.path).path)
            guard actual == entry.bytes else {
                throw Mismatch(path: "\(label)/\(entry.path)", reason: "is \(actual) bytes, the checkpoint manifest says \(entry.bytes): the file changed after it was written")
            }
        }
        for entry in listed {
            let digest = try SHA256.hex(ofFile: folder.appendingPathComponent(entry.path).path)
            guard digest == entry.sha256 else {
                throw Mismatch(path: "\(label)/\(entry.path)", reason: "SHA-256 differs from the checkpoint manifest: the file changed after it was written")
            }
        }
    }

    /// Relative paths of the regular files below `folder`, sorted, its top-level manifest.json left out
    /// (unless `keepManifest`: a sub-folder's own manifest.json is an ordinary file of the checkpoint).
    /// Anything else (a symbolic link, a device, a FIFO) is refused: a checkpoint holds plain files only.
    static func regularFiles(in folder: URL, label: String, keepManifest: Bool = false) throws -> [String] {
        var out: [String] = []
        func walk(_ dir: URL, _ relative: String) throws {
            let entries: [String]
            do { entries = try FileManager.default.contentsOfDirectory(atPath: dir.path) } catch {
                throw Mismatch(path: relative.isEmpty ? label : "\(label)/\(relative)", reason: "cannot list the folder: \(brief(error))")
            }
            for entry in entries.sorted() {
                let rel = relative.isEmpty ? entry : "\(relative)/\(entry)"
                if rel == fileName && !keepManifest { continue }
                var st = stat()
                guard lstat(dir.appendingPathComponent(entry).path, &st) == 0 else {
                    throw Mismatch(path: "\(label)/\(rel)", reason: "cannot read: \(String(cString: strerror(errno)))")
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: try walk(dir.appendingPathComponent(entry), rel)
                case S_IFREG: out.append(rel)
                default: throw Mismatch(path: "\(label)/\(rel)", reason: "not a regular file (a link, device or FIFO): a checkpoint holds plain files only")
                }
            }
        }
        try walk(folder, "")
        return out.sorted()
    }

    /// The size of a file, links not followed.
    public static func size(of path: String) throws -> Int {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw FileError(path: path, "cannot read: \(String(cString: strerror(errno)))") }
        return Int(st.st_size)
    }

    /// A one-line reason for a read or decoding error.
    public static func brief(_ error: Error) -> String {
        if let e = error as? DecodingError { return StrictJSON.describe(e) }
        if let e = error as? PolyglotError { return e.description }
        return (error as NSError).localizedDescription
    }
}
