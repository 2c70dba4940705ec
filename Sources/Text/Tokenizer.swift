import Foundation
import Platform

/// An added token of tokenizer.json: matched in the text before the model (raw text, or normalized
/// text when `normalized`), never split. `special` tokens are skipped by `decode` unless asked;
/// `lstrip`/`rstrip` take the white space on that side into the match; a `singleWord` token matches
/// only between word boundaries.
public struct AddedToken: Equatable, Sendable {
    public var content: String
    public var id: Int
    public var special: Bool
    public var normalized: Bool
    public var lstrip: Bool
    public var rstrip: Bool
    public var singleWord: Bool

    public init(content: String, id: Int, special: Bool = true, normalized: Bool? = nil, lstrip: Bool = false, rstrip: Bool = false,
                singleWord: Bool = false) {
        self.content = content; self.id = id; self.special = special
        // HF's default: special tokens match the raw text, other added tokens the normalized text.
        self.normalized = normalized ?? !special
        self.lstrip = lstrip; self.rstrip = rstrip; self.singleWord = singleWord
    }

    init(json: StageJSON) throws {
        let special = try json.bool("special", default: false)
        self.init(content: try json.string("content"), id: try json.int("id"), special: special,
                  normalized: try json.optionalBool("normalized"), lstrip: try json.bool("lstrip", default: false),
                  rstrip: try json.bool("rstrip", default: false), singleWord: try json.bool("single_word", default: false))
    }

    var json: StrictJSON {
        .object([("id", .int(id)), ("content", .string(content)), ("single_word", .bool(singleWord)), ("lstrip", .bool(lstrip)),
                 ("rstrip", .bool(rstrip)), ("normalized", .bool(normalized)), ("special", .bool(special))])
    }
}

/// HF's `truncation` section: at most `maxLength` tokens, special tokens included.
public struct Truncation: Equatable, Sendable {
    public enum Direction: String, Sendable, CaseIterable { case right = "Right", left = "Left" }
    public enum Strategy: String, Sendable, CaseIterable { case longestFirst = "LongestFirst", onlyFirst = "OnlyFirst", onlySecond = "OnlySecond" }
    public var maxLength: Int
    public var direction: Direction = .right
    public var strategy: Strategy = .longestFirst
    /// Kept for HF's overflowing windows; Polyglot's encode returns no overflow.
    public var stride: Int = 0

    public init(maxLength: Int, direction: Direction = .right, strategy: Strategy = .longestFirst, stride: Int = 0) {
        self.maxLength = maxLength; self.direction = direction; self.strategy = strategy; self.stride = stride
    }

    init(json: StageJSON) throws {
        maxLength = try json.int("max_length")
        guard maxLength >= 0 else { throw json.fail("max_length", "must be ≥ 0") }
        direction = Direction(rawValue: try json.choice("direction", Direction.allCases.map(\.rawValue), default: "Right")) ?? .right
        strategy = Strategy(rawValue: try json.choice("strategy", Strategy.allCases.map(\.rawValue), default: "LongestFirst")) ?? .longestFirst
        stride = try json.int("stride", default: 0)
    }

    var json: StrictJSON {
        .object([("direction", .string(direction.rawValue)), ("max_length", .int(maxLength)), ("strategy", .string(strategy.rawValue)),
                 ("stride", .int(stride))])
    }
}

/// HF's `padding` section: pad a batch to its longest encoding or to a fixed length (rounded up to a
/// multiple), with the pad token's id and type id, on the right or the left.
public struct Padding: Equatable, Sendable {
    public enum Direction: String, Sendable, CaseIterable { case right = "Right", left = "Left" }
    /// nil: the longest encoding of the batch.
    public var fixedLength: Int?
    public var direction: Direction = .right
    public var multipleOf: Int?
    public var padID: Int = 0
    public var padTypeID: Int = 0
    public var padToken: String = "[PAD]"

    public init(fixedLength: Int? = nil, direction: Direction = .right, multipleOf: Int? = nil, padID: Int, padTypeID: Int = 0, padToken: String) {
        self.fixedLength = fixedLength; self.direction = direction; self.multipleOf = multipleOf
        self.padID = padID; self.padTypeID = padTypeID; self.padToken = padToken
    }

