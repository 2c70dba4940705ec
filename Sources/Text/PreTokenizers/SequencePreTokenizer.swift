import Platform

/// HF's `Sequence` pre-tokenizer: the first stage splits the text, each later stage splits every
/// word the one before produced (and may rewrite it, as Metaspace and ByteLevel do).
public struct SequencePreTokenizer: PreTokenizerStage {
    public static let typeNames = ["Sequence"]
    public let stages: [any PreTokenizerStage]

    public init(_ stages: [any PreTokenizerStage]) { self.stages = stages }

    public init(json: StageJSON) throws {
        stages = try json.objects("pretokenizers").map { try PreTokenizers.make($0) }
    }

    public var json: StrictJSON { .stage("Sequence", [("pretokenizers", .array(stages.map(\.json)))]) }

    public var needsSourceAlignment: Bool { stages.contains { $0.needsSourceAlignment } }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        guard let first = stages.first else {
            if text.count > 0 { words.append(WordSpan(start: 0, end: Int32(text.count))) }
            return
        }
        let mark = words.count
        try first.split(&text, words: &words, isFirstSegment: isFirstSegment, scratch: scratch)
        // The word that starts where the input does (HF's "original offset 0", which Metaspace's
        // `first` scheme asks for): only the first word can, when it starts at the text's start.
        var origin = isFirstSegment && words.count > mark && words[mark].start == 0 ? mark : -1
        for stage in stages.dropFirst() {
            var rebuilt = AlignedText()
            swap(&rebuilt, &scratch.sequenceText)
            rebuilt.removeAll()
            rebuilt.tracksSource = text.tracksSource
            var word = AlignedText()
            swap(&word, &scratch.sequenceWord)
            var sub: [WordSpan] = []
            swap(&sub, &scratch.sequenceWords)
            var next: [WordSpan] = []
            next.reserveCapacity(words.count - mark)
            var nextOrigin = -1
            for (k, w) in words[mark...].enumerated() {
                word.removeAll()
                word.tracksSource = text.tracksSource
                let s = Int(w.start), e = Int(w.end)
                word.bytes += text.bytes[s..<e]
                if text.tracksSource { word.sourceStart += text.sourceStart[s..<e]; word.sourceEnd += text.sourceEnd[s..<e] }
                sub.removeAll(keepingCapacity: true)
                let atOrigin = mark + k == origin
                try stage.split(&word, words: &sub, isFirstSegment: atOrigin, scratch: scratch)
                if atOrigin, let f = sub.first, f.start == 0 { nextOrigin = mark + next.count }
                let offset = Int32(rebuilt.count)
                rebuilt.append(contentsOf: word)
                for x in sub { next.append(WordSpan(start: x.start + offset, end: x.end + offset)) }
            }
            words.removeLast(words.count - mark)
            words += next
            origin = nextOrigin
            swap(&text, &rebuilt)
            // What was the text before this stage becomes the next stage's buffer.
            swap(&rebuilt, &scratch.sequenceText)
            swap(&word, &scratch.sequenceWord)
            swap(&sub, &scratch.sequenceWords)
        }
    }
}

/// The factory of pre-tokenizers: one entry per stage type (a new stage is one new file and one line here).
public enum PreTokenizers {
    static let registry = StageRegistry<any PreTokenizerStage>(kind: "pre-tokenizer", [
        SequencePreTokenizer.self,
        BertPreTokenizer.self,
        MetaspacePreTokenizer.self,
        ByteLevelPreTokenizer.self,
        WhitespacePreTokenizer.self,
        WhitespaceSplitPreTokenizer.self,
        PunctuationPreTokenizer.self,
        DigitsPreTokenizer.self,
        SplitPreTokenizer.self,
        UnicodeScriptsPreTokenizer.self,
    ])

    public static func make(_ json: StageJSON) throws -> any PreTokenizerStage { try registry.make(json) }

    /// `"pre_tokenizer"` of tokenizer.json: null or absent means none (the whole text is one word).
    public static func make(_ value: StrictJSON?, path: String) throws -> (any PreTokenizerStage)? {
        switch value { case nil, .null?: return nil; default: return try make(StageJSON(value, path: path)) }
    }
}
