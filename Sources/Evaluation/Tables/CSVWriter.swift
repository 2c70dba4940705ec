import Foundation
import Tasks
import Platform

/// RFC 4180 CSV: CRLF line ends; a field containing a comma, a double quote, CR or LF is enclosed in double
/// quotes with its quotes doubled; every record has the header's number of fields.
public struct CSVWriter: Sendable {
    public let header: [String]
    public private(set) var records: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ fields: [String]) throws {
        guard fields.count == header.count else {
            throw MetricInputError(metric: "CSV", "record \(records.count + 1) has \(fields.count) fields, the header has \(header.count)")
        }
        records.append(fields)
    }

    public func render() -> String {
        var out = ""
        for r in [header] + records {
            out += r.map(Self.field).joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    /// Writes atomically (a reader never sees half a file).
    public func write(to url: URL) throws {
        try AtomicFile.write(render(), to: url)
    }

    static func field(_ s: String) -> String {
        let needsQuotes = s.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return s }
        var out = String.UnicodeScalarView()
        out.append("\"")
        for c in s.unicodeScalars {
            if c == "\"" { out.append("\"") }
            out.append(c)
        }
        out.append("\"")
        return String(out)
    }
}