    init(json: StageJSON) throws {
        switch json["strategy"] {
        case .string("BatchLongest")?, nil: fixedLength = nil
        case .object(let m)? where m.count == 1 && m[0].0 == "Fixed":
            guard case .integer(let n) = m[0].1, n >= 0, let v = Int(exactly: n) else { throw json.fail("strategy.Fixed", "expected a length") }
            fixedLength = v
        default: throw json.fail("strategy", "expected \"BatchLongest\" or {\"Fixed\": length}")
        }
        direction = Direction(rawValue: try json.choice("direction", Direction.allCases.map(\.rawValue), default: "Right")) ?? .right
        multipleOf = try json.optionalInt("pad_to_multiple_of")
        if let m = multipleOf, m <= 0 { throw json.fail("pad_to_multiple_of", "must be > 0") }
        padID = try json.int("pad_id", default: 0)
        padTypeID = try json.int("pad_type_id", default: 0)
        padToken = try json.string("pad_token", default: "[PAD]")
    }

    var json: StrictJSON {
        .object([("strategy", fixedLength.map { .object([("Fixed", .int($0))]) } ?? .string("BatchLongest")),
                 ("direction", .string(direction.rawValue)), ("pad_to_multiple_of", multipleOf.map { .int($0) } ?? .null),
                 ("pad_id", .int(padID)), ("pad_type_id", .int(padTypeID)), ("pad_token", .string(padToken))])
    }
}

/// The subword model with its data.
public enum SubwordModelKind: Sendable {
    case wordPiece(WordPieceModel)
    case unigram(UnigramModel)
    case bpe(BPEModel)

    var model: any SubwordModel {
        switch self {
        case let .wordPiece(m): m
        case let .unigram(m): m
        case let .bpe(m): m
        }
    }
}

/// Ids of the special tokens models need, found by their usual names (BERT and XLM-R styles).
public struct SpecialTokenIDs: Equatable, Sendable {
    public var pad: Int?
    public var unk: Int?
    /// [CLS] or <s>.
    public var cls: Int?
    /// [SEP] or </s>.
    public var sep: Int?
    public var mask: Int?
    public var bos: Int? { cls }
    public var eos: Int? { sep }
}

/// Per-thread buffers of the encoder: pre-tokenizer and model scratch, ICU iterators, and a cache
/// from a word's UTF-8 bytes to its ids (words repeat, so most are encoded once).
public final class EncoderState {
    let pre = PreTokenizerScratch()
    let model = ModelScratch()
    var text = AlignedText()
    var words: [WordSpan] = []
    var tokens = TokenBuffer()
    /// The normalizer's spare buffer, and the normalized text while normalized added tokens split it.
    var spare = AlignedText()
    var normalizedCopy = AlignedText()
    var cache: ByteSpanTable
    var cacheStart: [Int32] = []
    var cacheIDs: [Int32] = []
    /// The cache is cleared beyond this many words, bounding memory on endless streams.
    let cacheLimit: Int
    /// `expectedWords` sizes the word cache up front (batches know roughly how many distinct words
    /// they will meet), so it is not rehashed as it fills.
    public init(cacheLimit: Int = 1 << 20, expectedWords: Int = 1 << 13) {
        self.cacheLimit = cacheLimit
        cache = ByteSpanTable(capacity: min(max(expectedWords, 16), cacheLimit))
    }
}

/// Tokens of one sequence before post-processing.
struct RawTokens {
    var ids: [Int32] = []
    var starts: [Int32] = []
    var ends: [Int32] = []
    var words: [Int32] = []
    /// Added tokens matched in the text: their piece is the matched text, stripped white space included (as HF's tokens).
    var added: [Bool] = []
}

