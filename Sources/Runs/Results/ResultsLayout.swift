import Foundation
import Platform

/// Where the evaluation's files live in a run folder (`results/<run>/`), beside the files training wrote
/// (experiment.yaml, environment.json, train.jsonl, checkpoints/).
public struct ResultsLayout: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }
    public init(path: String) { root = URL(fileURLWithPath: path, isDirectory: true) }

    public var metrics: URL { root.appendingPathComponent("metrics.jsonl") }
    public var summary: URL { root.appendingPathComponent("summary.json") }
    public var report: URL { root.appendingPathComponent("report.md") }
    public var trainLog: URL { root.appendingPathComponent("train.jsonl") }
    public var experiment: URL { root.appendingPathComponent("experiment.yaml") }
    public var tables: URL { root.appendingPathComponent("tables", isDirectory: true) }
    public var figures: URL { root.appendingPathComponent("figures", isDirectory: true) }
    public var predictionsRoot: URL { root.appendingPathComponent("predictions", isDirectory: true) }
    public var probesRoot: URL { root.appendingPathComponent("probes", isDirectory: true) }

    /// `tables/<task>.csv`: rows languages, columns metrics.
    public func table(task: String) -> URL { tables.appendingPathComponent("\(ResultsLayout.fileSafe(task)).csv") }
    /// `tables/languages.csv`: one row per task and language, with the language's family, genus, script and glottocode.
    public var languageTable: URL { tables.appendingPathComponent("languages.csv") }
    /// `predictions/<task>/<lang>.jsonl`.
    public func predictions(task: String, language: String) -> URL {
        predictionsRoot.appendingPathComponent(ResultsLayout.fileSafe(task), isDirectory: true)
            .appendingPathComponent("\(ResultsLayout.fileSafe(language)).jsonl")
    }
    /// `probes/<task>/<lang>/<method>.json` (with `-layer<N>` or `-layers` for linear probes on other layers).
    public func probe(task: String, language: String, name: String) -> URL {
        probesRoot.appendingPathComponent(ResultsLayout.fileSafe(task), isDirectory: true)
            .appendingPathComponent(ResultsLayout.fileSafe(language), isDirectory: true)
            .appendingPathComponent("\(ResultsLayout.fileSafe(name)).json")
    }
    public func figure(_ name: String) -> URL { figures.appendingPathComponent("\(ResultsLayout.fileSafe(name)).svg") }
    /// `forgetting.json`: the forgetting matrix of a run with stages (`ForgettingMatrix`).
    public var forgetting: URL { root.appendingPathComponent(ForgettingMatrix.fileName) }
    /// `stages/<row>/predictions/<task>/<lang>.jsonl`: a forgetting-matrix row's predictions (row 0 at the
    /// start, row j after stage j).
    public func stagePredictions(row: Int, task: String, language: String) -> URL {
        root.appendingPathComponent("stages", isDirectory: true).appendingPathComponent(String(row), isDirectory: true)
            .appendingPathComponent("predictions", isDirectory: true).appendingPathComponent(ResultsLayout.fileSafe(task), isDirectory: true)
            .appendingPathComponent("\(ResultsLayout.fileSafe(language)).jsonl")
    }

    /// Writes a file atomically, creating its folder first.
    public static func write(_ data: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(data, to: url)
    }

    public static func write(_ text: String, to url: URL) throws { try write(Data(text.utf8), to: url) }

    /// Task and language names become path components: anything but letters, digits, `.`, `_`, `-` turns into `_`.
    public static func fileSafe(_ name: String) -> String {
        var out = String.UnicodeScalarView()
        for s in name.unicodeScalars {
            let ok = (s.properties.isAlphabetic && s.isASCII) || ("0"..."9").contains(s) || s == "." || s == "_" || s == "-"
            out.append(ok ? s : "_")
        }
        let text = String(out)
        return text.isEmpty || text.hasPrefix(".") ? "_" + text : text
    }
}

/// JSON in the form every results file uses: sorted keys, NaN and infinities as strings (JSON has none).
public enum ResultsJSON {
    public static func encoder(pretty: Bool) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// One JSON object per line.
    public static func lines<T: Encodable>(_ records: [T]) throws -> Data {
        let e = encoder(pretty: false)
        var out = Data()
        for r in records {
            out.append(try e.encode(r))
            out.append(0x0A)
        }
        return out
    }

    /// Reads a JSON-lines file, gzip-compressed when its name ends in `.gz`; a bad line is an error naming
    /// the file and line.
    public static func readLines<T: Decodable>(_ type: T.Type, from url: URL) throws -> [T] {
        let limit = InputLimits.resultsBytes
        let data = url.pathExtension == "gz" ? Data(try Gzip.read(url.path, limit: limit, what: "results file"))
                                             : try InputFile.readData(url.path, limit: limit, what: "results file")
        let d = decoder()
        var out: [T] = []
        var number = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if line.isEmpty { continue }
            do { out.append(try d.decode(T.self, from: Data(line))) } catch {
                throw FileError(path: url.path, line: number, "not a valid record: \(ResultsJSON.describe(error))")
            }
        }
        return out
    }

    public static func read<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data = try InputFile.readData(url.path, limit: InputLimits.resultsBytes, what: "results file")
        do { return try decoder().decode(T.self, from: data) } catch {
            throw FileError(path: url.path, "not a valid \(T.self): \(describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        switch e {
        case .keyNotFound(let k, let c): return "missing key \((c.codingPath + [k]).map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            let key = c.codingPath.map(\.stringValue).joined(separator: ".")
            return (key.isEmpty ? "" : "key \(key): ") + c.debugDescription
        @unknown default: return "\(e)"
        }
    }
}
