import Foundation
import Platform

/// One optimizer step in `train.jsonl`.
public struct StepRecord: Codable, Equatable, Sendable {
    public var type = "step"
    public var step: Int
    /// Mean training loss of each task trained in this step.
    public var loss: [String: Double]
    /// Examples of each task in this step.
    public var examples: [String: Int]
    public var lr: Double
    public var tokens: Int
    public var gradNorm: Double?
    /// Penalties against forgetting added to the loss (`l2_sp`, `ewc`), by name; absent without any.
    public var penalty: [String: Double]?
    /// Wall time of the step (batches, forward, backward, optimizer), measured; the one field that differs
    /// between two runs of the same experiment.
    public var seconds: Double?
    /// A distributed run (`mpirun`): the gradient all-reduce of the step, its wall time and the bytes each
    /// rank sent into it; absent in a single process.
    public var allReduceSeconds: Double?
    public var allReduceBytes: Int?

    enum CodingKeys: String, CodingKey {
        case type, step, loss, examples, lr, tokens, gradNorm = "grad_norm", penalty, seconds
        case allReduceSeconds = "allreduce_seconds", allReduceBytes = "allreduce_bytes"
    }

    public init(step: Int, loss: [String: Double], examples: [String: Int], lr: Double, tokens: Int, gradNorm: Double?,
                penalty: [String: Double]? = nil) {
        self.step = step; self.loss = loss; self.examples = examples; self.lr = lr; self.tokens = tokens; self.gradNorm = gradNorm
        self.penalty = penalty
    }
}

/// What trains in a run (or a stage), written to `train.jsonl` when it starts: every parameter, those the
/// optimizer updates (not frozen), and the optimizer state kept for them.
public struct ParametersRecord: Codable, Equatable, Sendable {
    public var type = "parameters"
    /// The step the run (stage) starts from.
    public var step: Int
    public var strategy: String
    public var total: Int
    public var trainable: Int
    /// Bytes of optimizer state for the trainable parameters (AdamW: two moments; SGD: a momentum buffer).
    /// The moments are allocated for every parameter but as untouched zero pages, so only these become resident.
    public var optimizerStateBytes: Int

    enum CodingKeys: String, CodingKey {
        case type, step, strategy, total, trainable, optimizerStateBytes = "optimizer_state_bytes"
    }
    public init(step: Int, strategy: String, total: Int, trainable: Int, optimizerStateBytes: Int) {
        self.step = step; self.strategy = strategy; self.total = total; self.trainable = trainable; self.optimizerStateBytes = optimizerStateBytes
    }
}

/// One evaluation in `train.jsonl`: metrics by task, language and metric name.
public struct EvaluationRecord: Codable, Equatable, Sendable {
    public var type = "eval"
    public var step: Int
    /// task → split ("dev") → language → metric → value.
    public var metrics: [String: [String: [String: [String: Double]]]]
    public var selection: String
    public var selectionScore: Double?
    public var best: Bool

    enum CodingKeys: String, CodingKey { case type, step, metrics, selection, selectionScore = "selection_score", best }

    public init(step: Int, metrics: [String: [String: [String: [String: Double]]]], selection: String, selectionScore: Double?, best: Bool) {
        self.step = step; self.metrics = metrics; self.selection = selection; self.selectionScore = selectionScore; self.best = best
    }
}

/// `train.jsonl`: one JSON object per line, appended as training goes. Resuming from step N first drops
/// every line after step N, so the log of a resumed run is the log of an uninterrupted one.
public final class TrainLog {
    public let url: URL
    private var handle: FileHandle
    private let encoder: JSONEncoder

    /// Opens the log, new (`resumeAfter` nil) or truncated to the records of steps up to `resumeAfter`.
    public init(url: URL, resumeAfter step: Int? = nil) throws {
        self.url = url
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if let step {
            let kept = try TrainLog.lines(at: url, upToStep: step)
            try AtomicFile.write(kept.map { $0 + "\n" }.joined(), to: url)
        } else {
            try AtomicFile.write(Data(), to: url)
        }
        guard let h = FileHandle(forWritingAtPath: url.path) else { throw FileError(path: url.path, "cannot open for appending") }
        handle = h
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    public func append<Record: Encodable>(_ record: Record) throws {
        var data = try encoder.encode(record)
        data.append(0x0A)
        do { try handle.write(contentsOf: data) } catch {
            throw FileError(path: url.path, "cannot append: \(FileManifest.brief(error))")
        }
    }

    /// Flushes the log to disk (before a checkpoint, so the checkpoint never runs ahead of its log).
    public func sync() throws {
        do { try handle.synchronize() } catch { throw FileError(path: url.path, "cannot flush to disk: \(FileManifest.brief(error))") }
    }

    /// The lines of an existing log whose `step` is at most `step` (a torn last line is dropped).
    static func lines(at url: URL, upToStep step: Int) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        var kept: [String] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let s = object["step"] as? Int else { continue }
            if s <= step { kept.append(String(line)) }
        }
        return kept
    }

    /// Every record of a log as dictionaries (for reports and tests).
    public static func read(_ url: URL) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw FileError(path: url.path, "cannot read") }
        var out: [[String: Any]] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw FileError(path: url.path, line: i + 1, "not a JSON object")
            }
            out.append(object)
        }
        return out
    }
}