/// Normalizer → pre-tokenizer → subword model → post-processor, with offsets into the original text
/// at every step; the stages are those of tokenizer.json, each built by its kind's factory. A value
/// type whose stages are immutable: share it between threads, giving each thread its own
/// `EncoderState` (the batch functions do).
public struct Tokenizer: Sendable {
    public let normalizer: (any NormalizerStage)?
    public let preTokenizer: (any PreTokenizerStage)?
    public let modelKind: SubwordModelKind
    public let postProcessor: (any PostProcessorStage)?
    public let decoder: (any DecoderStage)?
    public let addedTokens: [AddedToken]
    /// The file's `truncation` and `padding`, applied as HF applies them: `encode` truncates and pads to a
    /// fixed length, `encodeBatch` pads to the batch's longest. Callers that batch themselves clear both.
    public var truncation: Truncation?
    public var padding: Padding?

    let normalizing: any TextNormalizer
    let splitting: (any PreTokenizer)?
    let model: any SubwordModel
    private let matcher: AddedTokenMatcher
    private let specialSet: Set<Int>
    /// Added tokens whose ids lie past the model's vocabulary (HF's `add_tokens` appends them there).
    private let addedBeyondModel: [Int: String]
    private let addedByContent: [String: Int]

    public init(normalizer: (any NormalizerStage)?, preTokenizer: (any PreTokenizerStage)?, model: SubwordModelKind,
                postProcessor: (any PostProcessorStage)?, decoder: (any DecoderStage)?, addedTokens: [AddedToken],
                truncation: Truncation? = nil, padding: Padding? = nil) throws {
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        modelKind = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedTokens = addedTokens
        self.truncation = truncation
        self.padding = padding
        normalizing = normalizer ?? IdentityNormalizer()
        splitting = preTokenizer
        self.model = model.model
        let modelSize = model.model.vocabulary.count
        var beyond: [Int: String] = [:], byContent: [String: Int] = [:]
        for t in addedTokens {
            if t.content.isEmpty { throw TokenizerError("added token with id \(t.id) is empty") }
            guard t.id >= 0 else { throw TokenizerError("added token \"\(excerpt(t.content))\" has a negative id \(t.id)") }
            // A normalized token's piece is its normalized content (what HF decodes it to).
            let piece = t.normalized ? String(decoding: Tokenizer.normalized(Array(t.content.utf8), normalizer ?? IdentityNormalizer()), as: UTF8.self) : t.content
            if t.id >= modelSize {
                if let other = beyond[t.id], other != piece {
                    throw TokenizerError("added tokens \"\(excerpt(other))\" and \"\(excerpt(piece))\" share id \(t.id)")
                }
                beyond[t.id] = piece
            }
            byContent[t.content] = t.id
            byContent[piece] = t.id
        }
        // HF numbers added tokens after the model's pieces without gaps; a gap would leave ids without a piece.
        let size = modelSize + beyond.count
        for id in beyond.keys where id >= size {
            throw TokenizerError("added token \"\(excerpt(beyond[id] ?? ""))\" has id \(id), outside the vocabulary (size \(size): \(modelSize) model pieces and \(beyond.count) added tokens after them)")
        }
        addedBeyondModel = beyond
        addedByContent = byContent
        let norm: any TextNormalizer = normalizer ?? IdentityNormalizer()
        matcher = AddedTokenMatcher(addedTokens, normalize: { (content: [UInt8]) -> [UInt8] in Tokenizer.normalized(content, norm) })
        specialSet = Set(addedTokens.filter(\.special).map(\.id))
        if let pp = postProcessor {
            for t in pp.insertedTokens where t.id < 0 || t.id >= size {
                throw TokenizerError("post-processor token \"\(excerpt(t.content))\" has id \(t.id), outside the vocabulary (size \(size))")
            }
        }
    }

    /// `bytes` through a normalizer (no alignment).
    static func normalized(_ bytes: [UInt8], _ normalizer: any TextNormalizer) -> [UInt8] {
        var out = AlignedText(tracksSource: false)
        bytes.withUnsafeBufferPointer { normalizer.normalize($0, base: 0, into: &out) }
        return out.bytes
    }

    /// Truncate encodings to this many tokens (special tokens included, from the right, longest first);
    /// nil = never. Setting it also turns the file's padding off: it is what code that builds its own
    /// batches (models, evaluators) sets.
    public var maxLength: Int? {
        get { truncation?.maxLength }
        set { truncation = newValue.map { Truncation(maxLength: $0) }; padding = nil }
    }

