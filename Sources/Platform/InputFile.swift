import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The limits on what Polyglot reads from a user's file. Reading stops at a limit with an error
/// naming the file, the line and the limit; nothing is read past it.
public enum InputLimits {
    /// One line of a data file (TSV/CSV row, CoNLL-U or IOB2 word line, JSONL record, text line).
    public static let lineBytes = 1 << 20
    /// One record that spans lines: a CoNLL-U or IOB2 sentence, a CSV row with quoted line breaks.
    public static let recordBytes = 16 << 20
    /// A JSON document read whole: tokenizer.json (a 250k-piece Unigram vocabulary is about 17 MB),
    /// SQuAD JSON, config.json, sidecars.
    public static let jsonBytes = 64 << 20
    /// A YAML spec or experiment file read whole.
    public static let yamlBytes = 1 << 20
    /// A file of a run's results read whole (metrics, per-example predictions: the largest of the
    /// e5 reference runs, a 1,000-sentence tagging set, is under 1 MB).
    public static let resultsBytes = 256 << 20
    /// A text file read whole by the tokenizer commands and `bench tokenize` (a corpus: its lines are
    /// held in memory as strings, several times the file's size).
    public static let textBytes = 4 << 30

    /// "1 MiB", "64 MiB", or bytes when not a whole number of KiB.
    public static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}

/// Opens users' files for reading: regular files only, checked with `stat` before `open` so that a
/// FIFO, a device, a socket or a folder is refused at once (opening a FIFO would block until a writer
/// comes; a device such as /dev/zero never ends).
public enum InputFile {
    /// Throws a `FileError` unless `path` names a regular file (symbolic links are followed);
    /// returns its size in bytes.
    @discardableResult
    public static func checkRegular(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let err = errno
            if err == ENOENT { throw FileError(path: path, "file not found") }
            throw FileError(path: path, "cannot read: \(String(cString: strerror(err)))")
        }
        if let kind = kindName(st.st_mode) { throw FileError(path: path, "is \(kind), expected a regular file") }
        return Int(st.st_size)
    }

    /// What a non-regular file is, for messages; nil for a regular file.
    static func kindName(_ mode: mode_t) -> String? {
        let kind = PathEntry(mode: mode)
        return kind == .file ? nil : kind.noun
    }

    /// A read-only descriptor of the regular file at `path`. Opened non-blocking and checked again
    /// with `fstat`, so a file swapped for a FIFO between the two checks cannot block either.
    public static func open(_ path: String) throws -> Int32 {
        try checkRegular(path)
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, "cannot open: \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let err = errno
            close(fd)
            throw FileError(path: path, "cannot read: \(String(cString: strerror(err)))")
        }
        if let kind = kindName(st.st_mode) {
            close(fd)
            throw FileError(path: path, "is \(kind), expected a regular file")
        }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    /// The whole file, refusing one larger than `limit` bytes (checked before reading, and again
    /// while reading in case the file grows). `what` names the kind of file in the error.
    public static func read(_ path: String, limit: Int, what: String = "file") throws -> [UInt8] {
        let fd = try open(path)
        defer { close(fd) }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        func tooLarge() -> FileError {
            FileError(path: path, "\(what) is larger than the limit of \(InputLimits.describe(limit))")
        }
        if size > limit { throw tooLarge() }
        var out = [UInt8](repeating: 0, count: size + 1)
        var count = 0
        while true {
            if count == out.count {
                if count > limit { throw tooLarge() }
                out.append(contentsOf: repeatElement(0, count: min(max(out.count, 4096), limit + 1 - count)))
            }
            let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, "read error: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            count += n
            if count > limit { throw tooLarge() }
        }
        out.removeLast(out.count - count)
        return out
    }

    /// The whole file as `Data` (see `read`).
    public static func readData(_ path: String, limit: Int, what: String = "file") throws -> Data {
        Data(try read(path, limit: limit, what: what))
    }

    /// The whole file as UTF-8 text without a byte-order mark (see `read`).
    public static func readText(_ path: String, limit: Int, what: String = "file") throws -> String {
        var bytes = try read(path, limit: limit, what: what)[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FileError(path: path, "expected UTF-8 text, found invalid bytes")
        }
        return text
    }
}

