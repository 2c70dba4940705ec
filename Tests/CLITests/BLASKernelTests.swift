import Foundation
import Testing

/// Which OpenBLAS kernels `polyglot` runs: its own choice, the user's `OPENBLAS_CORETYPE`, or, on AMD CPUs with
/// AVX-512 that OpenBLAS 0.3.21 does not know, the SkylakeX kernels Polyglot asks for (Sources/CBLAS).
@Suite struct BLASKernelTests {
    /// Whether Polyglot should ask for the SkylakeX kernels here, read from /proc/cpuinfo (not from the CPUID
    /// code under test): an AMD CPU of family 0x19 or later with AVX-512 F, DQ, BW and VL.
    static var expectsRequest: Bool? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.isEmpty { break }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, fields[parts[0]] == nil { fields[parts[0]] = parts[1] }
        }
        guard let vendor = fields["vendor_id"], let family = fields["cpu family"].flatMap({ Int($0) }),
              let flags = fields["flags"]?.split(separator: " ").map(String.init) else { return nil }
        let avx512 = ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(flags.contains)
        return (vendor == "AuthenticAMD" || vendor == "HygonGenuine") && family >= 0x19 && avx512
    }

    static func info(_ environment: [String: String?]) throws -> [String: String] {
        let o = try CLI.run(["info", "--json"], environment: environment)
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stderr.isEmpty, "OpenBLAS or Polyglot warned: \(o.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: String]
        return try #require(object, "info --json printed \(o.stdout)")
    }

    @Test func theEnvironmentWins() throws {
        let fields = try Self.info(["OPENBLAS_CORETYPE": "Haswell"])
        #expect(fields["blas_core"] == "Haswell")
        #expect(fields["blas_core_chosen_by"] == "OPENBLAS_CORETYPE")
        #expect(fields["blas"]?.contains("Haswell") == true)
    }

    @Test(arguments: [nil, ""] as [String?])
    func withoutTheVariablePolyglotAsksOnlyOnAMDAVX512(_ value: String?) throws {
        let expected = try #require(Self.expectsRequest, "no /proc/cpuinfo to read the CPU from")
        let fields = try Self.info(["OPENBLAS_CORETYPE": value])
        if expected {
            #expect(fields["blas_core"] == "SkylakeX")
            #expect(fields["blas_core_chosen_by"] == "Polyglot")
        } else {
            #expect(fields["blas_core_chosen_by"] == "OpenBLAS")
        }
    }

    /// The same training steps with the kernels Polyglot picks and with OpenBLAS's Haswell kernels: different
    /// rounding, the same losses to 1e-4 relative (on a CPU where both are the same kernels, exactly the same).
    @Test func bothKernelsTrainTheSame() throws {
        let arguments = ["bench", "train", "--layers", "2", "--dim", "128", "--ffn", "512", "--vocab", "2000", "--seq", "64",
                         "--batch", "8", "--steps", "3", "--warmup", "1", "--threads", "2", "--json"]
        var losses: [String: Double] = [:]
        for core in ["Haswell", ""] {
            let o = try CLI.run(arguments, environment: ["OPENBLAS_CORETYPE": core])
            try #require(o.status == 0, "\(o.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
            let name = try #require(object["blas_core"] as? String)
            losses[name] = try #require(object["loss"] as? Double)
        }
        if Self.expectsRequest == true { #expect(Set(losses.keys) == ["Haswell", "SkylakeX"]) }
        let values = Array(losses.values)
        #expect(values.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(abs(values[0] - values[values.count - 1]) <= 1e-4 * abs(values[0]), "\(losses)")
    }
}
