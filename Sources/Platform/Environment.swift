import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What Polyglot runs on, recorded with every run.
public enum RuntimeInfo {
    public static let polyglotVersion = "0.1.0"

    public static var swiftVersion: String {
        #if swift(>=6.3)
        return "6.3"
        #elseif swift(>=6.2)
        return "6.2"
        #elseif swift(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    public static var operatingSystem: String { ProcessInfo.processInfo.operatingSystemVersionString }

    /// The processor as Linux reports it in /proc/cpuinfo: vendor, family, model and stepping (which identify the
    /// micro-architecture, and with it the kernels OpenBLAS picks) and the model name, e.g.
    /// "AuthenticAMD family 26 model 2 stepping 1 (AMD EPYC)"; "unknown" where the file cannot be read.
    public static let cpu: String = {
        guard let data = FileManager.default.contents(atPath: "/proc/cpuinfo") else { return "unknown" }
        var fields: [String: String] = [:]
        // The first processor's block: lines "key<TAB>: value" up to the first empty line.
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = value }
        }
        guard let vendor = fields["vendor_id"] else { return fields["model name"] ?? "unknown" }
        var out = vendor
        for (key, label) in [("cpu family", "family"), ("model", "model"), ("stepping", "stepping")] {
            if let v = fields[key] { out += " \(label) \(v)" }
        }
        if let name = fields["model name"] { out += " (\(name))" }
        return out
    }()

    /// Peak resident set size of this process, in bytes (getrusage's ru_maxrss is in KiB on Linux).
    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// The data root: `--data-root` where a command takes it, else `POLYGLOT_DATA_ROOT`, else `data/`.
    public static func dataRoot(_ explicit: String? = nil) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["POLYGLOT_DATA_ROOT"], !env.isEmpty { return env }
        return "data"
    }
}
