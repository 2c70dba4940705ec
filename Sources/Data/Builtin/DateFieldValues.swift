import Platform

/// Tags a formatted date word by word from ICU's field positions: each field is one word, and the
/// literal text between fields is split at whitespace into `literal` words.
enum DateFieldValues {
    static let tagLabels: [LabelSpec] = [
        ("weekday", "the name of the day of the week"),
        ("day", "the day of the month, as a number"),
        ("month", "the month, as a name or a number"),
        ("year", "the year, as a number"),
        ("era", "the era, such as AD or CE"),
        ("literal", "text between the date's parts: punctuation or connecting words"),
    ].map { LabelSpec(name: $0.0, description: $0.1) }

    /// UDateFormatField values of a full date mapped to tags.
    static func tag(of field: Int32) -> String? {
        switch field {
        case 0: return "era"
        case 1, 18, 20, 30, 34: return "year"            // year, year of week, extended, cyclic name, related
        case 2, 26: return "month"                       // month, stand-alone month
        case 3: return "day"
        case 9, 19, 25: return "weekday"                 // day of week, local, stand-alone
        default: return nil
        }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 }

    static func tag(text: String, fields: [DateFieldFormatter.Field], locale: String) throws -> TaggedText {
        let bytes = Array(text.utf8)
        var words: [String] = [], tags: [String] = [], ranges: [Range<Int>] = []
        func literal(_ range: Range<Int>) {
            // Split at ASCII spaces and the non-breaking spaces CLDR patterns use (U+00A0, U+202F).
            var i = range.lowerBound
            var start = i
            func flush(_ end: Int) {
                if end > start {
                    words.append(String(decoding: bytes[start..<end], as: UTF8.self)); tags.append("literal"); ranges.append(start..<end)
                }
            }
            while i < range.upperBound {
                var width = 0
                if isSpace(bytes[i]) { width = 1 }
                else if bytes[i] == 0xC2, i + 1 < range.upperBound, bytes[i + 1] == 0xA0 { width = 2 }
                else if bytes[i] == 0xE2, i + 2 < range.upperBound, bytes[i + 1] == 0x80, bytes[i + 2] == 0xAF { width = 3 }
                if width > 0 { flush(i); i += width; start = i } else { i += 1 }
            }
            flush(range.upperBound)
        }
        var position = 0
        for f in fields.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            guard let t = tag(of: f.field) else {
                throw CLDRError(operation: "date field \(f.field) in '\(text)' (\(locale)) has no tag", status: 1)
            }
            guard f.range.lowerBound >= position else {
                throw CLDRError(operation: "overlapping date fields in '\(text)' (\(locale))", status: 1)
            }
            literal(position..<f.range.lowerBound)
            words.append(String(decoding: bytes[f.range], as: UTF8.self)); tags.append(t); ranges.append(f.range)
            position = f.range.upperBound
        }
        literal(position..<bytes.count)
        return TaggedText(text: text, words: words, tags: tags, wordRanges: ranges)
    }
}