    /// The special added tokens.
    public var specialTokens: [AddedToken] { addedTokens.filter(\.special) }

    // MARK: Vocabulary

    /// The model's pieces and the added tokens numbered after them.
    public var vocabSize: Int { model.vocabulary.count + addedBeyondModel.count }
    public func id(for piece: String) -> Int? { addedByContent[piece] ?? model.vocabulary.id(for: piece) }
    public func piece(for id: Int) -> String? {
        if id >= 0 && id < model.vocabulary.count { return model.vocabulary.pieces[id] }
        return addedBeyondModel[id]
    }

    public var specialTokenIDs: SpecialTokenIDs {
        func find(_ names: [String]) -> Int? { names.lazy.compactMap { id(for: $0) }.first }
        var unk: Int?
        switch modelKind {
        case let .wordPiece(m): unk = Int(m.unkID)
        case let .unigram(m): unk = Int(m.unkID)
        case let .bpe(m): unk = m.unkID.map { Int($0) }
        }
        return SpecialTokenIDs(pad: find(["[PAD]", "<pad>"]), unk: unk, cls: find(["[CLS]", "<s>"]),
                               sep: find(["[SEP]", "</s>"]), mask: find(["[MASK]", "<mask>"]))
    }

    // MARK: Encoding

    /// Encodes one text: the file's truncation, then the post-processor's special tokens unless told not to.
    public func encode(_ text: String, addSpecialTokens: Bool = true, state: EncoderState? = nil) throws -> Encoding {
        let st = state ?? EncoderState()
        let seq = finish(try rawTokens(text, state: st, wordBase: 0), text: text, sequence: 0)
        return try postProcess([seq], addSpecialTokens: addSpecialTokens)
    }

    /// Encodes a sentence pair; type ids and the separator come from the post-processor. With
    /// truncation, its strategy decides which sequence loses tokens (LongestFirst: the longer one).
    public func encode(pair first: String, _ second: String, addSpecialTokens: Bool = true, state: EncoderState? = nil) throws -> Encoding {
        let st = state ?? EncoderState()
        let a = finish(try rawTokens(first, state: st, wordBase: 0), text: first, sequence: 0)
        let b = finish(try rawTokens(second, state: st, wordBase: 0), text: second, sequence: 1)
        return try postProcess([a, b], addSpecialTokens: addSpecialTokens)
    }

    /// Encodes pre-split words (tagging tasks): every token's `wordIndex` is the index of its word,
    /// so a label goes on `firstSubwordOfWord`. Offsets index `words.joined(separator: " ")`.
    public func encode(words: [String], addSpecialTokens: Bool = true, state: EncoderState? = nil) throws -> Encoding {
        let st = state ?? EncoderState()
        let joined = words.joined(separator: " ")
        var raw = RawTokens()
        var base = 0
        for (w, word) in words.enumerated() {
            var r = try rawTokens(word, state: st, wordBase: 0, firstSegment: w == 0)
            for k in 0..<r.ids.count {
                r.starts[k] += Int32(base); r.ends[k] += Int32(base)
                r.words[k] = Int32(w)
            }
            raw.ids += r.ids; raw.starts += r.starts; raw.ends += r.ends; raw.words += r.words; raw.added += r.added
            base += word.utf8.count + 1
        }
        return try postProcess([finish(raw, text: joined, sequence: 0)], addSpecialTokens: addSpecialTokens)
    }

    /// Truncation, then the post-processor, then one encoding.
    func postProcess(_ sequences: [Encoding], addSpecialTokens: Bool) throws -> Encoding {
        var seqs = sequences
        if let t = truncation {
            let added = addSpecialTokens ? (postProcessor?.addedTokens(pair: seqs.count > 1) ?? 0) : 0
            try Tokenizer.truncate(&seqs, t, budget: max(0, t.maxLength - added))
        }
        let parts = postProcessor?.process(seqs, addSpecialTokens: addSpecialTokens) ?? seqs
        guard var out = parts.first else { return Encoding() }
        for p in parts.dropFirst() { out.append(p) }
        // A fixed padding length applies to every encoding (the longest of a batch of one is itself).
        if padding?.fixedLength != nil { out = pad([out])[0] }
        return out
    }

