/// The languages MLQA's evaluation script knows; each has its own article list and tokenization.
public enum MLQALanguage: String, Codable, CaseIterable, Sendable {
    case en, es, de, vi, zh, ar, hi
}

/// How extractive-QA answers are normalized before exact match and F1 are computed.
public enum AnswerNormalization: Hashable, Codable, Sendable {
    /// The official SQuAD v1.1 script: lowercase, drop ASCII punctuation, drop the words a/an/the,
    /// collapse whitespace. Also what XQuAD is scored with.
    case squad
    /// MLQA's `mlqa_evaluation_v1.py`: lowercase, drop ASCII and Unicode punctuation, drop the language's
    /// articles, collapse whitespace; Chinese is split into single characters for CJK ideographs U+4E00–U+9FA5.
    case mlqa(MLQALanguage)

    /// `.mlqa` for a language MLQA's script handles, an error naming the code otherwise.
    public static func mlqa(code: String) throws -> AnswerNormalization {
        guard let language = MLQALanguage(rawValue: code) else {
            throw MetricInputError(metric: "MLQA F1", "unknown language '\(code)' (MLQA covers "
                                   + MLQALanguage.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return .mlqa(language)
    }

    /// The normalized answer, as the script's `normalize_answer` returns it.
    public func normalize(_ text: String) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: normalizedScalars(text))
        return String(s)
    }

    /// The tokens F1 counts: the normalized answer split on whitespace.
    public func tokens(_ text: String) -> [[Unicode.Scalar]] {
        PythonText.split(normalizedScalars(text))
    }

    func normalizedScalars(_ text: String) -> [Unicode.Scalar] {
        let lowered = PythonText.lower(Array(text.unicodeScalars))
        switch self {
        case .squad:
            let unpunctuated = lowered.filter { !PythonText.isASCIIPunctuation($0) }
            let noArticles = PythonText.replaceWholeWords(unpunctuated, Self.englishArticles)
            return PythonText.join(PythonText.split(noArticles))
        case .mlqa(let language):
            let unpunctuated = lowered.filter { !Self.isMLQAPunctuation($0) }
            let noArticles: [Unicode.Scalar]
            switch language {
            case .en: noArticles = PythonText.replaceWholeWords(unpunctuated, Self.englishArticles)
            case .es: noArticles = PythonText.replaceWholeWords(unpunctuated, Self.words(["un", "una", "unos", "unas", "el", "la", "los", "las"]))
            case .vi: noArticles = PythonText.replaceWholeWords(unpunctuated, Self.words(["của", "là", "cái", "chiếc", "những"]))
            case .de: noArticles = PythonText.replaceWholeWords(unpunctuated, Self.words(["ein", "eine", "einen", "einem", "eines", "einer", "der", "die", "das", "den", "dem", "des"]))
            // The script's pattern is `\sال^|ال`; its first branch can never match (`^` after characters), so
            // every "ال" is replaced, including inside words.
            case .ar: noArticles = PythonText.replaceAll(unpunctuated, Array("ال".unicodeScalars))
            case .hi, .zh: noArticles = unpunctuated
            }
            let tokens = language == .zh ? Self.mixedSegmentation(noArticles) : PythonText.split(noArticles)
            return PythonText.join(tokens.filter { !$0.allSatisfy(PythonText.isSpace) })
        }
    }

    static let englishArticles = words(["a", "an", "the"])
    static func words(_ w: [String]) -> [[Unicode.Scalar]] { w.map { Array($0.unicodeScalars) } }

    static func isMLQAPunctuation(_ s: Unicode.Scalar) -> Bool {
        PythonText.isASCIIPunctuation(s) || PythonText.isUnicodePunctuation(s)
    }

    /// MLQA's `mixed_segmentation`: every ideograph in U+4E00–U+9FA5 (and punctuation) is a token of its own,
    /// the text between them is split on whitespace.
    static func mixedSegmentation(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var out: [[Unicode.Scalar]] = []
        var pending: [Unicode.Scalar] = []
        for s in text {
            if (0x4E00...0x9FA5).contains(s.value) || isMLQAPunctuation(s) {
                if !pending.isEmpty { out.append(contentsOf: PythonText.split(pending)); pending.removeAll() }
                out.append([s])
            } else {
                pending.append(s)
            }
        }
        if !pending.isEmpty { out.append(contentsOf: PythonText.split(pending)) }
        return out
    }
}
