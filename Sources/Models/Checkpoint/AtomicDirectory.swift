import Foundation
import Platform

/// Writes a whole folder so that readers see either the old one or the complete new one: every file
/// goes (flushed) into a temporary sibling folder, which is then renamed into place; a previous folder
/// is moved aside first and removed after.
public enum AtomicDirectory {
    public static func write(_ files: [String: Data], to url: URL) throws {
        let fm = FileManager.default
        let parent = url.deletingLastPathComponent()
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let temp = parent.appendingPathComponent(".\(url.lastPathComponent).tmp-\(tag)")
        let old = parent.appendingPathComponent(".\(url.lastPathComponent).old-\(tag)")
        do {
            try fm.createDirectory(at: temp, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: url.path, "cannot create \(temp.path): \(error.localizedDescription)")
        }
        do {
            for name in files.keys.sorted() {
                guard !name.contains("/"), !name.hasPrefix(".") else {
                    throw FileError(path: url.path, "file name \"\(name)\" must be a plain name")
                }
                try AtomicFile.write(files[name]!, to: temp.appendingPathComponent(name))
            }
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }
        var isDir: ObjCBool = false
        let existed = fm.fileExists(atPath: url.path, isDirectory: &isDir)
        if existed {
            guard isDir.boolValue else {
                try? fm.removeItem(at: temp)
                throw FileError(path: url.path, "exists and is not a folder")
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
}
