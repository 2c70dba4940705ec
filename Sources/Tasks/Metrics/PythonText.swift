/// The pieces of Python 3's string semantics that the official SQuAD and MLQA scripts rely on, reproduced per
/// `Unicode.Scalar` so that normalized answers agree with the scripts code point for code point.
enum PythonText {
    /// `str.isspace()` / what `str.split()` splits on: White_Space plus the four ASCII separators U+001C–U+001F.
    @inline(__always) static func isSpace(_ s: Unicode.Scalar) -> Bool {
        (0x1C...0x1F).contains(s.value) || s.properties.isWhitespace
    }

    /// `\w` of Python's `re` on str: letters (Lu, Ll, Lt, Lm, Lo), anything with a numeric value, and `_`.
    /// Combining marks are not word characters there, so neither are they here.
    @inline(__always) static func isWordCharacter(_ s: Unicode.Scalar) -> Bool {
        if s == "_" { return true }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return s.properties.numericType != nil
        }
    }

    /// `string.punctuation`: the 32 ASCII punctuation and symbol characters.
    @inline(__always) static func isASCIIPunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    /// Any general category P* (what MLQA adds to `string.punctuation`).
    @inline(__always) static func isUnicodePunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// `str.lower()`: full lowercase mappings (İ → i̇), with Σ → ς at the end of a word (the Final_Sigma context:
    /// preceded by a cased letter, not followed by one, case-ignorable characters skipped both ways).
    static func lower(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for (i, s) in text.enumerated() {
            if s.value == 0x3A3 {
                out.append(isFinalSigma(text, at: i) ? "\u{3C2}" : "\u{3C3}")
                continue
            }
            if s.isASCII {
                out.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(s.value + 32)! : s)
                continue
            }
            out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
        }
        return out
    }

    static func isFinalSigma(_ text: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && text[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && text[j].properties.isCased else { return false }
        j = i + 1
        while j < text.count && text[j].properties.isCaseIgnorable { j += 1 }
        return j == text.count || !text[j].properties.isCased
    }

    /// `text.split()`.
    static func split(_ text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var tokens: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for s in text {
            if isSpace(s) {
                if !current.isEmpty { tokens.append(current); current.removeAll(keepingCapacity: true) }
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// `' '.join(tokens)`.
    static func join(_ tokens: [[Unicode.Scalar]]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        for (i, t) in tokens.enumerated() {
            if i > 0 { out.append(" ") }
            out.append(contentsOf: t)
        }
        return out
    }

    /// `re.sub(r'\b(w1|w2|…)\b', ' ', text)` where every alternative is made of word characters: such a match is
    /// exactly a maximal run of word characters equal to one of the words.
    static func replaceWholeWords(_ text: [Unicode.Scalar], _ words: [[Unicode.Scalar]]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            guard isWordCharacter(text[i]) else { out.append(text[i]); i += 1; continue }
            var j = i
            while j < text.count && isWordCharacter(text[j]) { j += 1 }
            let run = text[i..<j]
            if words.contains(where: { $0.elementsEqual(run) }) {
                out.append(" ")
            } else {
                out.append(contentsOf: run)
            }
            i = j
        }
        return out
    }

    /// `text.replace(needle, ' ')` / `re.sub(needle, ' ', text)` for a literal needle: leftmost, non-overlapping.
    static func replaceAll(_ text: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard !needle.isEmpty, text.count >= needle.count else { return text }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if i + needle.count <= text.count && text[i..<(i + needle.count)].elementsEqual(needle) {
                out.append(" ")
                i += needle.count
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }
}
