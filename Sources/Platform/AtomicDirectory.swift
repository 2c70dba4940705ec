import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a whole folder so that readers see either the old one or the complete new one: every file
/// goes (flushed) into a temporary sibling folder, which is then renamed into place; a previous folder
/// is moved aside first and removed after. Only a real folder is ever replaced (a symbolic link, file or
/// device at the path is refused); whether an existing folder may be replaced at all is `OutputPolicy`'s
/// decision (export folders) or the caller's own (checkpoint folders inside a run).
public enum AtomicDirectory {
    public static func write(_ files: [String: Data], to target: URL) throws {
        let fm = FileManager.default
        // "out/." or "./out/../x" name a folder whose last component is not its name: rename needs the name.
        let url = target.standardizedFileURL
        let parent = url.deletingLastPathComponent()
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let temp = parent.appendingPathComponent(".\(url.lastPathComponent).tmp-\(tag)")
        let old = parent.appendingPathComponent(".\(url.lastPathComponent).old-\(tag)")
        let before = PathEntry(path: url.path)
        guard before == .missing || before == .folder else {
            throw FileError(path: url.path, "\(before.noun) is there, not a folder; it is not replaced")
        }
        for name in files.keys {
            guard isRelativeName(name) else {
                throw FileError(path: url.path, "file name \"\(name)\" must be a plain name or one subfolder and a plain name")
            }
        }
        do {
            try fm.createDirectory(at: temp, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: url.path, "cannot create \(temp.path): \(error.localizedDescription)")
        }
        do {
            for (name, data) in files.sorted(by: { $0.key < $1.key }) {
                let file = temp.appendingPathComponent(name)
                if name.contains("/") {
                    let sub = file.deletingLastPathComponent()
                    do { try fm.createDirectory(at: sub, withIntermediateDirectories: true) } catch {
                        throw FileError(path: url.path, "cannot create \(sub.path): \(error.localizedDescription)")
                    }
                }
                try AtomicFile.write(data, to: file)
            }
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }
        let existing = PathEntry(path: url.path)
        let existed = existing != .missing
        if existed {
            guard existing == .folder else {
                try? fm.removeItem(at: temp)
                throw FileError(path: url.path, "\(existing.noun) is there, not a folder; it is not replaced")
            }
            guard rename(url.path, old.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? fm.removeItem(at: temp)
                throw FileError(path: url.path, "cannot move the previous folder aside: \(reason)")
            }
        }
        guard rename(temp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if existed { rename(old.path, url.path) }
            try? fm.removeItem(at: temp)
            throw FileError(path: url.path, reason)
        }
        let dfd = open(parent.path, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
        if existed { try? fm.removeItem(at: old) }
    }

    /// A name inside one folder: no separator, not `.`/`..`, not hidden (hidden names are the temporary
    /// files' own), except the output marker `OutputPolicy` writes.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && (!name.hasPrefix(".") || name == OutputPolicy.markerName)
    }

    /// A plain name, or a plain subfolder name, `/` and a plain name (`1_Pooling/config.json`).
    static func isRelativeName(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, parts.allSatisfy(isPlainName) else { return false }
        return parts.count == 1 || parts[0] != OutputPolicy.markerName
    }
}
