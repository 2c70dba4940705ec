import Foundation
import Testing
@testable import Platform
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` on another thread and waits at most `seconds`: a read that would block (a FIFO with no
/// writer) fails the test instead of hanging the suite. Returns the error text, "ok", or nil on a
/// time-out (the blocked thread is then left behind).
func withDeadline(_ seconds: Double, _ body: @escaping @Sendable () throws -> Void) -> String? {
    final class Box: @unchecked Sendable { var text: String? }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        do { try body(); box.text = "ok" } catch { box.text = "\(error)" }
        done.signal()
    }
    guard done.wait(timeout: .now() + seconds) == .success else { return nil }
    return box.text
}

func temporaryFolder(_ name: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

@Suite struct InputFileTests {
    @Test func fifoIsRefusedAtOnce() throws {
        let dir = try temporaryFolder("fifo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/data.tsv"
        #expect(mkfifo(fifo, 0o644) == 0)
        let lines = withDeadline(5) { _ = try LineReader(path: fifo) }
        #expect(lines == "\(fifo): is a FIFO (named pipe), expected a regular file")
        let whole = withDeadline(5) { _ = try InputFile.read(fifo, limit: 100) }
        #expect(whole == "\(fifo): is a FIFO (named pipe), expected a regular file")
        let json = withDeadline(5) { _ = try StrictJSON.read(path: fifo) }
        #expect(json == "\(fifo): is a FIFO (named pipe), expected a regular file")
    }

    @Test func devicesFoldersAndMissingFilesHaveTheirOwnMessages() throws {
        #expect(withDeadline(5) { _ = try LineReader(path: "/dev/zero") } == "/dev/zero: is a character device, expected a regular file")
        #expect(withDeadline(5) { _ = try InputFile.read("/dev/null", limit: 10) } == "/dev/null: is a character device, expected a regular file")
        let dir = try temporaryFolder("kinds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(withDeadline(5) { _ = try LineReader(path: dir) } == "\(dir): is a folder, expected a regular file")
        #expect(withDeadline(5) { _ = try LineReader(path: dir + "/none") } == "\(dir)/none: file not found")
    }

    /// A 2 MB file without a line break stops at the 1 MiB line limit, naming the file and line.
    @Test func lineWithoutBreakStopsAtTheLimit() throws {
        let dir = try temporaryFolder("long")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/one-line.txt"
        try Data("ok\n".utf8 + Data(repeating: 0x61, count: 2_000_000)).write(to: URL(fileURLWithPath: path))
        let reader = try LineReader(path: path)
        #expect(try reader.next() == "ok")
        #expect(errorText { _ = try reader.next() } == "\(path):2: line longer than the limit of 1 MiB (a file without line breaks, or not a text file?)")
        // A line of exactly the limit is read.
        try Data(repeating: 0x62, count: InputLimits.lineBytes).write(to: URL(fileURLWithPath: path))
        #expect(try LineReader(path: path).next()?.utf8.count == InputLimits.lineBytes)
    }

    @Test func recordLimitNamesTheRecordsFirstLine() throws {
        let dir = try temporaryFolder("record")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/r.txt"
        try (String(repeating: "x\n", count: 3) + String(repeating: "word\n", count: 100)).write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try LineReader(path: path, recordLimit: 64)
        for _ in 0..<3 { _ = try reader.next() }
        _ = try reader.next()
        reader.beginRecord("the sentence")
        let e = errorText { while try reader.next() != nil {} }
        #expect(e == "\(path):4: the sentence starting here is longer than the limit of 64 bytes (at line 16)")
    }

    @Test func wholeFileReadsAreBounded() throws {
        let dir = try temporaryFolder("whole")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/big.json"
        try Data(repeating: 0x20, count: 5000).write(to: URL(fileURLWithPath: path))
        #expect(errorText { _ = try InputFile.read(path, limit: 4096, what: "JSON file") } == "\(path): JSON file is larger than the limit of 4 KiB")
        #expect(try InputFile.read(path, limit: 5000).count == 5000)
        try Data([0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8)).write(to: URL(fileURLWithPath: path))
        #expect(try InputFile.readText(path, limit: 100) == "a: 1\n")
    }

    @Test func excerptsAreShortAndCutOnScalars() {
        #expect(excerpt("short") == "short")
        let long = String(repeating: "é", count: 100)
        #expect(excerpt(long) == String(repeating: "é", count: 40) + "…")
        // Scalars, not bytes or characters: a combining mark counts as one.
        #expect(excerpt("e\u{301}xyz", limit: 2) == "e\u{301}…")
        #expect(excerpt("a\tb\nc") == "a\u{FFFD}b\u{FFFD}c")
    }

    @Test func strictJSONNamesTheDuplicateKeyPath() throws {
        let e = errorText { _ = try StrictJSON.parse(Array("{\"model\": {\"vocab\": [{\"a\": 1, \"a\": 2}]}}".utf8), path: "t.json") }
        #expect(e == "t.json:1: invalid JSON: duplicate key model.vocab[0].a")
        let lines = errorText { _ = try StrictJSON.parse(Array("{\n \"x\": 1,\n \"x\": 2}".utf8), path: "t.json") }
        #expect(lines == "t.json:3: invalid JSON: duplicate key x")
        // Keys are shown as short excerpts.
        let key = String(repeating: "k", count: 300)
        let long = errorText { _ = try StrictJSON.parse(Array("{\"\(key)\": 1, \"\(key)\": 2}".utf8), path: "t.json") }
        #expect(long == "t.json:1: invalid JSON: duplicate key \(String(repeating: "k", count: 40))…")
        // Foundation values as JSONSerialization gives them.
        let v = try StrictJSON.parse(Array("{\"i\": 3, \"d\": 0.5, \"b\": true, \"s\": \"x\", \"n\": null, \"a\": [1]}".utf8), path: "t.json")
        let o = try #require(v.foundationValue as? [String: Any])
        #expect(o["i"] as? Int == 3 && o["d"] as? Double == 0.5 && o["b"] as? Bool == true && o["s"] as? String == "x")
        #expect(o["n"] is NSNull && (o["a"] as? [Any])?.count == 1)
    }

    @Test func strictDecodeRejectsDuplicatesBeforeDecoding() throws {
        struct Config: Decodable { var size: Int }
        let dir = try temporaryFolder("decode")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.json"
        try "{\"size\": 1, \"size\": 2}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(errorText { _ = try StrictJSON.decode(Config.self, path: path) } == "\(path):1: invalid JSON: duplicate key size")
        try "{\"size\": \"big\"}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(errorText { _ = try StrictJSON.decode(Config.self, path: path) }?.hasPrefix("\(path): size: ") == true)
    }

    @Test func configChoicesListTheValidWords() throws {
        enum Kind: String, ConfigChoice { case alpha, beta, gamma }
        struct Holder: Decodable { var kind: Kind }
        let e = errorText { _ = try JSONDecoder().decode(Holder.self, from: Data("{\"kind\": \"delta\"}".utf8)) }
        #expect(e?.contains("'delta' is not one of: alpha, beta, gamma") == true, "\(e ?? "")")
    }
}

func errorText(_ body: () throws -> Void) -> String? {
    do { try body() } catch { return "\(error)" }
    return nil
}
