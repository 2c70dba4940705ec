/// One example of any task, in one language. Character positions are UTF-8 byte offsets into the
/// text they refer to (the Text module aligns tokens in UTF-8 bytes).
public struct Example: Codable, Sendable, Equatable {
    /// Unique within a task, language and split (`file:line` for read files, the value for built-in ones).
    public var id: String
    /// BCP-47 code of the language spec.
    public var language: String
    public var input: ExampleInput
    /// Class name for classification and pair-classification; the index of the right choice for
    /// multiple-choice. Tags of tagging examples live in the input.
    public var label: String?
    /// Target of regression.
    public var value: Double?
    /// Identifies the same content across languages (SIB-200 index_id, PUD sent_id, the underlying
    /// value of a built-in example), for parallel analyses and leakage checks.
    public var parallelKey: String?

    public init(id: String, language: String, input: ExampleInput, label: String? = nil,
                value: Double? = nil, parallelKey: String? = nil) {
        self.id = id; self.language = language; self.input = input
        self.label = label; self.value = value; self.parallelKey = parallelKey
    }

    /// Every piece of text of the example, in reading order (for MLM corpora, vocabulary building,
    /// script checks).
    public var texts: [String] {
        switch input {
        case .text(let t): return [t]
        case .textPair(let a, let b): return [a, b]
        case .tagged(let t): return [t.text]
        case .span(let s): return [s.question, s.context]
        case .choices(let context, let question, let choices): return [context] + (question.map { [$0] } ?? []) + choices
        case .translation(let s, let t): return [s, t]
        }
    }

    /// The text in the example's own language, for finding its script: the source side of a translation pair,
    /// a question's context, a multiple-choice context and choices (a question word may be a fixed English tag,
    /// XCOPA's cause/effect), else every text.
    public var ownText: String {
        switch input {
        case .translation(let source, _): return source
        case .span(let q): return q.context
        case .choices(let context, _, let choices): return ([context] + choices).joined(separator: " ")
        default: return texts.joined(separator: " ")
        }
    }
}

public enum ExampleInput: Codable, Sendable, Equatable {
    /// Classification, regression and MLM input.
    case text(String)
    /// Pair classification (premise/hypothesis, sentence pair) and pair regression.
    case textPair(String, String)
    /// Tagging: words with one tag each.
    case tagged(TaggedText)
    /// Extractive QA.
    case span(SpanQuestion)
    /// Multiple-choice: a context (question or premise), optionally what is asked about it (XCOPA's
    /// `cause`/`effect`, from the `question` column), and the candidate answers.
    case choices(context: String, question: String?, choices: [String])
    /// Retrieval: a sentence and its translation (line i of two parallel files).
    case translation(source: String, target: String)
}

/// Words with their tags and where each word lies in the text.
public struct TaggedText: Codable, Sendable, Equatable {
    /// The original text (`# text` of CoNLL-U, or words joined as the file's spacing says).
    public var text: String
    public var words: [String]
    public var tags: [String]
    /// UTF-8 byte range of each word in `text`. Syntactic words inside one surface token (French
    /// "du" = "de" + "le") share that token's range.
    public var wordRanges: [Range<Int>]

    public init(text: String, words: [String], tags: [String], wordRanges: [Range<Int>]) {
        self.text = text; self.words = words; self.tags = tags; self.wordRanges = wordRanges
    }

    /// Joins words with single spaces, for formats that do not keep the original spacing.
    public init(words: [String], tags: [String], spaceAfter: [Bool]? = nil) {
        var text = ""
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(words.count)
        for (i, w) in words.enumerated() {
            let start = text.utf8.count
            text += w
            ranges.append(start..<text.utf8.count)
            if i + 1 < words.count && (spaceAfter?[i] ?? true) { text += " " }
        }
        self.init(text: text, words: words, tags: tags, wordRanges: ranges)
    }
}

/// An extractive question with its gold answers.
public struct SpanQuestion: Codable, Sendable, Equatable {
    public var context: String
    public var question: String
    public var answers: [SpanAnswer]
    public init(context: String, question: String, answers: [SpanAnswer]) {
        self.context = context; self.question = question; self.answers = answers
    }
}

public struct SpanAnswer: Codable, Sendable, Equatable {
    public var text: String
    /// UTF-8 byte range of the answer in the context.
    public var range: Range<Int>
    public init(text: String, range: Range<Int>) { self.text = text; self.range = range }
}