/// Reads a text file line by line without loading it whole, counting lines from 1 so every reader
/// can report `file:line`. Strips a UTF-8 byte-order mark and `\r\n` line ends; rejects invalid UTF-8.
/// A line longer than `lineLimit` bytes, or a record (lines between `beginRecord` and `endRecord`)
/// longer than `recordLimit`, is an error as soon as the limit is passed: nothing beyond it is read.
public final class LineReader {
    public let path: String
    public private(set) var lineNumber = 0
    public let lineLimit: Int
    public let recordLimit: Int
    private let fd: Int32
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEOF = false
    private var line: [UInt8] = []
    private var recordStart: Int? = nil
    private var recordBytes = 0
    private var recordName = ""

    public init(path: String, lineLimit: Int = InputLimits.lineBytes, recordLimit: Int = InputLimits.recordBytes) throws {
        self.path = path
        self.lineLimit = lineLimit
        self.recordLimit = recordLimit
        fd = try InputFile.open(path)
        buffer = [UInt8](repeating: 0, count: 1 << 16)
    }

    deinit { close(fd) }

    /// Refills the buffer; false at the end of the file.
    private func fill() throws -> Bool {
        if atEOF { return false }
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, line: lineNumber + 1, "read error: \(String(cString: strerror(errno)))")
            }
            start = 0; end = n
            if n == 0 { atEOF = true; return false }
            return true
        }
    }

    /// The bytes of the next line without its terminator, or nil at the end of the file.
    private func nextBytes() throws -> [UInt8]? {
        line.removeAll(keepingCapacity: true)
        var sawAny = false
        while true {
            if start == end {
                guard try fill() else {
                    if !sawAny { return nil }
                    break
                }
            }
            sawAny = true
            let found: Int? = buffer.withUnsafeBytes { b in
                memchr(b.baseAddress! + start, 10, end - start).map { $0 - UnsafeMutableRawPointer(mutating: b.baseAddress!) }
            }
            let stop = found ?? end
            if line.count + (stop - start) > lineLimit {
                throw FileError(path: path, line: lineNumber + 1,
                                "line longer than the limit of \(InputLimits.describe(lineLimit)) (a file without line breaks, or not a text file?)")
            }
            line.append(contentsOf: buffer[start..<stop])
            if let found { start = found + 1; break }
            start = end
        }
        lineNumber += 1
        if recordStart != nil {
            recordBytes += line.count + 1
            if recordBytes > recordLimit {
                throw FileError(path: path, line: recordStart,
                                "\(recordName) starting here is longer than the limit of \(InputLimits.describe(recordLimit)) (at line \(lineNumber))")
            }
        }
        return line
    }

    /// The next line without its terminator, or nil at the end of the file.
    public func next() throws -> String? {
        guard let bytes = try nextBytes() else { return nil }
        var count = bytes.count
        while count > 0 && (bytes[count - 1] == 10 || bytes[count - 1] == 13) { count -= 1 }
        var first = 0
        if lineNumber == 1 && count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { first = 3 }
        guard let text = String(validating: bytes[first..<count], as: UTF8.self) else {
            throw FileError(path: path, line: lineNumber, "expected UTF-8 text, found invalid bytes")
        }
        return text
    }

    /// Starts counting a record (`name`: "the sentence", "the row") at the line just read.
    public func beginRecord(_ name: String) {
        guard recordStart == nil else { return }
        recordStart = lineNumber
        recordBytes = line.count + 1
        recordName = name
    }

    public func endRecord() { recordStart = nil; recordBytes = 0 }

    public func error(_ message: String) -> FileError { FileError(path: path, line: lineNumber, message) }
}

/// A short excerpt of input text for error messages: at most `limit` Unicode scalars, cut on a scalar
/// boundary with "…", control characters shown as U+FFFD so one error stays one line.
public func excerpt(_ text: some StringProtocol, limit: Int = 40) -> String {
    var out = String.UnicodeScalarView()
    var n = 0
    for s in text.unicodeScalars {
        if n == limit { out.append("…"); break }
        out.append(s.value < 0x20 || s.value == 0x7F ? "\u{FFFD}" : s)
        n += 1
    }
    return String(out)
}
