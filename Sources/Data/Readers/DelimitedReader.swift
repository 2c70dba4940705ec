import Platform

/// One data row of a TSV/CSV file, with the header to look columns up by name.
public struct DelimitedRow {
    public let fields: [String]
    public let line: Int
    let header: [String: Int]
    public subscript(column: String) -> String? { header[column].map { fields[$0] } }
}

/// Streams rows of a file with a header line. TSV splits on tabs (no quoting, as SIB-200, XNLI and
/// PAWS-X are written); CSV follows RFC 4180: quoted fields may hold commas, doubled quotes and
/// line breaks.
public struct DelimitedReader {
    public enum Dialect: Sendable { case tsv, csv }
    public let path: String
    public let dialect: Dialect

    public init(path: String, dialect: Dialect) { self.path = path; self.dialect = dialect }

    /// Reads the header only.
    public func header() throws -> [String] {
        let reader = try LineReader(path: path)
        guard let first = try reader.next() else { throw FileError(path: path, line: 1, "expected a header line, found an empty file") }
        return try split(first, reader: reader).fields
    }

    /// Calls `body` with the header's column names, then with every row.
    public func forEach(header onHeader: ([String]) throws -> Void = { _ in }, _ body: (DelimitedRow) throws -> Void) throws {
        let reader = try LineReader(path: path)
        guard let first = try reader.next() else { throw FileError(path: path, line: 1, "expected a header line, found an empty file") }
        let names = try split(first, reader: reader).fields
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            if index[n] != nil { throw FileError(path: path, line: 1, "duplicate column '\(excerpt(n))' in the header") }
            index[n] = i
        }
        try onHeader(names)
        while let line = try reader.next() {
            if line.utf8.isEmpty { continue }
            let (fields, startLine) = try split(line, reader: reader)
            guard fields.count == names.count else {
                throw FileError(path: path, line: startLine, "expected \(names.count) columns as in the header, found \(fields.count)")
            }
            try body(DelimitedRow(fields: fields, line: startLine, header: index))
        }
    }

    func split(_ line: String, reader: LineReader) throws -> (fields: [String], line: Int) {
        let startLine = reader.lineNumber
        switch dialect {
        case .tsv:
            return (line.fields(separatedBy: 9), startLine)
        case .csv:
            var fields: [String] = []
            var field: [UInt8] = []
            var current = Array(line.utf8)
            var i = 0
            var quoted = false
            var fieldStarted = false
            while true {
                if i == current.count {
                    if quoted {
                        // A quoted field runs over the line break.
                        reader.beginRecord("the row")
                        guard let more = try reader.next() else {
                            throw FileError(path: path, line: startLine, "expected a closing quote before the end of the file")
                        }
                        field.append(10)
                        current = Array(more.utf8); i = 0
                        continue
                    }
                    fields.append(String(decoding: field, as: UTF8.self))
                    reader.endRecord()
                    return (fields, startLine)
                }
                let c = current[i]
                if quoted {
                    if c == 34 {
                        if i + 1 < current.count && current[i + 1] == 34 { field.append(34); i += 2; continue }
                        quoted = false; i += 1
                        if i < current.count && current[i] != 44 {
                            throw FileError(path: path, line: reader.lineNumber, "expected a comma after a closing quote")
                        }
                        continue
                    }
                    field.append(c); i += 1
                } else if c == 44 {
                    fields.append(String(decoding: field, as: UTF8.self)); field = []; fieldStarted = false; i += 1
                } else if c == 34 && !fieldStarted && field.isEmpty {
                    quoted = true; fieldStarted = true; i += 1
                } else if c == 34 {
                    throw FileError(path: path, line: reader.lineNumber, "expected a quote only at the start of a field")
                } else {
                    field.append(c); fieldStarted = true; i += 1
                }
            }
        }
    }
}
