import CStopSignal
import Foundation

/// SIGINT and SIGTERM as a request to stop: the handler (C, async-signal-safe) only sets an atomic
/// flag, which long loops read between units of work (the trainer, between steps). A second signal
/// while the first is pending ends the process at once with status 128 + signal.
public enum StopSignal {
    /// Installs the handlers; returns false (errno set) when the system refuses.
    @discardableResult
    public static func install() -> Bool { polyglot_stop_signal_install() == 0 }

    /// The signal received (SIGINT or SIGTERM), or nil.
    public static var pending: Int32? {
        let s = polyglot_stop_signal_pending()
        return s == 0 ? nil : s
    }

    /// The environment variable a process started by `polyglot sweep` finds its parent's pid in.
    public static let parentVariable = "POLYGLOT_PARENT_PID"

    /// When started with `POLYGLOT_PARENT_PID`: the process gets SIGTERM (a stop request: the trainer saves and
    /// ends) when that parent ends. Returns false when the parent has already ended.
    public static func followParent() -> Bool {
        guard let text = ProcessInfo.processInfo.environment[parentVariable], let pid = Int32(text) else { return true }
        return polyglot_stop_with_parent(pid) == 0
    }

    /// `SIGINT`, `SIGTERM` or `signal N`.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }
}
