import Foundation
import Testing
@testable import Runs
@testable import Tasks
import Evaluation

@Suite struct TableTests {
    let ci = ConfidenceInterval(estimate: 0.7134, lower: 0.6912, upper: 0.7345, level: 0.95, resamples: 1000)

    @Test func scoreFormats() {
        #expect(ScoreFormat.plain.format(ci) == "71.3")
        #expect(ScoreFormat.plusMinus.format(ci) == "71.3 ± 2.2")
        #expect(ScoreFormat.interval.format(ci) == "71.3 [69.1, 73.5]")
        #expect(ScoreFormat.interval.format(ci, decimals: 2, scale: 1) == "0.71 [0.69, 0.73]")
        let nan = ConfidenceInterval(estimate: .nan, lower: .nan, upper: .nan, level: 0.95, resamples: 10)
        #expect(ScoreFormat.plusMinus.format(nan) == "–")
        #expect(ScoreFormat.number(-0.0001, decimals: 2) == "0.00")
        #expect(ScoreFormat.number(-1.005, decimals: 1) == "-1.0")
    }

    @Test func markdownColumnsLineUp() throws {
        var t = MarkdownTable(columns: [.init("language"), .init("F1", alignment: .right), .init("note", alignment: .center)])
        try t.append(["en", ScoreFormat.plusMinus.format(ci), "a|b"])
        try t.append(["中文", "9.0", "line\nbreak"])
        try t.append(["hi", "–", ""])
        let out = t.render()
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0] == "| language |         F1 |    note    |")
        #expect(lines[1] == "| -------- | ---------: | :--------: |")
        #expect(lines[2] == "| en       | 71.3 ± 2.2 |    a\\|b    |")
        #expect(lines[3] == "| 中文     |        9.0 | line break |")
        #expect(Set(lines.map { DisplayWidth.columns($0) }).count == 1, "every row has the same display width")
        #expect(throws: MetricInputError.self) { try t.append(["too", "few"]) }
    }

    @Test func csvQuotesPerRFC4180() throws {
        var w = CSVWriter(header: ["language", "score", "note"])
        try w.append(["en", "71.3", "plain"])
        try w.append(["de, at", "70.1", "says \"hi\""])
        try w.append(["zh", "60.0", "two\nlines"])
        let out = w.render()
        #expect(out == "language,score,note\r\nen,71.3,plain\r\n\"de, at\",70.1,\"says \"\"hi\"\"\"\r\nzh,60.0,\"two\nlines\"\r\n")
        #expect(try parseCSV(out) == [["language", "score", "note"], ["en", "71.3", "plain"],
                                      ["de, at", "70.1", "says \"hi\""], ["zh", "60.0", "two\nlines"]])
        #expect(throws: MetricInputError.self) { try w.append(["x"]) }
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("polyglot-csv-\(getpid())/t.csv")
        try w.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == out)
        try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }

    /// An independent RFC 4180 reader for the round trip.
    func parseCSV(_ s: String) throws -> [[String]] {
        var records: [[String]] = [], fields: [String] = [], field = "", quoted = false
        var it = Array(s.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { fields.append(field); field = "" }
            else if c == "\r" { if let n = it.next(), n != "\n" { pending = n } ; fields.append(field); records.append(fields); fields = []; field = "" }
            else { field.unicodeScalars.append(c) }
        }
        return records
    }
}
