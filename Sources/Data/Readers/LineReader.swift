import Foundation
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// Reads a text file line by line without loading it whole, counting lines from 1 so every reader
/// can report `file:line`. Strips a UTF-8 byte-order mark and `\r\n` line ends; rejects invalid UTF-8.
public final class LineReader {
    public let path: String
    public private(set) var lineNumber = 0
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>? = nil
    private var capacity = 0

    public init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileError(path: path, "file not found")
        }
        guard !isDirectory.boolValue else { throw FileError(path: path, "expected a file, found a folder") }
        guard let f = fopen(path, "rb") else {
            throw FileError(path: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        file = f
    }

    deinit {
        fclose(file)
        free(buffer)
    }

    /// The next line without its terminator, or nil at the end of the file.
    public func next() throws -> String? {
        let n = getline(&buffer, &capacity, file)
        if n < 0 {
            if ferror(file) != 0 { throw FileError(path: path, line: lineNumber + 1, "read error: \(String(cString: strerror(errno)))") }
            return nil
        }
        lineNumber += 1
        var count = n
        let base = UnsafeMutableRawPointer(buffer!).assumingMemoryBound(to: UInt8.self)
        while count > 0 && (base[count - 1] == 10 || base[count - 1] == 13) { count -= 1 }
        var start = 0
        if lineNumber == 1 && count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
        let bytes = UnsafeBufferPointer(start: base + start, count: count - start)
        guard let line = String(validating: bytes, as: UTF8.self) else {
            throw FileError(path: path, line: lineNumber, "expected UTF-8 text, found invalid bytes")
        }
        return line
    }

    public func error(_ message: String) -> FileError { FileError(path: path, line: lineNumber, message) }
}

/// Field splitting on UTF-8 bytes. Separators are ASCII, so byte positions are always scalar
/// boundaries; working on bytes avoids grapheme-cluster iteration (slow, and a tab followed by a
/// combining mark must still separate fields).
extension String {
    /// The fields between every `separator` byte (empty fields kept).
    func fields(separatedBy separator: UInt8) -> [String] {
        var out: [String] = []
        let view = utf8
        var start = view.startIndex
        var i = start
        while i != view.endIndex {
            if view[i] == separator {
                out.append(String(self[start..<i]))
                start = view.index(after: i)
            }
            i = view.index(after: i)
        }
        out.append(String(self[start..<view.endIndex]))
        return out
    }

    /// The fields between runs of ASCII spaces (empty fields dropped).
    func fieldsSeparatedBySpaces() -> [String] { fields(separatedBy: 32).filter { !$0.utf8.isEmpty } }

    /// True for an empty line or one of only spaces and tabs.
    var isBlankLine: Bool { utf8.allSatisfy { $0 == 32 || $0 == 9 } }

    func startsWith(byte: UInt8) -> Bool { utf8.first == byte }

    /// Byte-wise prefix test (String.hasPrefix compares canonically equivalent characters).
    func hasBytePrefix(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }

    /// `key = value` of a comment line such as `# text = …` (after the leading `#`), trimmed of
    /// ASCII spaces; nil without `=`.
    func commentKeyValue() -> (key: String, value: String)? {
        let view = utf8
        guard view.first == 35, let eq = view.firstIndex(of: 61) else { return nil }
        func trimmed(_ s: Substring) -> String {
            var bytes = s.utf8[...]
            while let f = bytes.first, f == 32 || f == 9 { bytes = bytes.dropFirst() }
            while let l = bytes.last, l == 32 || l == 9 { bytes = bytes.dropLast() }
            return String(Substring(bytes))
        }
        return (trimmed(self[view.index(after: view.startIndex)..<eq]), trimmed(self[view.index(after: eq)...]))
    }
}
