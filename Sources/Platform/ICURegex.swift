import CICU
import Foundation

/// A regular expression compiled once by ICU and matched over UTF-8 bytes, with match positions as
/// byte offsets. ICU's matcher is not thread-safe, so the object keeps a pool of clones of the
/// compiled pattern: a thread borrows one for the duration of a search (`matches`), and the pool
/// grows to the number of threads that search at the same time.
///
/// Syntax is ICU's, which HF `tokenizers`' Oniguruma patterns share for everything real
/// tokenizer.json files use (classes, `\p{…}`, `\s`/`\d` as Unicode classes, lookahead, counted
/// and possessive repetition, inline flags). Lines are as in Oniguruma's Ruby syntax: `^` and `$`
/// match at every "\n" (and only there), and `.` matches anything but "\n". Known differences:
/// the inline flag `(?m)` is ICU's multi-line flag (Ruby's "dot matches newline" is `(?s)` here);
/// Oniguruma-only constructs (`\K`, absent operators `(?~…)`, subexpression calls `\g<…>`) fail
/// to compile. See `StagePattern` for the classes it rewrites.
public final class ICURegex: @unchecked Sendable {
    public let pattern: String
    private let compiled: OpaquePointer
    private var pool: [OpaquePointer] = []
    private let lock = NSLock()

    /// Thrown for a pattern ICU cannot compile (the message names the UTF-16 offset of the error).
    public struct SyntaxError: Error, CustomStringConvertible, Sendable {
        public let pattern: String
        public let message: String
        public var description: String { message }
    }

    public init(_ pattern: String) throws {
        self.pattern = pattern
        let units = Array(pattern.utf16)
        var status: Int32 = 0
        var offset: Int32 = -1
        let re = units.withUnsafeBufferPointer { p in
            cicu_regex_open(p.baseAddress, Int32(p.count), 8 | 1 /* UREGEX_MULTILINE | UREGEX_UNIX_LINES */, &offset, &status)
        }
        guard status <= 0, let re else {
            let name = String(cString: cicu_error_name(status))
            let at = offset >= 0 ? " at character \(offset)" : ""
            throw SyntaxError(pattern: pattern, message: "invalid regular expression\(at) (\(name))")
        }
        compiled = OpaquePointer(re)
    }

    deinit {
        for m in pool { cicu_regex_close(UnsafeMutableRawPointer(m)) }
        cicu_regex_close(UnsafeMutableRawPointer(compiled))
    }

    private func borrow() throws -> OpaquePointer {
        lock.lock()
        if let m = pool.popLast() { lock.unlock(); return m }
        lock.unlock()
        var status: Int32 = 0
        guard let m = cicu_regex_clone(UnsafeMutableRawPointer(compiled), &status), status <= 0 else {
            throw ICUError(operation: "uregex_clone", code: status)
        }
        return OpaquePointer(m)
    }

    private func giveBack(_ m: OpaquePointer) {
        lock.lock(); pool.append(m); lock.unlock()
    }

    /// Calls `body(start, end)` with the byte range of every match in `text`, in order, as
    /// successive `findNext` calls give them (after an empty match the search resumes one code
    /// point later).
    public func matches(in text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) throws -> Void) throws {
        let m = try borrow()
        defer { giveBack(m) }
        let raw = UnsafeMutableRawPointer(m)
        var status: Int32 = 0
        cicu_regex_set_utf8(raw, text.baseAddress, Int64(text.count), &status)
        try check(status, "uregex_setUText")
        var s: Int64 = 0, e: Int64 = 0
        while cicu_regex_find_next(raw, &s, &e, &status) == 1 {
            try body(Int(s), Int(e))
        }
        try check(status, "uregex_findNext")
        // Leave no pointer to the caller's bytes behind.
        cicu_regex_set_utf8(raw, nil, 0, &status)
    }
}
