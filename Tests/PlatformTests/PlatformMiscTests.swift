import Foundation
import Testing
@testable import Platform

@Suite struct PlatformMiscTests {
    /// The CPU a run records: vendor, family, model and stepping of the first processor in /proc/cpuinfo, read
    /// independently here.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/cpuinfo"), "no /proc/cpuinfo on this system"))
    func cpuIsTheFirstProcessorOfProcCpuinfo() throws {
        let text = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        func field(_ key: String) -> String? {
            for line in text.components(separatedBy: "\n") {
                if line.isEmpty { return nil }
                let parts = line.components(separatedBy: ":")
                if parts.count >= 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
                    return parts[1...].joined(separator: ":").trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        guard let vendor = field("vendor_id"), let family = field("cpu family"), let model = field("model") else { return }
        #expect(RuntimeInfo.cpu.hasPrefix("\(vendor) family \(family) model \(model) "), "\(RuntimeInfo.cpu)")
    }

    @Test func randomStreamsAreDeterministicAndIndependentByName() {
        var a = RandomStream(seed: 42, name: "sampler")
        var b = RandomStream(seed: 42, name: "sampler")
        var c = RandomStream(seed: 42, name: "dropout")
        let xs = (0..<10).map { _ in a.next() }
        #expect(xs == (0..<10).map { _ in b.next() })
        #expect(xs != (0..<10).map { _ in c.next() })
        var r = RandomStream(seed: 1)
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<50_000 { counts[r.nextInt(below: 5)] += 1 }
        // Each bucket within 5 sd of 10,000 (sd ≈ 89).
        #expect(counts.allSatisfy { abs($0 - 10_000) < 450 })
        let f = (0..<1000).map { _ in r.nextFloat() }
        #expect(f.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    @Test func randomStreamStateRoundTripsThroughCodable() throws {
        var a = RandomStream(seed: 9, name: "x")
        _ = a.next()
        let data = try JSONEncoder().encode(a)
        var b = try JSONDecoder().decode(RandomStream.self, from: data)
        #expect(a.next() == b.next())
    }

    @Test func atomicWriteReplacesWholeFileAndLeavesNoTemporaries() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-atomic-\(UUID().uuidString)")
        let url = dir.appendingPathComponent("file.txt")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second version", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second version")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["file.txt"])
        #expect(throws: AtomicFile.WriteError.self) {
            try AtomicFile.write("x", to: URL(fileURLWithPath: "/proc/polyglot-cannot/x"))
        }
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func errorsNameWhere() {
        #expect(FileError(path: "a.conllu", line: 3, "expected 10 columns, found 9").description == "a.conllu:3: expected 10 columns, found 9")
        #expect(ConfigError(file: "x.yaml", key: "sampler.temperature", "must be > 0").description == "x.yaml: sampler.temperature: must be > 0")
    }
}
