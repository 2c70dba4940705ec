import Tasks
/// A GitHub-flavoured Markdown table whose columns line up in a monospace view (widths count East Asian wide
/// characters as two columns and combining marks as none).
public struct MarkdownTable: Sendable {
    public enum Alignment: Sendable { case left, right, center }

    public struct Column: Sendable {
        public var title: String
        public var alignment: Alignment
        public init(_ title: String, alignment: Alignment = .left) { self.title = title; self.alignment = alignment }
    }

    public var columns: [Column]
    public private(set) var rows: [[String]] = []

    public init(columns: [Column]) { self.columns = columns }

    /// Adds a row; it must have one cell per column.
    public mutating func append(_ cells: [String]) throws {
        guard cells.count == columns.count else {
            throw MetricInputError(metric: "markdown table", "row \(rows.count) has \(cells.count) cells for \(columns.count) columns")
        }
        rows.append(cells)
    }

    public func render() -> String {
        let header = columns.map { Self.escape($0.title) }
        let body = rows.map { $0.map(Self.escape) }
        var widths = header.map { max(3, DisplayWidth.columns($0)) }
        for r in body { for (i, c) in r.enumerated() { widths[i] = max(widths[i], DisplayWidth.columns(c)) } }
        func line(_ cells: [String]) -> String {
            var s = "|"
            for (i, c) in cells.enumerated() {
                let padding = widths[i] - DisplayWidth.columns(c)
                switch columns[i].alignment {
                case .left: s += " " + c + String(repeating: " ", count: padding) + " |"
                case .right: s += " " + String(repeating: " ", count: padding) + c + " |"
                case .center:
                    let l = padding / 2
                    s += " " + String(repeating: " ", count: l) + c + String(repeating: " ", count: padding - l) + " |"
                }
            }
            return s
        }
        var out = line(header) + "\n|"
        for (i, col) in columns.enumerated() {
            let dashes = String(repeating: "-", count: widths[i])
            switch col.alignment {
            case .left: out += " " + dashes + " |"
            case .right: out += " " + String(dashes.dropLast()) + ": |"
            case .center: out += " :" + String(dashes.dropFirst().dropLast()) + ": |"
            }
        }
        out += "\n"
        for r in body { out += line(r) + "\n" }
        return out
    }

    /// A `|` would end the cell and a newline the row: escape the one, flatten the other.
    static func escape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            switch c {
            case "|": out.append("\\"); out.append("|")
            case "\n", "\r": out.append(" ")
            default: out.append(c)
            }
        }
        return String(out)
    }
}
