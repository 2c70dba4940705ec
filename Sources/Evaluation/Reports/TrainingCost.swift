import Foundation
import Platform

/// What a run's training cost, from its `train.jsonl`: each stage's `parameters` record (how many parameters
/// trained and the optimizer state they hold) and the steps' measured wall times.
public struct TrainingCost: Equatable, Sendable {
    public struct Parameters: Equatable, Sendable {
        public var step: Int
        public var strategy: String
        public var total: Int
        public var trainable: Int
        public var optimizerStateBytes: Int
    }
    public var parameters: [Parameters]
    /// Step records with a wall time, their sum and median.
    public var steps: Int
    public var stepSeconds: Double
    public var medianStepSeconds: Double?

    /// nil when the log has neither a `parameters` record nor a timed step (runs written before they were recorded).
    public static func of(_ log: [[String: Any]]) -> TrainingCost? {
        var parameters: [Parameters] = []
        var seconds: [Double] = []
        for r in log {
            switch r["type"] as? String {
            case "parameters":
                guard let total = r["total"] as? Int, let trainable = r["trainable"] as? Int else { continue }
                parameters.append(Parameters(step: r["step"] as? Int ?? 0, strategy: r["strategy"] as? String ?? "?", total: total,
                                             trainable: trainable, optimizerStateBytes: r["optimizer_state_bytes"] as? Int ?? 0))
            case "step":
                if let s = r["seconds"] as? Double { seconds.append(s) }
            default: break
            }
        }
        guard !parameters.isEmpty || !seconds.isEmpty else { return nil }
        let sorted = seconds.sorted()
        let median: Double? = sorted.isEmpty ? nil
            : sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return TrainingCost(parameters: parameters, steps: seconds.count, stepSeconds: seconds.reduce(0, +), medianStepSeconds: median)
    }

    /// The report's section.
    public func markdown() -> String {
        var out = "## Training cost\n\n"
        if !parameters.isEmpty {
            var table = MarkdownTable(columns: [.init("from step", alignment: .right), .init("strategy"), .init("parameters", alignment: .right),
                                                .init("trainable", alignment: .right), .init("share", alignment: .right),
                                                .init("optimizer state", alignment: .right)])
            for p in parameters {
                let share = p.total > 0 ? String(format: "%.2f%%", 100 * Double(p.trainable) / Double(p.total)) : "–"
                try? table.append([String(p.step), p.strategy, Self.count(p.total), Self.count(p.trainable), share,
                                   String(format: "%.1f MB", Double(p.optimizerStateBytes) / 1e6)])
            }
            out += table.render() + "\n"
        }
        if steps > 0 {
            out += "\(steps) timed steps: \(String(format: "%.1f", stepSeconds)) s of optimizer steps"
            if let m = medianStepSeconds { out += ", median \(String(format: "%.3f", m)) s a step" }
            out += " (wall time of each step as measured, evaluation and checkpoints aside; `seconds` in `train.jsonl`).\n\n"
        }
        return out
    }

    static func count(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }
}
