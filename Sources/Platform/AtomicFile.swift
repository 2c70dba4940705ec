import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files that must never be seen half-written (checkpoints, results, tokenizers): the bytes go
/// to a temporary file in the same folder, are flushed to disk, and the file is renamed into place.
/// Only a regular file is ever replaced: a symbolic link, FIFO, device, socket or folder at the path is
/// refused (the rename would replace the link or the device node itself). Whether a regular file may be
/// replaced at all is `OutputPolicy`'s decision, made before.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): cannot write: \(reason)" }
    }

    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try refuseNonRegular(url)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: url.path, reason: "cannot create folder \(dir.path)")
        }
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            guard let base = raw.baseAddress else { return }
            while offset < raw.count {
                let n = Glibc.write(fd, base + offset, raw.count - offset)
                if n <= 0 { if errno == EINTR { continue }; ok = false; break }
                offset += n
            }
        }
        let err = errno
        if ok && fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok else {
            unlink(temp.path)
            throw WriteError(path: url.path, reason: String(cString: strerror(err)))
        }
        // Checked again just before the rename: something may have appeared at the path meanwhile.
        do { try refuseNonRegular(url) } catch {
            unlink(temp.path)
            throw error
        }
        guard rename(temp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp.path)
            throw WriteError(path: url.path, reason: reason)
        }
        // Make the rename itself durable.
        let dfd = open(dir.path, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Throws unless nothing or a regular file is at `url` (read with lstat: a symbolic link is not followed).
    static func refuseNonRegular(_ url: URL) throws {
        let entry = PathEntry(path: url.path)
        guard entry == .missing || entry == .file else {
            throw WriteError(path: url.path, reason: "\(entry.noun) is there; only a regular file is ever replaced")
        }
    }
}
