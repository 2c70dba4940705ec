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
    /// Nil reads words only (raw text for MLM); tags are then empty.
    public let tagColumn: Int?
    /// WikiANN writes words as `en:Paris`; strip the language prefix.
    public let stripLanguagePrefix: Bool
    /// Check that every I-X continues a B-X or I-X (IOB2); IOB1 files allow I-X to open a span.
    public let strictIOB2: Bool

    public init(path: String, wordColumn: Int, tagColumn: Int?, stripLanguagePrefix: Bool = false, strictIOB2: Bool = true) {
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
        let needed = max(wordColumn, tagColumn ?? 0) + 1
        let columnsText = "word in column \(wordColumn + 1)" + (tagColumn.map { ", tag in column \($0 + 1)" } ?? "")
        while let line = try reader.next() {
            if line.isBlankLine { try finish(); continue }
            if line.startsWith(byte: 35) {
                if words.isEmpty, let (key, value) = line.commentKeyValue() {
                    if key == "sent_id" { sentenceID = value }
                    if key == "text" { givenText = value; textLine = reader.lineNumber }
                }
                continue
            }
            if line.hasBytePrefix("-DOCSTART-") { continue }
            let fields = line.utf8.contains(9) ? line.fields(separatedBy: 9) : line.fieldsSeparatedBySpaces()
            guard fields.count >= needed else {
                throw reader.error("expected at least \(needed) columns (\(columnsText)), found \(fields.count)")
            }
            var word = fields[wordColumn]
            if stripLanguagePrefix, let colon = word.utf8.firstIndex(of: 58), word.utf8.distance(from: word.utf8.startIndex, to: colon) <= 3 {
                word = String(word[word.utf8.index(after: colon)...])
            }
            guard !word.utf8.isEmpty else { throw reader.error("expected a word in column \(wordColumn + 1), found nothing") }
            if startLine == 0 { startLine = reader.lineNumber }
            guard let tagColumn else { words.append(word); continue }
            let tag = fields[tagColumn]
            guard tag == "O" || ((tag.hasBytePrefix("B-") || tag.hasBytePrefix("I-")) && tag.utf8.count > 2) else {
                throw reader.error("expected a tag O, B-<type> or I-<type> in column \(tagColumn + 1), found '\(tag)'")
            }
            if strictIOB2 && tag.hasBytePrefix("I-") {
                let type = String(Substring(tag.utf8.dropFirst(2)))
                guard let previous = tags.last, previous != "O", previous.utf8.dropFirst(2).elementsEqual(type.utf8) else {
                    throw reader.error("expected B-\(type) before \(tag) (IOB2)")
                }
            }
            words.append(word); tags.append(tag)
        }
        try finish()
    }
}