    /// HF's truncation of one sequence or a pair to `budget` tokens.
    static func truncate(_ seqs: inout [Encoding], _ t: Truncation, budget: Int) throws {
        let left = t.direction == .left
        if seqs.count == 1 { seqs[0].truncate(to: budget, fromLeft: left); return }
        let total = seqs[0].count + seqs[1].count
        guard total > budget else { return }
        switch t.strategy {
        case .longestFirst:
            // HF's rule: the shorter sequence is kept whole when the longer can absorb the cut; otherwise
            // the shorter gets half the budget and the longer the rest.
            var short = seqs[0].count, long = seqs[1].count
            let swapped = short > long
            if swapped { swap(&short, &long) }
            long = short > budget ? short : max(short, budget - short)
            if short + long > budget { short = budget / 2; long = short + budget % 2 }
            let (n0, n1) = swapped ? (long, short) : (short, long)
            seqs[0].truncate(to: n0, fromLeft: left); seqs[1].truncate(to: n1, fromLeft: left)
        case .onlyFirst, .onlySecond:
            let k = t.strategy == .onlyFirst ? 0 : 1
            let excess = total - budget
            guard seqs[k].count > excess else {
                throw TokenizerError("truncation: the \(k == 0 ? "first" : "second") sequence (\(seqs[k].count) tokens) is too short to remove \(excess) tokens (strategy \(t.strategy.rawValue))")
            }
            seqs[k].truncate(to: seqs[k].count - excess, fromLeft: left)
        }
    }

    /// The file's padding applied to a batch (HF pads in `encode_batch` when the file has `padding`).
    /// Pad tokens have attention 0, special-token mask 1, no word and empty offsets.
    public func pad(_ encodings: [Encoding]) -> [Encoding] {
        guard let p = padding else { return encodings }
        var target = p.fixedLength ?? (encodings.map(\.count).max() ?? 0)
        if let m = p.multipleOf, target % m != 0 { target += m - target % m }
        return encodings.map { e in
            guard e.count < target else { return e }
            var pad = Encoding()
            for _ in 0..<(target - e.count) {
                var one = Encoding.special(p.padToken, id: p.padID, typeID: p.padTypeID)
                one.attentionMask = [0]
                pad.append(one)
            }
            if p.direction == .left { pad.append(e); return pad }
            var out = e
            out.append(pad)
            return out
        }
    }

