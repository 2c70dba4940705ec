import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failed write to standard output or standard error: the command ends with this one line and exit status 1.
public struct StreamWriteError: PolyglotError, Equatable {
    /// "standard output" or "standard error".
    public let stream: String
    public let reason: String
    public init(stream: String, reason: String) { self.stream = stream; self.reason = reason }
    public var description: String { "\(stream): cannot write: \(reason)" }
}

/// Standard output and standard error written with write(2), never through a handle that traps on a
/// failed write. A failure is an error the command reports (`error: standard output: cannot write: No space
/// left on device`, exit 1); writers that cannot throw (progress callbacks) record the first failure, skip
/// every later write to that stream, and `finish()` at the end of the command reports it.
public enum StandardStreams {
    public static let output = CheckedStream(descriptor: 1, name: "standard output")
    public static let error = CheckedStream(descriptor: 2, name: "standard error")

    /// Throws the first failure recorded on either stream (standard output first): every command calls it last.
    public static func finish() throws {
        try output.check()
        try error.check()
    }
}

/// One file descriptor written in full (short writes continued, EINTR retried), its first failure kept.
public final class CheckedStream: @unchecked Sendable {
    public let descriptor: Int32
    public let name: String
    private let lock = NSLock()
    private var failure: StreamWriteError?

    init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    /// Writes `text` in full or throws; after a failure every later write throws the same error.
    public func write(_ text: String) throws {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        var bytes = Array(text.utf8)
        let result: Int32 = bytes.withUnsafeMutableBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return 0 }
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(descriptor, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { return EIO }
                offset += n
            }
            return 0
        }
        if result != 0 {
            let e = StreamWriteError(stream: name, reason: String(cString: strerror(result)))
            failure = e
            throw e
        }
    }

    /// `text` and a newline.
    public func line(_ text: String) throws { try write(text + "\n") }

    /// For callers that cannot throw: a failure is recorded for `check()`.
    public func record(_ text: String) {
        _ = try? write(text)
    }

    /// Throws the recorded failure, if any.
    public func check() throws {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
    }
}
