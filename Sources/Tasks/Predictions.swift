import Foundation
import Platform
import Runs

/// A gold or predicted value as written in `predictions/<task>/<lang>.jsonl`: a label name
/// (classification), one tag per word (tagging), a number (regression), a candidate index (retrieval)
/// or an answer string (span QA, same form as a label).
public enum PredictionValue: Codable, Equatable, Sendable {
    case label(String)
    case tags([String])
    case number(Double)
    case index(Int)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .label(s); return }
        if let t = try? c.decode([String].self) { self = .tags(t); return }
        if let i = try? c.decode(Int.self) { self = .index(i); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a label, a list of tags, an index or a number")
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .label(let s): try c.encode(s)
        case .tags(let t): try c.encode(t)
        case .number(let d): try c.encode(d)
        case .index(let i): try c.encode(i)
        }
    }

    public var label: String? { if case .label(let s) = self { return s } else { return nil } }
    public var tags: [String]? { if case .tags(let t) = self { return t } else { return nil } }
    public var index: Int? { if case .index(let i) = self { return i } else { return nil } }
    /// A regression value; an integral number reads back as an index, so both count.
    public var number: Double? {
        switch self {
        case .number(let d): return d
        case .index(let i): return Double(i)
        default: return nil
        }
    }
}

/// One example's line in a predictions file: enough to recompute every metric of the task.
public struct PredictionRecord: Codable, Equatable, Sendable {
    public var id: String
    public var gold: PredictionValue
    public var predicted: PredictionValue
    /// Retrieval: the source index the target sentence retrieves (the reverse direction).
    public var predictedReverse: Int?
    /// Retrieval: the 1-based rank of the right candidate (for mean reciprocal rank).
    public var goldRank: Int?

    enum CodingKeys: String, CodingKey { case id, gold, predicted, predictedReverse = "predicted_reverse", goldRank = "gold_rank" }

    public init(id: String, gold: PredictionValue, predicted: PredictionValue, predictedReverse: Int? = nil, goldRank: Int? = nil) {
        self.id = id; self.gold = gold; self.predicted = predicted; self.predictedReverse = predictedReverse; self.goldRank = goldRank
    }

    public static func write(_ records: [PredictionRecord], to url: URL) throws {
        try ResultsLayout.write(try ResultsJSON.lines(records), to: url)
    }

    /// The records at `url`, or at `url` + `.gz` when only that is there (committed reference results keep
    /// their predictions gzip-compressed).
    public static func read(_ url: URL) throws -> [PredictionRecord] {
        let compressed = URL(fileURLWithPath: url.path + ".gz")
        let files = FileManager.default
        let source = !files.fileExists(atPath: url.path) && files.fileExists(atPath: compressed.path) ? compressed : url
        return try ResultsJSON.readLines(PredictionRecord.self, from: source)
    }
}
