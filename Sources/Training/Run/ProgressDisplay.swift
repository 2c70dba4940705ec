import Runs
import Tasks
import Foundation
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// Training progress on standard output: a redrawn bar when it is a terminal (step, ETA, tokens/s,
/// loss per task), plain lines at intervals otherwise (logs, CI).
public final class ProgressDisplay {
    public let totalSteps: Int
    public let interactive: Bool
    private let write: (String) -> Void
    private let clock: () -> Double
    private let startStep: Int
    private let startTime: Double
    private var lastDraw: Double = -1
    private var lastPlainStep: Int
    private let plainEvery: Int
    private var tokensSinceStart = 0
    private var smoothed: [String: Double] = [:]
    private var order: [String] = []
    private var drewBar = false

    public init(totalSteps: Int, startStep: Int = 0, interactive: Bool = isatty(1) != 0,
                write: @escaping (String) -> Void = { StandardStreams.output.record($0) },
                clock: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate }) {
        self.totalSteps = totalSteps
        self.interactive = interactive
        self.write = write
        self.clock = clock
        self.startStep = startStep
        self.startTime = clock()
        self.lastPlainStep = startStep
        self.plainEvery = max(1, totalSteps / 20)
    }

    /// Forgets the smoothed losses shown: a new stage trains other tasks.
    public func resetLosses() {
        smoothed = [:]
        order = []
    }

    /// After optimizer step `step` (1-based), with the tokens it consumed and each trained task's loss.
    public func update(step: Int, tokens: Int, losses: [String: Double]) {
        tokensSinceStart += tokens
        for (task, loss) in losses.sorted(by: { $0.key < $1.key }) where loss.isFinite {
            if smoothed[task] == nil { order.append(task) }
            // A moving average: per-step losses of one task are too noisy to read.
            smoothed[task] = smoothed[task].map { 0.9 * $0 + 0.1 * loss } ?? loss
        }
        let now = clock()
        if interactive {
            if now - lastDraw >= 0.1 || step == totalSteps {
                lastDraw = now
                write("\r\u{1B}[K" + line(step: step, now: now, bar: true))
                drewBar = true
            }
        } else if step - lastPlainStep >= plainEvery || step == totalSteps {
            lastPlainStep = step
            write(line(step: step, now: now, bar: false) + "\n")
        }
    }

    /// A line that stays (an evaluation's results); the bar is redrawn after it.
    public func note(_ text: String) {
        if interactive && drewBar { write("\r\u{1B}[K") }
        write(text + "\n")
        lastDraw = -1
    }

    public func finish() {
        if interactive && drewBar { write("\n") }
        drewBar = false
    }

    func line(step: Int, now: Double, bar: Bool) -> String {
        let elapsed = now - startTime
        let done = step - startStep
        let rate = elapsed > 0 ? Double(tokensSinceStart) / elapsed : 0
        let eta = done > 0 ? elapsed / Double(done) * Double(totalSteps - step) : nil
        var s = ""
        if bar {
            let width = 24
            let filled = totalSteps > 0 ? width * step / totalSteps : width
            s += "[" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled) + "] "
        }
        s += "step \(step)/\(totalSteps)"
        s += " eta " + (eta.map(ProgressDisplay.duration) ?? "?")
        s += " " + ProgressDisplay.compact(rate) + " tok/s"
        if !order.isEmpty {
            s += " loss " + order.map { "\($0)=" + String(format: "%.3f", smoothed[$0] ?? .nan) }.joined(separator: " ")
        }
        return s
    }

    /// `h:mm:ss` or `m:ss`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let t = Int(seconds.rounded())
        let h = t / 3600, m = (t % 3600) / 60, sec = t % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, sec) : String(format: "%d:%02d", m, sec)
    }

    /// 950, 12.3k, 4.5M.
    public static func compact(_ x: Double) -> String {
        if x >= 1e6 { return String(format: "%.1fM", x / 1e6) }
        if x >= 1e4 { return String(format: "%.0fk", x / 1e3) }
        if x >= 1e3 { return String(format: "%.1fk", x / 1e3) }
        return String(format: "%.0f", x)
    }
}
