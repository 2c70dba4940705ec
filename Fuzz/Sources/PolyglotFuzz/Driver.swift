import Foundation
#if canImport(Glibc)
import Glibc
#endif

// One executable for every fuzz target: `PolyglotFuzz --target=NAME [libFuzzer flags] [corpus dirs]`.
// SwiftPM renames an executable's entry point to `PolyglotFuzz_main` and libFuzzer's own `main` is
// not used: this function picks the target, removes `--target=` from the arguments and hands the
// rest to libFuzzer's driver.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The target libFuzzer calls; set once before the driver starts.
nonisolated(unsafe) var selectedTarget: FuzzTarget?

@_cdecl("PolyglotFuzz_main")
public func polyglotFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var kept: [UnsafeMutablePointer<CChar>?] = []
    var name: String?
    for i in 0..<Int(argc) {
        guard let arg = argv?[i] else { continue }
        let text = String(cString: arg)
        if i > 0, text.hasPrefix("--target=") { name = String(text.dropFirst("--target=".count)); continue }
        kept.append(arg)
    }
    let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
    guard let name else {
        report("expected --target=NAME as an argument (one of: \(names))")
        return 2
    }
    guard let target = FuzzTarget.all.first(where: { $0.name == name }) else {
        report("unknown target '\(name)' (expected one of: \(names))")
        return 2
    }
    selectedTarget = target
    do {
        try Scratch.setUp()
    } catch {
        report("\(error)")
        return 1
    }
    kept.append(nil)
    var count = CInt(kept.count - 1)
    return kept.withUnsafeMutableBufferPointer { buffer -> CInt in
        var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
        return LLVMFuzzerRunDriver(&count, &pointer) { data, size in fuzzOneInput(data, size) }
    }
}

/// libFuzzer's per-input entry point. The driver above calls it; the runtime's own (unused) `main`
/// references it by this name, so it must exist for the link.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: size > 0 ? UnsafeRawPointer(data) : nil, count: size)
    selectedTarget?.run(bytes)
    return 0
}

/// A parser under test. `run` must return for every input: a thrown error is the expected outcome
/// for bad input; only a crash, a sanitizer report, a leak or a timeout is a finding.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable (UnsafeRawBufferPointer) -> Void
}

func report(_ message: String) {
    FileHandle.standardError.write(Data("PolyglotFuzz: \(message)\n".utf8))
}

/// A private folder on a memory file system for the readers that take a path: each execution
/// writes its input to a file there and reads it back through the reader's public API.
enum Scratch {
    nonisolated(unsafe) static var folder = ""

    struct SetupError: Error, CustomStringConvertible { let description: String }

    static func setUp() throws {
        let parent = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        var template = Array((parent as NSString).appendingPathComponent("polyglot-fuzz-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SetupError(description: "cannot create a scratch folder in \(parent): \(String(cString: strerror(errno)))")
        }
        folder = String(cString: made)
        atexit { Scratch.removeFolder() }
    }

    static func removeFolder() {
        guard !folder.isEmpty else { return }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Writes `bytes` to `name` in the scratch folder (replacing the previous input) and returns its path.
    static func write(_ bytes: UnsafeRawBufferPointer, as name: String) -> String {
        let path = folder + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("cannot write the scratch file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { fatalError("cannot write the scratch file \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
        return path
    }

    /// Removes a file written by `write` (readers must not find the previous input).
    static func remove(_ name: String) { unlink(folder + "/" + name) }
}