    /// Encodes many texts across the thread pool, one `EncoderState` per worker, then applies the
    /// file's padding to the batch (as HF's `encode_batch` does).
    /// With `padBatch` false each text is padded only as `encode` pads it (a fixed length).
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true, padBatch: Bool = true) throws -> [Encoding] {
        let encodings = try mapInParallel(texts, empty: Encoding()) { text, state in try encode(text, addSpecialTokens: addSpecialTokens, state: state) }
        return padBatch ? pad(encodings) : encodings
    }

    /// Ids only, without special tokens, offsets or pieces: the fast path for corpora and benchmarks.
    /// Words go through the state's cache.
    public func encodeIDs(_ text: String, state: EncoderState) throws -> [Int32] {
        var out: [Int32] = []
        try appendIDs(text, state: state, to: &out)
        return out
    }

    /// `encodeIDs` for many texts across the thread pool.
    public func encodeIDsBatch(_ texts: [String]) throws -> [[Int32]] {
        try mapInParallel(texts, empty: []) { text, state in try encodeIDs(text, state: state) }
    }

    /// `body` over contiguous shares of `texts`, one share and one `EncoderState` per worker; the first
    /// error stops that share and is rethrown.
    private func mapInParallel<T>(_ texts: [String], empty: T, _ body: (String, EncoderState) throws -> T) throws -> [T] {
        var results = [T](repeating: empty, count: texts.count)
        var failure: Error?
        let parts = max(1, min(Threads.count, texts.count))
        let lock = NSLock()
        results.withUnsafeMutableBufferPointer { out in
            ParallelWork.run(chunks: parts) { p in
                let lo = texts.count * p / parts, hi = texts.count * (p + 1) / parts
                // About four distinct words per sentence, up to 64k, for the cache's initial size.
                let st = EncoderState(expectedWords: min(1 << 16, 4 * (hi - lo)))
                for i in lo..<hi {
                    do { out[i] = try body(texts[i], st) }
                    catch { lock.withLock { if failure == nil { failure = error } }; return }
                }
            }
        }
        if let failure { throw failure }
        return results
    }

    // MARK: Decoding

    /// Text from ids through the file's decoder (pieces joined by spaces when it has none, as HF does);
    /// special added tokens are skipped unless told otherwise. Unknown ids are an error.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) throws -> String {
        var pieces: [String] = []
        pieces.reserveCapacity(ids.count)
        for id in ids {
            guard let p = piece(for: id) else { throw TokenizerError("decode: id \(id) is outside the vocabulary (size \(vocabSize))") }
            if skipSpecialTokens && specialSet.contains(id) { continue }
            pieces.append(p)
        }
        guard let decoder else { return pieces.joined(separator: " ") }
        return decoder.decode(pieces)
    }

    /// The text the tokenizer actually encodes: `text` normalized and pre-tokenized, words passed through
    /// the decoder as pieces would be (so the whitespace marker turns back into spaces). For lossless
    /// tokenizers `decode(encode(x).ids) == normalizedText(x)`.
    public func normalizedText(_ text: String) throws -> String {
        let st = EncoderState()
        var pieces: [String] = []
        try forEachSegment(text, state: st, firstSegment: true) { segment in
            switch segment {
            case let .added(id, _, _): pieces.append(piece(for: Int(id)) ?? "")
            case .text:
                for w in st.words {
                    pieces.append(String(decoding: st.text.bytes[Int(w.start)..<Int(w.end)], as: UTF8.self))
                }
            }
        }
        guard let decoder else { return pieces.joined(separator: " ") }
        return decoder.decode(pieces)
    }

    // MARK: Internals

    enum Segment {
        /// An added token matched in the text, with its original byte range.
        case added(Int32, Int32, Int32)
        /// Normalized and pre-tokenized text, in `state.text` and `state.words`.
        case text
    }

    /// Splits raw text at added tokens (then normalized text at normalized ones); for each text segment
    /// runs normalizer and pre-tokenizer (leaving the result in `state.text` and `state.words`) and
    /// calls `body`, for each added token calls `body` with its id and original range.
    func forEachSegment(_ text: String, state: EncoderState, firstSegment: Bool, tracking: Bool = true, _ body: (Segment) throws -> Void) throws {
        var text = text
        state.text.tracksSource = tracking
        try text.withUTF8 { p in
            var segmentIndex = firstSegment ? 0 : 1
            func pretokenize() throws {
                state.words.removeAll(keepingCapacity: true)
                if let splitting {
                    try splitting.split(&state.text, words: &state.words, isFirstSegment: segmentIndex == 0, scratch: state.pre)
                } else if state.text.count > 0 {
                    state.words.append(WordSpan(start: 0, end: Int32(state.text.count)))
                }
                segmentIndex += 1
                try body(.text)
            }
            func runText(_ a: Int, _ b: Int) throws {
                if a >= b { return }
                state.text.removeAll()
                state.text.tracksSource = tracking || matcher.hasNormalized
                normalizing.normalize(UnsafeBufferPointer(rebasing: p[a..<b]), base: a, into: &state.text, spare: &state.spare)
                guard matcher.hasNormalized else { try pretokenize(); return }
                // Added tokens that match the normalized text split it further.
                var full = AlignedText()
                swap(&full, &state.normalizedCopy)
                defer { swap(&full, &state.normalizedCopy) }
                swap(&full, &state.text)
                try full.bytes.withUnsafeBufferPointer { q in
                    var from = 0
                    while let m = matcher.next(in: q, from: from, normalized: true) {
                        if m.start > from { try gap(from, m.start) }
                        let r = full.sourceRange(of: m.start..<m.end)
                        try body(.added(m.id, Int32(r.lowerBound), Int32(r.upperBound)))
                        segmentIndex += 1
                        from = m.end
                    }
                    if from < q.count { try gap(from, q.count) }
                }
                func gap(_ s: Int, _ e: Int) throws {
                    state.text.removeAll()
                    state.text.tracksSource = true
                    state.text.bytes += full.bytes[s..<e]
                    state.text.sourceStart += full.sourceStart[s..<e]; state.text.sourceEnd += full.sourceEnd[s..<e]
                    try pretokenize()
                }
            }
            guard matcher.hasRaw else { try runText(0, p.count); return }
            var from = 0
            while let m = matcher.next(in: p, from: from, normalized: false) {
                try runText(from, m.start)
                try body(.added(m.id, Int32(m.start), Int32(m.end)))
                segmentIndex += 1
                from = m.end
            }
            try runText(from, p.count)
        }
    }

    func rawTokens(_ text: String, state: EncoderState, wordBase: Int, firstSegment: Bool = true) throws -> RawTokens {
        var raw = RawTokens()
        var wordIndex = Int32(wordBase)
        try forEachSegment(text, state: state, firstSegment: firstSegment) { segment in
            switch segment {
            case let .added(id, start, end):
                // HF counts an added token in the text as a word of its own, not as a special token.
                raw.ids.append(id); raw.starts.append(start); raw.ends.append(end)
                raw.words.append(wordIndex); wordIndex += 1; raw.added.append(true)
            case .text:
                state.text.bytes.withUnsafeBufferPointer { bytes in
                    for w in state.words {
                        let ws = Int(w.start), we = Int(w.end)
                        if ws >= we { continue }
                        state.tokens.removeAll()
                        model.encode(UnsafeBufferPointer(rebasing: bytes[ws..<we]), into: &state.tokens, scratch: state.model)
                        for k in 0..<state.tokens.count {
                            let r = state.text.sourceRange(of: (ws + Int(state.tokens.starts[k]))..<(ws + Int(state.tokens.ends[k])))
                            raw.ids.append(state.tokens.ids[k]); raw.starts.append(Int32(r.lowerBound)); raw.ends.append(Int32(r.upperBound))
                            raw.words.append(wordIndex); raw.added.append(false)
                        }
                        wordIndex += 1
                    }
                }
            }
        }
        return raw
    }

    func appendIDs(_ text: String, state: EncoderState, to out: inout [Int32]) throws {
        // One dispatch per text instead of one existential call per word: the word loop below is
        // specialized for the concrete model, and a cache miss calls its `encode` directly.
        switch modelKind {
        case let .unigram(m): try appendIDs(text, model: m, state: state, to: &out)
        case let .wordPiece(m): try appendIDs(text, model: m, state: state, to: &out)
        case let .bpe(m): try appendIDs(text, model: m, state: state, to: &out)
        }
    }

    private func appendIDs<Model: SubwordModel>(_ text: String, model: Model, state: EncoderState, to out: inout [Int32]) throws {
        // The cache moves into locals for the call: class properties would pay an access check per word.
        var cache = ByteSpanTable(capacity: 0), cacheStart: [Int32] = [], cacheIDs: [Int32] = []
        swap(&cache, &state.cache); swap(&cacheStart, &state.cacheStart); swap(&cacheIDs, &state.cacheIDs)
        var tokens = TokenBuffer()
        swap(&tokens, &state.tokens)
        defer {
            swap(&cache, &state.cache); swap(&cacheStart, &state.cacheStart); swap(&cacheIDs, &state.cacheIDs)
            swap(&tokens, &state.tokens)
        }
        let limit = state.cacheLimit
        let modelScratch = state.model
        // Metaspace's `first` needs to know where the text's first character came from.
        try forEachSegment(text, state: state, firstSegment: true, tracking: preTokenizer?.needsSourceAlignment ?? false) { segment in
            switch segment {
            case let .added(id, _, _): out.append(id)
            case .text:
                out.reserveCapacity(out.count + 2 * state.words.count)
                state.text.bytes.withUnsafeBufferPointer { bytes in
                state.words.withUnsafeBufferPointer { words in
                    for w in words {
                        let ws = Int(w.start), we = Int(w.end)
                        if ws >= we { continue }
                        let h = ByteSpanTable.hash(bytes.baseAddress! + ws, we - ws)
                        let e = cache.find(bytes.baseAddress! + ws, we - ws, hash: h)
                        if e >= 0 {
                            let a = Int(cacheStart[e]), b = Int(cacheStart[e + 1])
                            if b - a == 1 {
                                // Most repeated words are one piece; skip the slice append.
                                out.append(cacheIDs[a])
                            } else {
                                cacheIDs.withUnsafeBufferPointer { c in out.append(contentsOf: UnsafeBufferPointer(rebasing: c[a..<b])) }
                            }
                            continue
                        }
                        tokens.removeAll()
                        model.encode(UnsafeBufferPointer(rebasing: bytes[ws..<we]), into: &tokens, scratch: modelScratch)
                        tokens.ids.withUnsafeBufferPointer { out.append(contentsOf: $0) }
                        if cache.count >= limit {
                            cache.removeAll(); cacheStart.removeAll(keepingCapacity: true); cacheIDs.removeAll(keepingCapacity: true)
                        }
                        if cacheStart.isEmpty { cacheStart.append(0) }
                        _ = cache.insertAbsent(bytes.baseAddress! + ws, we - ws, hash: h)
                        tokens.ids.withUnsafeBufferPointer { cacheIDs.append(contentsOf: $0) }
                        cacheStart.append(Int32(cacheIDs.count))
                    }
                }
                }
            }
        }
    }

    /// Builds the public encoding of one sequence: pieces and offsets in three units.
    func finish(_ raw: RawTokens, text: String, sequence: Int) -> Encoding {
        var e = Encoding()
        let n = raw.ids.count
        e.ids = raw.ids.map { Int($0) }
        let textBytes = Array(text.utf8)
        e.pieces = (0..<n).map { k in
            if raw.added[k], raw.starts[k] >= 0, raw.ends[k] <= textBytes.count, raw.starts[k] < raw.ends[k] {
                return String(decoding: textBytes[Int(raw.starts[k])..<Int(raw.ends[k])], as: UTF8.self)
            }
            return piece(for: Int(raw.ids[k])) ?? ""
        }
        // A pair's second sequence has type id 1 until a post-processor says otherwise (as in HF).
        e.typeIDs = Array(repeating: sequence, count: n)
        e.specialTokensMask = Array(repeating: false, count: n)
        e.attentionMask = Array(repeating: 1, count: n)
        e.wordIndex = raw.words.map { $0 < 0 ? nil : Int($0) }
        e.sequenceIndex = Array(repeating: sequence, count: n)
        let table = OffsetTable(text)
        e.byteOffsets.reserveCapacity(n); e.utf16Offsets.reserveCapacity(n); e.scalarOffsets.reserveCapacity(n)
        for k in 0..<n {
            let a = Int(raw.starts[k]), b = Int(raw.ends[k])
            e.byteOffsets.append(a..<b)
            e.utf16Offsets.append(table.utf16(a)..<table.utf16(b))
            e.scalarOffsets.append(table.scalar(a)..<table.scalar(b))
        }
        return e
    }
}

/// UTF-8 byte offset → UTF-16 and scalar offsets of one text.
struct OffsetTable {
    private var utf16At: [Int32]
    private var scalarAt: [Int32]

    init(_ text: String) {
        let bytes = Array(text.utf8)
        utf16At = Array(repeating: 0, count: bytes.count + 1)
        scalarAt = Array(repeating: 0, count: bytes.count + 1)
        var u16: Int32 = 0, sc: Int32 = 0
        var i = 0
        while i < bytes.count {
            let len = UTF8Coding.sequenceLength(bytes[i])
            for k in 0..<len where i + k < bytes.count { utf16At[i + k] = u16; scalarAt[i + k] = sc }
            u16 += len == 4 ? 2 : 1
            sc += 1
            i += len
        }
        utf16At[bytes.count] = u16
        scalarAt[bytes.count] = sc
    }

    func utf16(_ byte: Int) -> Int { Int(utf16At[min(max(0, byte), utf16At.count - 1)]) }
    func scalar(_ byte: Int) -> Int { Int(scalarAt[min(max(0, byte), scalarAt.count - 1)]) }
}
