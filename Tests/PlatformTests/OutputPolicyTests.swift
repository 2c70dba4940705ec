import Foundation
import Testing
@testable import Platform

/// The output policy on real paths: what is created, replaced, written into or refused, and that a
/// refusal leaves everything as it was.
@Suite struct OutputPolicyTests {
    static func folder(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-policy-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func put(_ text: String, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    static func read(_ url: URL) -> String? {
        FileManager.default.contents(atPath: url.path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A character device: as root a node of its own in `folder` (/dev/null's numbers), so that a regression could
    /// only replace that node, never the system's /dev/null; otherwise /dev/null, which only root could replace.
    static func device(in folder: URL) throws -> URL {
        guard geteuid() == 0 else { return URL(fileURLWithPath: "/dev/null") }
        let url = folder.appendingPathComponent("null-device")
        try #require(mknod(url.path, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0, "cannot create a device node to test against")
        return url
    }

    static func refusal(_ body: () throws -> Void) -> OutputRefusal? {
        do { try body() } catch let e as OutputRefusal { return e } catch { return nil }
        return nil
    }

    @Test func pathEntriesAreReadWithoutFollowingTheLastComponent() throws {
        let dir = try Self.folder("entry")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("f"), link = dir.appendingPathComponent("l"), fifo = dir.appendingPathComponent("p")
        try Self.put("x", file)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: file.path)
        #expect(mkfifo(fifo.path, 0o644) == 0)
        #expect(PathEntry(path: file.path) == .file)
        #expect(PathEntry(path: link.path) == .symbolicLink)
        #expect(PathEntry(path: fifo.path) == .fifo)
        #expect(PathEntry(path: dir.path) == .folder)
        #expect(PathEntry(path: try Self.device(in: dir).path) == .characterDevice)
        #expect(PathEntry(path: dir.appendingPathComponent("none").path) == .missing)
        #expect(PathEntry(path: file.appendingPathComponent("below-a-file").path) == .missing)
    }

    @Test func aNewFolderIsCreatedWithItsMarkerAndAnEarlierOneIsReplacedWhole() throws {
        let dir = try Self.folder("create")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("export")
        try OutputPolicy.writeFolder(["a.json": Data("1".utf8), "b.bin": Data("2".utf8)], to: out.path, kind: "k", force: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == [OutputPolicy.markerName, "a.json", "b.bin"])
        #expect(OutputPolicy.marker(of: out)?.kind == "k")
        #expect(OutputPolicy.marker(of: out)?.files == ["a.json", "b.bin"])
        // Owned: replaced as a whole, the file the new export no longer has is gone.
        #expect(try OutputPolicy.checkFolder(out.path, kind: "k", force: false) == .replace)
        try OutputPolicy.writeFolder(["a.json": Data("3".utf8)], to: out.path, kind: "k", force: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == [OutputPolicy.markerName, "a.json"])
        #expect(Self.read(out.appendingPathComponent("a.json")) == "3")
        // Leftover temporaries of an interrupted write of a listed file do not make the folder foreign.
        try Self.put("partial", out.appendingPathComponent(".a.json.tmp-1-2"))
        #expect(try OutputPolicy.checkFolder(out.path, kind: "k", force: false) == .replace)
    }

    @Test func aForeignFolderIsRefusedAndWithForceWrittenIntoWithoutDeletingAnything() throws {
        let dir = try Self.folder("foreign")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.put("mine", dir.appendingPathComponent("notes.txt"))
        try Self.put("nested", dir.appendingPathComponent("sub/x.txt"))
        let e = Self.refusal { try OutputPolicy.writeFolder(["a.json": Data("1".utf8)], to: dir.path, kind: "k", force: false) }
        #expect(e?.description == "\(dir.path): is a folder holding 2 entries Polyglot did not write (notes.txt, sub); choose another --output, or add --force to write into it (nothing in it is deleted)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["notes.txt", "sub"])
        try OutputPolicy.writeFolder(["a.json": Data("1".utf8)], to: dir.path, kind: "k", force: true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [OutputPolicy.markerName, "a.json", "notes.txt", "sub"])
        #expect(Self.read(dir.appendingPathComponent("notes.txt")) == "mine")
        #expect(Self.read(dir.appendingPathComponent("sub/x.txt")) == "nested")
        // Still foreign afterwards: the marker lists only Polyglot's names.
        #expect(Self.refusal { _ = try OutputPolicy.checkFolder(dir.path, kind: "k", force: false) } != nil)
        #expect(OutputPolicy.marker(of: dir)?.files == ["a.json"])
    }

    @Test func anEmptyFolderIsWrittenIntoAndARunOrAnotherKindIsNever() throws {
        let dir = try Self.folder("kinds")
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(try OutputPolicy.checkFolder(empty.path, kind: "k", force: false) == .writeInto)
        let run = dir.appendingPathComponent("run")
        try Self.put("name: r", run.appendingPathComponent("experiment.yaml"))
        try Self.put("{}", run.appendingPathComponent("environment.json"))
        #expect(OutputPolicy.isRunFolder(run))
        for force in [false, true] {
            let e = Self.refusal { try OutputPolicy.writeFolder(["a": Data()], to: run.path, kind: "k", force: force) }
            #expect(e?.reason.hasPrefix("is a Polyglot run folder") == true)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: run.path).sorted() == ["environment.json", "experiment.yaml"])
        let other = dir.appendingPathComponent("other")
        try OutputPolicy.writeFolder(["a": Data()], to: other.path, kind: "one", force: false)
        #expect(Self.refusal { _ = try OutputPolicy.checkFolder(other.path, kind: "two", force: true) }?.reason.hasPrefix("is a Polyglot one folder") == true)
        #expect(Self.refusal { _ = try OutputPolicy.checkFolder(other.path, kind: "run", force: true) } != nil)
        let file = dir.appendingPathComponent("file")
        try Self.put("x", file)
        #expect(Self.refusal { _ = try OutputPolicy.checkFolder(file.path, kind: "k", force: true) }?.reason.hasPrefix("is a regular file") == true)
    }

    @Test func linksFifosAndDevicesAreRefusedEvenWithForce() throws {
        let dir = try Self.folder("special")
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let link = dir.appendingPathComponent("link"), fileLink = dir.appendingPathComponent("file-link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target.path)
        try Self.put("keep", dir.appendingPathComponent("kept"))
        try FileManager.default.createSymbolicLink(atPath: fileLink.path, withDestinationPath: dir.appendingPathComponent("kept").path)
        let fifo = dir.appendingPathComponent("fifo")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let device = try Self.device(in: dir).path
        for force in [false, true] {
            #expect(Self.refusal { try OutputPolicy.writeFolder(["a": Data()], to: link.path, kind: "k", force: force) }?.reason.hasPrefix("is a symbolic link") == true)
            #expect(Self.refusal { try OutputPolicy.writeFile(Data(), to: fileLink.path, force: force) }?.reason.hasPrefix("is a symbolic link") == true)
            #expect(Self.refusal { try OutputPolicy.writeFile(Data(), to: fifo.path, force: force) }?.reason.hasPrefix("is a FIFO") == true)
            #expect(Self.refusal { try OutputPolicy.writeFile(Data(), to: device, force: force) }?.reason.hasPrefix("is a character device") == true)
            #expect(Self.refusal { try OutputPolicy.writeFolder(["a": Data()], to: device, kind: "k", force: force) } != nil)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path).isEmpty)
        #expect(Self.read(dir.appendingPathComponent("kept")) == "keep")
        #expect(PathEntry(path: link.path) == .symbolicLink && PathEntry(path: fifo.path) == .fifo)
        #expect(PathEntry(path: device) == .characterDevice)
    }

    @Test func anExistingFileNeedsForceAndTheInputIsNeverReplaced() throws {
        let dir = try Self.folder("file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.tsv"), input = dir.appendingPathComponent("in.txt")
        try OutputPolicy.writeFile(Data("1".utf8), to: out.path, force: false)
        #expect(Self.refusal { try OutputPolicy.writeFile(Data("2".utf8), to: out.path, force: false) }?.reason.hasSuffix("add --force to replace it") == true)
        #expect(Self.read(out) == "1")
        try OutputPolicy.writeFile(Data("2".utf8), to: out.path, force: true)
        #expect(Self.read(out) == "2")
        try Self.put("text", input)
        // Also through another name of the same file (a hard link): device and inode decide.
        let hard = dir.appendingPathComponent("hard.txt")
        #expect(link(input.path, hard.path) == 0)
        for path in [input.path, hard.path] {
            let e = Self.refusal { try OutputPolicy.writeFile(Data("x".utf8), to: path, force: true, inputs: [CommandInput(input.path, flag: "--input")]) }
            #expect(e?.reason == "is the input of this command (--input \(input.path)); choose another --output")
        }
        #expect(Self.read(input) == "text")
        #expect(Self.refusal { try OutputPolicy.writeFile(Data(), to: dir.path, force: true) }?.reason.hasPrefix("is a folder") == true)
    }

    @Test func aFolderContainingTheInputIsRefused() throws {
        let dir = try Self.folder("contains")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("run/checkpoints/last/model")
        try Self.put("{}", model.appendingPathComponent("model.json"))
        for (path, relation) in [(model.path, "is"), (dir.appendingPathComponent("run").path, "contains"), (dir.path, "contains")] {
            let e = Self.refusal { try OutputPolicy.writeFolder(["a": Data()], to: path, kind: "k", force: true, inputs: [CommandInput(model.path, flag: "--model")]) }
            #expect(e?.reason.hasPrefix("\(relation) the input of this command (--model") == true, "\(path)")
        }
        #expect(Self.read(model.appendingPathComponent("model.json")) == "{}")
    }

    @Test func atomicFileRefusesToRenameOverAnythingButARegularFile() throws {
        let dir = try Self.folder("atomic")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sub = dir.appendingPathComponent("sub"), link = dir.appendingPathComponent("link"), fifo = dir.appendingPathComponent("fifo")
        try Self.put("x", sub.appendingPathComponent("inside"))
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: sub.appendingPathComponent("inside").path)
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let device = try Self.device(in: dir)
        for url in [sub, link, fifo, device] {
            #expect(throws: AtomicFile.WriteError.self) { try AtomicFile.write(Data("y".utf8), to: url) }
        }
        #expect(Self.read(sub.appendingPathComponent("inside")) == "x")
        #expect(PathEntry(path: link.path) == .symbolicLink && PathEntry(path: fifo.path) == .fifo)
        // No temporary files left behind.
        #expect(PathEntry(path: device.path) == .characterDevice)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { $0 != "null-device" } == ["fifo", "link", "sub"])
        #expect(throws: FileError.self) { try AtomicDirectory.write(["a": Data()], to: link) }
        #expect(throws: FileError.self) { try AtomicDirectory.write(["a": Data()], to: sub.appendingPathComponent("inside")) }
    }

    @Test func aFailedWriteToAStreamIsAnErrorThatStays() throws {
        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let stream = CheckedStream(descriptor: fd, name: "standard output")
        #expect(throws: StreamWriteError(stream: "standard output", reason: "No space left on device")) { try stream.line("x") }
        #expect(StreamWriteError(stream: "standard output", reason: "No space left on device").description
                == "standard output: cannot write: No space left on device")
        // Recorded by writers that cannot throw, reported by check().
        let other = CheckedStream(descriptor: fd, name: "standard error")
        other.record("progress")
        #expect(throws: StreamWriteError.self) { try other.check() }
        // A working descriptor writes everything.
        var pipeFDs: [Int32] = [0, 0]
        #expect(pipe(&pipeFDs) == 0)
        let ok = CheckedStream(descriptor: pipeFDs[1], name: "pipe")
        try ok.write("hello\n")
        try ok.check()
        close(pipeFDs[1])
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = Glibc.read(pipeFDs[0], &buffer, 16)
        close(pipeFDs[0])
        #expect(String(decoding: buffer.prefix(max(0, n)), as: UTF8.self) == "hello\n")
    }
}
