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
