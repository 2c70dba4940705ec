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
    /// An I-X must continue a B-X or I-X (IOB2). Strict: an invalid transition is an error naming the
    /// line. Repair: it becomes B-X (what IOB1 meant by it) and is counted.
    public enum Transitions: Sendable { case strict, repair }
    public let transitions: Transitions

    public init(path: String, wordColumn: Int, tagColumn: Int?, stripLanguagePrefix: Bool = false, transitions: Transitions = .strict) {
        self.path = path; self.wordColumn = wordColumn; self.tagColumn = tagColumn
        self.stripLanguagePrefix = stripLanguagePrefix; self.transitions = transitions
    }

    /// Calls `body` with every sentence; returns the number of tags repaired (always 0 when strict).
    @discardableResult
    public func forEach(_ body: (IOBSentence) throws -> Void) throws -> Int {
        let reader = try LineReader(path: path)
        var repaired = 0
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
            reader.endRecord()
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
            if startLine == 0 { startLine = reader.lineNumber; reader.beginRecord("the sentence") }
            guard let tagColumn else { words.append(word); continue }
            var tag = fields[tagColumn]
            guard tag == "O" || ((tag.hasBytePrefix("B-") || tag.hasBytePrefix("I-")) && tag.utf8.count > 2) else {
                throw reader.error("expected a tag O, B-<type> or I-<type> in column \(tagColumn + 1), found '\(excerpt(tag))'")
            }
            if tag.hasBytePrefix("I-") {
                let type = String(Substring(tag.utf8.dropFirst(2)))
                let continues = tags.last.map { $0 != "O" && $0.utf8.dropFirst(2).elementsEqual(type.utf8) } ?? false
                if !continues {
                    let after = tags.last.map { "after \(excerpt($0))" } ?? "at the start of a sentence"
                    switch transitions {
                    case .strict:
                        throw reader.error("expected B-\(excerpt(type)) before \(excerpt(tag)), found it \(after) (IOB2; set 'repair: true' in the task spec to turn such tags into B-)")
                    case .repair:
                        tag = "B-" + type
                        repaired += 1
                    }
                }
            }
            words.append(word); tags.append(tag)
        }
        try finish()
        return repaired
    }
}
