import Foundation
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// Checkpoint folders under one root (`results/<run>/checkpoints/`), each replaced atomically: the new
/// folder is written under a temporary name, its files and the folder are flushed, the previous folder
/// is set aside as `.<name>.old`, the new one renamed into place, and only then the old one removed.
/// A crash at any moment leaves either the previous complete folder or the new one; `recover()`
/// restores the previous one where the crash fell between the two renames. Every folder carries a
/// `manifest.json` (each file's path, size and SHA-256; `FileManifest`), written after all its other
/// files and before the folder is renamed into place; `verify` checks a folder against it.
public struct CheckpointStore: Sendable {
    public let root: URL

    public struct StoreError: PolyglotError {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public init(root: URL) { self.root = root }

    public func url(_ name: String) -> URL { root.appendingPathComponent(name, isDirectory: true) }
    private func oldURL(_ name: String) -> URL { root.appendingPathComponent(".\(name).old", isDirectory: true) }

    /// Writes checkpoint `name`: `fill` writes the files into the folder it is given.
    public func save(_ name: String, _ fill: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let temp = root.appendingPathComponent(".\(name).tmp-\(getpid())", isDirectory: true)
        try? fm.removeItem(at: temp)
        do { try fm.createDirectory(at: temp, withIntermediateDirectories: true) } catch {
            throw StoreError(path: temp.path, reason: "cannot create: \(error.localizedDescription)")
        }
        do {
            try fill(temp)
            try FileManifest.write(folder: temp)
            try Self.syncTree(temp)
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }
        let target = url(name), old = oldURL(name)
        try? fm.removeItem(at: old)
        if fm.fileExists(atPath: target.path) {
            guard rename(target.path, old.path) == 0 else { throw StoreError(path: target.path, reason: "cannot set aside: \(String(cString: strerror(errno)))") }
        }
        guard rename(temp.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(old.path, target.path)
            throw StoreError(path: target.path, reason: "cannot rename into place: \(reason)")
        }
        Self.syncDirectory(root)
        try? fm.removeItem(at: old)
    }

    /// Checks checkpoint `name` against its manifest (every file, its size and SHA-256, nothing more);
    /// throws `FileManifest.Mismatch` naming the file that differs, or the missing manifest.
    /// `subfolder` limits the check to the files below it (`model`, when only the model is read).
    public func verify(_ name: String, subfolder: String? = nil) throws {
        try FileManifest.verify(folder: url(name), label: url(name).path, subfolder: subfolder)
    }

    /// Copies checkpoint `source` to `name` through the same atomic replacement.
    public func copy(_ source: String, to name: String) throws {
        let from = url(source)
        try save(name) { dir in
            for file in try FileManager.default.contentsOfDirectory(atPath: from.path) where file != FileManifest.fileName {
                try FileManager.default.copyItem(at: from.appendingPathComponent(file), to: dir.appendingPathComponent(file))
            }
        }
    }

    /// Puts the store back in a consistent state after a crash: a set-aside folder whose replacement
    /// never arrived is restored, leftovers of unfinished writes are removed.
    public func recover() throws {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: root.path) else { return }
        for entry in entries where entry.hasPrefix(".") {
            let path = root.appendingPathComponent(entry)
            if entry.hasSuffix(".old") {
                let name = String(entry.dropFirst().dropLast(4))
                if fm.fileExists(atPath: url(name).path) {
                    try fm.removeItem(at: path)
                } else {
                    guard rename(path.path, url(name).path) == 0 else { throw StoreError(path: path.path, reason: "cannot restore") }
                }
            } else if entry.contains(".tmp-") {
                try fm.removeItem(at: path)
            }
        }
    }

    /// Checkpoint `name` if a complete one exists (after `recover()`).
    public func existing(_ name: String) -> URL? {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url(name).path, isDirectory: &isDir) && isDir.boolValue ? url(name) : nil
    }

    static func syncTree(_ dir: URL) throws {
        let fm = FileManager.default
        for entry in try fm.contentsOfDirectory(atPath: dir.path) {
            let path = dir.appendingPathComponent(entry).path
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            if isDir.boolValue { try syncTree(URL(fileURLWithPath: path)); continue }
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw StoreError(path: path, reason: "cannot open to flush") }
            let ok = fsync(fd) == 0
            close(fd)
            if !ok { throw StoreError(path: path, reason: "cannot flush to disk") }
        }
        syncDirectory(dir)
    }

    static func syncDirectory(_ dir: URL) {
        let fd = open(dir.path, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
