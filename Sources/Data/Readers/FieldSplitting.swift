import Foundation
import Platform

// `LineReader` (bounded, regular files only) lives in Platform; these are the field helpers the
// readers share.

/// Field splitting on UTF-8 bytes. Separators are ASCII, so byte positions are always scalar
/// boundaries; working on bytes avoids grapheme-cluster iteration (slow, and a tab followed by a
/// combining mark must still separate fields).
extension String {
    /// The fields between every `separator` byte (empty fields kept).
    func fields(separatedBy separator: UInt8) -> [String] {
        var out: [String] = []
        let view = utf8
        var start = view.startIndex
        var i = start
        while i != view.endIndex {
            if view[i] == separator {
                out.append(String(self[start..<i]))
                start = view.index(after: i)
            }
            i = view.index(after: i)
        }
        out.append(String(self[start..<view.endIndex]))
        return out
    }

    /// The fields between runs of ASCII spaces (empty fields dropped).
    func fieldsSeparatedBySpaces() -> [String] { fields(separatedBy: 32).filter { !$0.utf8.isEmpty } }

    /// True for an empty line or one of only spaces and tabs.
    var isBlankLine: Bool { utf8.allSatisfy { $0 == 32 || $0 == 9 } }

    func startsWith(byte: UInt8) -> Bool { utf8.first == byte }

    /// Byte-wise prefix test (String.hasPrefix compares canonically equivalent characters).
    func hasBytePrefix(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }

    /// `key = value` of a comment line such as `# text = …` (after the leading `#`), trimmed of
    /// ASCII spaces; nil without `=`.
    func commentKeyValue() -> (key: String, value: String)? {
        let view = utf8
        guard view.first == 35, let eq = view.firstIndex(of: 61) else { return nil }
        func trimmed(_ s: Substring) -> String {
            var bytes = s.utf8[...]
            while let f = bytes.first, f == 32 || f == 9 { bytes = bytes.dropFirst() }
            while let l = bytes.last, l == 32 || l == 9 { bytes = bytes.dropLast() }
            return String(Substring(bytes))
        }
        return (trimmed(self[view.index(after: view.startIndex)..<eq]), trimmed(self[view.index(after: eq)...]))
    }
}
