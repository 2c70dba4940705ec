import Platform

/// One sentence of a column file with BIO/IOB2 tags.
public struct IOBSentence: Sendable, Equatable {
    public var id: String
    public var words: [String]
    public var tags: [String]
    /// The original text with each word's UTF-8 byte range in it, when the file has `# text`
    /// comments (UNER); otherwise the words joined by single spaces.
    public var text: String
    public var wordRanges: [Range<Int>]
    public var line: Int
}

/// Streams sentences of a whitespace-column file (UNER, CoNLL-2003, WikiANN): one word per line,
/// blank lines between sentences, `#` comments and `-DOCSTART-` lines skipped. Columns are split
/// on tabs when the line has any (words may then hold spaces), else on runs of spaces.
public struct IOBReader {
    public let path: String
    public let wordColumn: Int
    public let tagColumn: Int
    /// WikiANN writes words as `en:Paris`; strip the language prefix.
    public let stripLanguagePrefix: Bool
    /// Check that every I-X continues a B-X or I-X (IOB2); IOB1 files allow I-X to open a span.
    public let strictIOB2: Bool

    public init(path: String, wordColumn: Int, tagColumn: Int, stripLanguagePrefix: Bool = false, strictIOB2: Bool = true) {
        self.path = path; self.wordColumn = wordColumn; self.tagColumn = tagColumn
        self.stripLanguagePrefix = stripLanguagePrefix; self.strictIOB2 = strictIOB2
    }

    public func forEach(_ body: (IOBSentence) throws -> Void) throws {
        let reader = try LineReader(path: path)
        var words: [String] = [], tags: [String] = []
        var startLine = 0
        var sentenceID: String? = nil
        var givenText: String? = nil
        var textLine = 0
        func finish() throws {
            if !words.isEmpty {
                var text: String
                var ranges: [Range<Int>]
                if let givenText {
                    guard let located = CoNLLUReader.locate(tokens: words, in: givenText) else {
                        throw FileError(path: path, line: textLine, "expected the words to spell out '# text' in order")
                    }
                    text = givenText; ranges = located
                } else {
                    let joined = TaggedText(words: words, tags: tags)
                    text = joined.text; ranges = joined.wordRanges
                }
                try body(IOBSentence(id: sentenceID ?? "\(path):\(startLine)", words: words, tags: tags,
                                     text: text, wordRanges: ranges, line: startLine))
            }
            words = []; tags = []; startLine = 0; sentenceID = nil; givenText = nil
        }
        let needed = max(wordColumn, tagColumn) + 1
        while let line = try reader.next() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { try finish(); continue }
            if line.hasPrefix("#") {
                if words.isEmpty, let eq = line.firstIndex(of: "=") {
                    let key = line[line.index(after: line.startIndex)..<eq].trimmingCharacters(in: .whitespaces)
                    let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                    if key == "sent_id" { sentenceID = value }
                    if key == "text" { givenText = value; textLine = reader.lineNumber }
                }
                continue
            }
            if line.hasPrefix("-DOCSTART-") { continue }
            let fields = line.contains("\t")
                ? line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                : line.split(separator: " ").map(String.init)
            guard fields.count >= needed else {
                throw reader.error("expected at least \(needed) columns (word in column \(wordColumn + 1), tag in column \(tagColumn + 1)), found \(fields.count)")
            }
            var word = fields[wordColumn]
            let tag = fields[tagColumn]
            if stripLanguagePrefix, let colon = word.firstIndex(of: ":"), word.distance(from: word.startIndex, to: colon) <= 3 {
                word = String(word[word.index(after: colon)...])
            }
            guard !word.isEmpty else { throw reader.error("expected a word in column \(wordColumn + 1), found nothing") }
            guard tag == "O" || tag.hasPrefix("B-") || tag.hasPrefix("I-"), tag.count > 2 || tag == "O" else {
                throw reader.error("expected a tag O, B-<type> or I-<type> in column \(tagColumn + 1), found '\(tag)'")
            }
            if strictIOB2 && tag.hasPrefix("I-") {
                let type = tag.dropFirst(2)
                guard let previous = tags.last, previous != "O", previous.dropFirst(2) == type else {
                    throw reader.error("expected B-\(type) before \(tag) (IOB2)")
                }
            }
            if startLine == 0 { startLine = reader.lineNumber }
            words.append(word); tags.append(tag)
        }
        try finish()
    }
}
