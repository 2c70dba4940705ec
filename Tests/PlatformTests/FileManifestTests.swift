import Foundation
import Testing
@testable import Platform

/// The checkpoint manifest: written for a folder tree, verified file by file (size, SHA-256, nothing
/// missing, nothing added, plain files only), each mismatch naming the file.
@Suite struct FileManifestTests {
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("model"), withIntermediateDirectories: true)
        try Data("state".utf8).write(to: dir.appendingPathComponent("state.json"))
        try Data((0..<1000).map { UInt8($0 % 256) }).write(to: dir.appendingPathComponent("model/weights.bin"))
        try Data("{}".utf8).write(to: dir.appendingPathComponent("model/manifest.json"))
        return dir
    }

    func mismatch(_ dir: URL, subfolder: String? = nil) -> String? {
        do { try FileManifest.verify(folder: dir, label: "ck", subfolder: subfolder); return nil } catch { return "\(error)" }
    }

    @Test func writtenManifestListsEveryFileAndVerifies() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try FileManifest.write(folder: dir)
        #expect(m.files.map(\.path) == ["model/manifest.json", "model/weights.bin", "state.json"])
        #expect(m.files[1].bytes == 1000 && m.files[2].sha256 == SHA256.hex(Array("state".utf8)))
        #expect(mismatch(dir) == nil && mismatch(dir, subfolder: "model") == nil)
    }

    @Test func everyChangeIsNamed() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManifest.write(folder: dir)
        let weights = dir.appendingPathComponent("model/weights.bin")
        var bytes = try Data(contentsOf: weights)
        bytes[500] ^= 0x80
        try bytes.write(to: weights)
        #expect(mismatch(dir) == "ck/model/weights.bin: SHA-256 differs from the checkpoint manifest: the file changed after it was written")
        #expect(mismatch(dir, subfolder: "model") == "ck/model/weights.bin: SHA-256 differs from the checkpoint manifest: the file changed after it was written")
        bytes[500] ^= 0x80
        try bytes.dropLast().write(to: weights)
        #expect(mismatch(dir) == "ck/model/weights.bin: is 999 bytes, the checkpoint manifest says 1000: the file changed after it was written")
        try bytes.write(to: weights)
        #expect(mismatch(dir) == nil)
        // The sub-folder's own manifest.json is an ordinary file of the checkpoint.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("model/manifest.json"))
        #expect(mismatch(dir, subfolder: "model") == "ck/model/manifest.json: missing: the checkpoint manifest lists it (2 bytes)")
        try Data("{}".utf8).write(to: dir.appendingPathComponent("model/manifest.json"))
        try Data("x".utf8).write(to: dir.appendingPathComponent("model/extra.bin"))
        #expect(mismatch(dir) == "ck/model/extra.bin: not in the checkpoint manifest: the file was added after the checkpoint was written")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("model/extra.bin"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link").path, withDestinationPath: "/etc/hostname")
        #expect(mismatch(dir) == "ck/link: not a regular file (a link, device or FIFO): a checkpoint holds plain files only")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("link"))
        try Data("not json".utf8).write(to: dir.appendingPathComponent("manifest.json"))
        #expect(mismatch(dir)?.hasPrefix("ck/manifest.json: cannot read the checkpoint manifest: ") == true)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("manifest.json"))
        #expect(mismatch(dir)?.hasPrefix("ck/manifest.json: missing: the checkpoint cannot be verified") == true)
    }
}
