/// Tokenizer quality per language (Rust et al. 2021, "How good is your tokenizer?"): fertility
/// (subwords per word), the share of words split into more than one piece, the share of tokens that
/// are byte-fallback pieces, and the share of the vocabulary the language uses. Words are the
/// tokenizer's pre-tokens; a lone whitespace marker is not a word.
public struct TokenizerStatistics: Equatable, Sendable {
    public var language: String
    public var words = 0
    public var tokens = 0
    public var continuedWords = 0
    public var byteFallbackTokens = 0
    public var distinctIDs = 0
    public var vocabSize = 0

    public var fertility: Double { words == 0 ? 0 : Double(tokens) / Double(words) }
    public var continuedWordRatio: Double { words == 0 ? 0 : Double(continuedWords) / Double(words) }
    public var byteFallbackRate: Double { tokens == 0 ? 0 : Double(byteFallbackTokens) / Double(tokens) }
    public var vocabularyShare: Double { vocabSize == 0 ? 0 : Double(distinctIDs) / Double(vocabSize) }

    public static func measure(_ tokenizer: Tokenizer, language: String, sentences: [String]) throws -> TokenizerStatistics {
        var s = TokenizerStatistics(language: language)
        s.vocabSize = tokenizer.vocabSize
        var isByte = [Bool](repeating: false, count: tokenizer.vocabSize)
        for id in 0..<tokenizer.vocabSize where byteOfFallbackPiece(tokenizer.model.vocabulary.pieces[id]) != nil { isByte[id] = true }
        let marker = "\u{2581}"
        var used = Set<Int>()
        let state = EncoderState()
        for sentence in sentences where !sentence.isEmpty {
            let e = try tokenizer.encode(sentence, addSpecialTokens: false, state: state)
            var k = 0
            while k < e.count {
                guard let w = e.wordIndex[k] else { k += 1; continue }
                var j = k
                var pieces = 0
                var onlyMarker = true
                while j < e.count && e.wordIndex[j] == w {
                    if e.pieces[j] != marker { onlyMarker = false }
                    if isByte[e.ids[j]] { s.byteFallbackTokens += 1 }
                    used.insert(e.ids[j])
                    pieces += 1
                    j += 1
                }
                s.tokens += pieces
                if !onlyMarker {
                    s.words += 1
                    if pieces > 1 { s.continuedWords += 1 }
                }
                k = j
            }
        }
        s.distinctIDs = used.count
        return s
    }
}
