import Platform

/// HF's `SplitDelimiterBehavior`: what a split does with the pieces of text a pattern matched
/// (the delimiters), tokenizer.json's `"behavior"` of `Split` and `Punctuation`.
public enum SplitDelimiterBehavior: String, CaseIterable, Sendable {
    /// Delimiters are dropped.
    case removed = "Removed"
    /// Each delimiter is a word of its own.
    case isolated = "Isolated"
    /// A delimiter joins the word before it.
    case mergedWithPrevious = "MergedWithPrevious"
    /// A delimiter joins the word after it.
    case mergedWithNext = "MergedWithNext"
    /// Adjacent delimiters form one word.
    case contiguous = "Contiguous"

    /// Reads `key` of a stage object.
    static func read(_ json: StageJSON, _ key: String = "behavior") throws -> SplitDelimiterBehavior {
        let v = try json.choice(key, allCases.map(\.rawValue))
        return SplitDelimiterBehavior(rawValue: v) ?? .isolated
    }
}

/// Turns the pieces a pattern cuts a text into (matches and the text between them, in order,
/// covering the text) into words, as HF's `NormalizedString::split` does: the behaviour decides
/// which pieces are kept and which are merged, and empty words are dropped. Streaming: it holds at
/// most one piece back, so no list of pieces is built.
struct DelimiterSplitter {
    let behavior: SplitDelimiterBehavior
    private var held: (start: Int, end: Int)? = nil
    private var previousMatch = false

    init(_ behavior: SplitDelimiterBehavior) { self.behavior = behavior }

    @inline(__always)
    private func emit(_ s: Int, _ e: Int, _ words: inout [WordSpan]) {
        if e > s { words.append(WordSpan(start: Int32(s), end: Int32(e))) }
    }

    /// The next piece: bytes `start..<end`, a delimiter when `match`.
    @inline(__always)
    mutating func piece(_ start: Int, _ end: Int, match: Bool, into words: inout [WordSpan]) {
        switch behavior {
        case .removed:
            if !match { emit(start, end, &words) }
        case .isolated:
            emit(start, end, &words)
        case .contiguous:
            if let h = held, match == previousMatch {
                held = (h.start, end)
            } else {
                if let h = held { emit(h.start, h.end, &words) }
                held = (start, end)
            }
        case .mergedWithPrevious:
            if let h = held, match && !previousMatch {
                held = (h.start, end)
            } else {
                if let h = held { emit(h.start, h.end, &words) }
                held = (start, end)
            }
        case .mergedWithNext:
            // A delimiter waits for the piece after it; it joins that piece unless it is a delimiter too.
            if let h = held {
                if match {
                    emit(h.start, h.end, &words)
                    held = (start, end)
                } else {
                    emit(h.start, end, &words)
                    held = nil
                }
            } else if match {
                held = (start, end)
            } else {
                emit(start, end, &words)
            }
        }
        previousMatch = match
    }

    /// Emits what is held back.
    mutating func finish(into words: inout [WordSpan]) {
        if let h = held { emit(h.start, h.end, &words) }
        held = nil
        previousMatch = false
    }

    /// Splits `count` bytes given the delimiters' ranges (in order, not overlapping) from `forEachMatch`.
    /// `invert` swaps delimiters and the text between them.
    mutating func split(count: Int, invert: Bool, into words: inout [WordSpan],
                        _ forEachMatch: ((Int, Int) throws -> Void) throws -> Void) rethrows {
        var previous = 0
        try forEachMatch { s, e in
            if s > previous { piece(previous, s, match: invert, into: &words) }
            piece(s, e, match: !invert, into: &words)
            previous = e
        }
        if previous < count { piece(previous, count, match: invert, into: &words) }
        finish(into: &words)
    }
}
