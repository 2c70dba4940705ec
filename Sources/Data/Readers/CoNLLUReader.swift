import Platform

/// One sentence of a CoNLL-U file: its surface tokens and its syntactic words.
public struct CoNLLUSentence: Sendable, Equatable {
    public struct Word: Sendable, Equatable {
        public var form: String
        public var upos: String
        public var xpos: String
        public var feats: String
        /// The surface token this word belongs to (several words share one multiword token).
        public var token: Int
    }
    public struct Token: Sendable, Equatable {
        public var form: String
        public var spaceAfter: Bool
    }
    /// `# sent_id`, or `<file>:<line>` of the sentence's first line when there is none.
    public var id: String
    /// `# text`, or the tokens joined by their SpaceAfter flags.
    public var text: String
    public var tokens: [Token]
    public var words: [Word]
    /// UTF-8 byte range of each token in `text`.
    public var tokenRanges: [Range<Int>]
    /// Line of the sentence's first line in the file.
    public var line: Int
}

/// Streams the sentences of a CoNLL-U file. Multiword token lines (`3-4`) give the surface token
/// and its SpaceAfter; the words they span are the tagged units. Empty nodes (`8.1`) are not surface
/// text and are skipped.
public struct CoNLLUReader {
    public let path: String
    public init(path: String) { self.path = path }

    public func forEach(_ body: (CoNLLUSentence) throws -> Void) throws {
        let reader = try LineReader(path: path)
        var comments: [String: String] = [:]
        var tokens: [CoNLLUSentence.Token] = []
        var words: [CoNLLUSentence.Word] = []
        var startLine = 0
        var rangeEnd = 0          // last word id covered by the current multiword token
        var expectedID = 1

        func finish() throws {
            defer { comments = [:]; tokens = []; words = []; rangeEnd = 0; expectedID = 1; startLine = 0; reader.endRecord() }
            guard !words.isEmpty else {
                if startLine > 0 { throw FileError(path: path, line: startLine, "expected word lines after the comments") }
                return
            }
            if rangeEnd >= expectedID {
                throw FileError(path: path, line: reader.lineNumber, "expected words \(expectedID)-\(rangeEnd) of the multiword token before the sentence ends")
            }
            let rebuilt = TaggedText(words: tokens.map(\.form), tags: tokens.map { _ in "" }, spaceAfter: tokens.map(\.spaceAfter))
            var text = rebuilt.text
            var ranges = rebuilt.wordRanges
            if let given = comments["text"] {
                guard let located = Self.locate(tokens: tokens.map(\.form), in: given) else {
                    throw FileError(path: path, line: startLine, "expected the tokens to spell out '# text' in order")
                }
                text = given; ranges = located
            }
            try body(CoNLLUSentence(id: comments["sent_id"] ?? "\(path):\(startLine)", text: text, tokens: tokens,
                                    words: words, tokenRanges: ranges, line: startLine))
        }

        while let line = try reader.next() {
            if line.utf8.isEmpty {
                try finish()
                continue
            }
            if startLine == 0 { startLine = reader.lineNumber; reader.beginRecord("the sentence") }
            if line.startsWith(byte: 35) {
                if let (key, value) = line.commentKeyValue() {
                    if !words.isEmpty { throw reader.error("expected a comment only before the sentence's words") }
                    comments[key] = value
                }
                continue
            }
            let fields = line.fields(separatedBy: 9)
            guard fields.count == 10 else {
                throw reader.error("expected 10 tab-separated columns, found \(fields.count)")
            }
            let id = fields[0]
            let spaceAfter = !fields[9].fields(separatedBy: 124).contains("SpaceAfter=No")
            let idBytes = Array(id.utf8)
            if idBytes.contains(46) {   // "8.1": an empty node
                let parts = id.fields(separatedBy: 46)
                guard parts.count == 2, parts.allSatisfy({ Int($0) != nil }) else {
                    throw reader.error("expected an empty node id like 8.1, found '\(excerpt(id))'")
                }
                continue
            }
            if let dash = idBytes.firstIndex(of: 45) {
                let a = Int(String(decoding: idBytes[..<dash], as: UTF8.self)), b = Int(String(decoding: idBytes[(dash + 1)...], as: UTF8.self))
                guard let a, let b, a <= b else {
                    throw reader.error("expected a multiword token range like 3-4, found '\(excerpt(id))'")
                }
                guard a == expectedID, rangeEnd < expectedID else {
                    throw reader.error("expected the multiword token range to start at word \(expectedID), found '\(excerpt(id))'")
                }
                tokens.append(.init(form: fields[1], spaceAfter: spaceAfter))
                rangeEnd = b
                continue
            }
            guard let n = Int(id) else { throw reader.error("expected a word id (integer, range or decimal), found '\(excerpt(id))'") }
            guard n == expectedID else { throw reader.error("expected word id \(expectedID), found \(n)") }
            expectedID += 1
            if n > rangeEnd {
                tokens.append(.init(form: fields[1], spaceAfter: spaceAfter))
            }
            let upos = fields[3]
            if upos.utf8.isEmpty { throw reader.error("expected a UPOS tag in column 4, found nothing") }
            words.append(.init(form: fields[1], upos: upos, xpos: fields[4], feats: fields[5],
                               token: tokens.count - 1))
        }
        try finish()
    }

    /// Finds each token in the text in order, skipping whitespace between them; nil if the tokens
    /// do not spell the text.
    static func locate(tokens: [String], in text: String) -> [Range<Int>]? {
        let bytes = Array(text.utf8)
        var position = 0
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(tokens.count)
        for token in tokens {
            let t = Array(token.utf8)
            while position < bytes.count && (bytes[position] == 32 || bytes[position] == 9 || bytes[position] == 10) { position += 1 }
            if position + t.count <= bytes.count && bytes[position..<(position + t.count)].elementsEqual(t) {
                ranges.append(position..<(position + t.count))
                position += t.count
                continue
            }
            // Treebanks such as Vietnamese-VTB write tokens with spaces that the text also has; a
            // token may also differ from the text only in whitespace (non-breaking space).
            guard let r = matchIgnoringSpaces(t, in: bytes, from: position) else { return nil }
            ranges.append(r)
            position = r.upperBound
        }
        return ranges
    }

    static func matchIgnoringSpaces(_ token: [UInt8], in bytes: [UInt8], from start: Int) -> Range<Int>? {
        let compact = token.filter { $0 != 32 }
        guard !compact.isEmpty else { return start..<start }
        var i = start, k = 0
        while i < bytes.count && k < compact.count {
            if bytes[i] == compact[k] { k += 1; i += 1 }
            else if bytes[i] == 32 || (bytes[i] == 0xC2 && i + 1 < bytes.count && bytes[i + 1] == 0xA0) { i += bytes[i] == 32 ? 1 : 2 }
            else { return nil }
        }
        return k == compact.count ? start..<i : nil
    }
}
