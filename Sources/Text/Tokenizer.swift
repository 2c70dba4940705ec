import Foundation
import Platform

/// A special (added) token: matched verbatim in raw text before normalization, never split.
public struct SpecialToken: Codable, Equatable, Sendable {
    public var content: String
    public var id: Int
    public init(content: String, id: Int) { self.content = content; self.id = id }
}

/// Which normalizer a tokenizer uses (what tokenizer.json stores).
public enum NormalizerSpec: Codable, Equatable, Sendable {
    case none
    case bert(BertNormalizer.Config)
    case icu(ICUNormalizer.Config)

    func make() -> any TextNormalizer {
        switch self {
        case .none: IdentityNormalizer()
        case let .bert(c): BertNormalizer(c)
        case let .icu(c): ICUNormalizer(c)
        }
    }
}

/// Which pre-tokenizer a tokenizer uses.
public enum PreTokenizerSpec: Codable, Equatable, Sendable {
    case bert
    case metaspace(prependScheme: MetaspacePreTokenizer.PrependScheme, split: Bool)
    case icu(ICUWordPreTokenizer.Config)

    func make() throws -> any PreTokenizer {
        switch self {
        case .bert: BertPreTokenizer()
        case let .metaspace(p, s): MetaspacePreTokenizer(prependScheme: p, split: s)
        case let .icu(c): try ICUWordPreTokenizer(c)
        }
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
    var special: [Bool] = []
}

/// Normalizer → pre-tokenizer → subword model → post-processor, with offsets into the original text
/// at every step. A value type whose stages are immutable: share it between threads, giving each
/// thread its own `EncoderState` (the batch functions do).
public struct Tokenizer: Sendable {
    public let normalizerSpec: NormalizerSpec
    public let preTokenizerSpec: PreTokenizerSpec
    public let modelKind: SubwordModelKind
    public let postProcessor: TemplatePostProcessor?
    public let decoder: PieceDecoder
    public let specialTokens: [SpecialToken]
    /// Truncate encodings to this many tokens (special tokens included); nil = never.
    public var maxLength: Int?

    let normalizer: any TextNormalizer
    let preTokenizer: any PreTokenizer
    let model: any SubwordModel
    private let specialFirstBytes: [Bool]
    private let specialBytes: [([UInt8], Int32)]
    private let specialSet: Set<Int>

    public init(normalizer: NormalizerSpec, preTokenizer: PreTokenizerSpec, model: SubwordModelKind,
                postProcessor: TemplatePostProcessor?, decoder: PieceDecoder, specialTokens: [SpecialToken], maxLength: Int? = nil) throws {
        normalizerSpec = normalizer
        preTokenizerSpec = preTokenizer
        modelKind = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.specialTokens = specialTokens
        self.maxLength = maxLength
        self.normalizer = normalizer.make()
        self.preTokenizer = try preTokenizer.make()
        self.model = model.model
        var first = [Bool](repeating: false, count: 256)
        var bytes: [([UInt8], Int32)] = []
        for t in specialTokens {
            guard t.id >= 0 && t.id < model.model.vocabulary.count else {
                throw TokenizerError("special token \"\(excerpt(t.content))\" has id \(t.id), outside the vocabulary (size \(model.model.vocabulary.count))")
            }
            let u = Array(t.content.utf8)
            if u.isEmpty { throw TokenizerError("special token with id \(t.id) is empty") }
            first[Int(u[0])] = true
            bytes.append((u, Int32(t.id)))
        }
        // Longest first, so "<s>" never shadows a longer token that starts the same way.
        specialBytes = bytes.sorted { $0.0.count > $1.0.count }
        specialFirstBytes = first
        specialSet = Set(specialTokens.map(\.id))
        if let pp = postProcessor {
            for item in pp.single + pp.pair {
                if case let .special(s, _) = item, self.model.vocabulary.id(for: s) == nil {
                    throw TokenizerError("post-processor token \"\(excerpt(s))\" is not in the vocabulary")
                }
            }
        }
    }

    // MARK: Vocabulary

    public var vocabSize: Int { model.vocabulary.count }
    public func id(for piece: String) -> Int? { model.vocabulary.id(for: piece) }
    public func piece(for id: Int) -> String? {
        id >= 0 && id < model.vocabulary.count ? model.vocabulary.pieces[id] : nil
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

    /// Encodes one text, adding the post-processor's special tokens unless told not to.
    public func encode(_ text: String, addSpecialTokens: Bool = true, state: EncoderState? = nil) throws -> Encoding {
        let st = state ?? EncoderState()
        let raw = try rawTokens(text, state: st, wordBase: 0)
        var seq = finish(raw, text: text, sequence: 0)
        if let maxLength {
            let budget = maxLength - (addSpecialTokens ? (postProcessor?.addedCount(pair: false) ?? 0) : 0)
            seq.truncate(to: budget)
        }
        return addSpecialTokens ? applyTemplate([seq], pair: false) : seq
    }

    /// Encodes a sentence pair; type ids and the separator come from the post-processor's template.
    /// With `maxLength`, the longer sequence loses tokens first.
    public func encode(pair first: String, _ second: String, addSpecialTokens: Bool = true, state: EncoderState? = nil) throws -> Encoding {
        let st = state ?? EncoderState()
        var a = finish(try rawTokens(first, state: st, wordBase: 0), text: first, sequence: 0)
        var b = finish(try rawTokens(second, state: st, wordBase: 0), text: second, sequence: 1)
        if let maxLength {
            let budget = maxLength - (addSpecialTokens ? (postProcessor?.addedCount(pair: true) ?? 0) : 0)
            while a.count + b.count > max(0, budget) {
                if a.count >= b.count { a.truncate(to: a.count - 1) } else { b.truncate(to: b.count - 1) }
            }
        }
        if !addSpecialTokens { a.append(b); return a }
        return applyTemplate([a, b], pair: true)
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
                r.words[k] = r.special[k] ? -1 : Int32(w)
            }
            raw.ids += r.ids; raw.starts += r.starts; raw.ends += r.ends; raw.words += r.words; raw.special += r.special
            base += word.utf8.count + 1
        }
        var seq = finish(raw, text: joined, sequence: 0)
        if let maxLength {
            seq.truncate(to: maxLength - (addSpecialTokens ? (postProcessor?.addedCount(pair: false) ?? 0) : 0))
        }
        return addSpecialTokens ? applyTemplate([seq], pair: false) : seq
    }

    /// Encodes many texts across the thread pool, one `EncoderState` per worker.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true) throws -> [Encoding] {
        try mapInParallel(texts, empty: Encoding()) { text, state in try encode(text, addSpecialTokens: addSpecialTokens, state: state) }
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

    /// Text from ids; special tokens are skipped unless told otherwise. Unknown ids are an error.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) throws -> String {
        var pieces: [String] = []
        pieces.reserveCapacity(ids.count)
        for id in ids {
            guard let p = piece(for: id) else { throw TokenizerError("decode: id \(id) is outside the vocabulary (size \(vocabSize))") }
            if skipSpecialTokens && specialSet.contains(id) { continue }
            pieces.append(p)
        }
        return decoder.decode(pieces)
    }

    /// The text the tokenizer actually encodes: `text` normalized and pre-tokenized, with the
    /// whitespace marker turned back into spaces as `decode` does. For lossless tokenizers
    /// `decode(encode(x).ids) == normalizedText(x)`.
    public func normalizedText(_ text: String) throws -> String {
        let st = EncoderState()
        var pieces: [String] = []
        try forEachSegment(text, state: st, firstSegment: true) { segment in
            switch segment {
            case let .special(id): pieces.append(model.vocabulary.pieces[Int(id)])
            case .text:
                for w in st.words {
                    pieces.append(String(decoding: st.text.bytes[Int(w.start)..<Int(w.end)], as: UTF8.self))
                }
            }
        }
        switch decoder {
        case .metaspace: return decoder.decode(pieces)
        case .wordPiece: return pieces.joined(separator: " ")
        }
    }

    // MARK: Internals

    enum Segment { case special(Int32), text }

    /// Splits raw text at special tokens; for each text segment runs normalizer and pre-tokenizer
    /// (leaving the result in `state.text` and `state.words`) and calls `body`.
    func forEachSegment(_ text: String, state: EncoderState, firstSegment: Bool, tracking: Bool = true, _ body: (Segment) throws -> Void) throws {
        var text = text
        state.text.tracksSource = tracking
        try text.withUTF8 { p in
            var segStart = 0
            var i = 0
            var segmentIndex = firstSegment ? 0 : 1
            let n = p.count
            func runText(_ a: Int, _ b: Int) throws {
                if a >= b { return }
                state.text.removeAll()
                state.text.tracksSource = tracking
                state.words.removeAll(keepingCapacity: true)
                normalizer.normalize(UnsafeBufferPointer(rebasing: p[a..<b]), base: a, into: &state.text)
                try preTokenizer.split(&state.text, words: &state.words, isFirstSegment: segmentIndex == 0, scratch: state.pre)
                segmentIndex += 1
                try body(.text)
            }
            if !specialBytes.isEmpty {
                while i < n {
                    if specialFirstBytes[Int(p[i])] {
                        var matched: ([UInt8], Int32)?
                        for s in specialBytes where s.0.count <= n - i {
                            var ok = true
                            for k in 0..<s.0.count where p[i + k] != s.0[k] { ok = false; break }
                            if ok { matched = s; break }
                        }
                        if let m = matched {
                            try runText(segStart, i)
                            state.text.removeAll()
                            state.text.tracksSource = tracking
                            state.text.append(0, from: Int32(i), to: Int32(i + m.0.count))
                            try body(.special(m.1))
                            i += m.0.count
                            segStart = i
                            segmentIndex += 1
                            continue
                        }
                    }
                    i += 1
                }
            }
            try runText(segStart, n)
        }
    }

    func rawTokens(_ text: String, state: EncoderState, wordBase: Int, firstSegment: Bool = true) throws -> RawTokens {
        var raw = RawTokens()
        var wordIndex = Int32(wordBase)
        try forEachSegment(text, state: state, firstSegment: firstSegment) { segment in
            switch segment {
            case let .special(id):
                raw.ids.append(id); raw.starts.append(state.text.sourceStart[0]); raw.ends.append(state.text.sourceEnd[0])
                raw.words.append(-1); raw.special.append(true)
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
                            raw.words.append(wordIndex); raw.special.append(false)
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
        try forEachSegment(text, state: state, firstSegment: true, tracking: false) { segment in
            switch segment {
            case let .special(id): out.append(id)
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
        e.pieces = raw.ids.map { model.vocabulary.pieces[Int($0)] }
        e.typeIDs = Array(repeating: 0, count: n)
        e.specialTokensMask = raw.special
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

    func applyTemplate(_ sequences: [Encoding], pair: Bool) -> Encoding {
        guard let pp = postProcessor else {
            var out = Encoding()
            for s in sequences { out.append(s) }
            return out
        }
        var out = Encoding()
        for item in pair ? pp.pair : pp.single {
            switch item {
            case let .special(content, typeID):
                let id = model.vocabulary.id(for: content)!
                out.ids.append(id); out.pieces.append(content); out.typeIDs.append(typeID)
                out.specialTokensMask.append(true); out.wordIndex.append(nil); out.sequenceIndex.append(nil)
                out.byteOffsets.append(0..<0); out.utf16Offsets.append(0..<0); out.scalarOffsets.append(0..<0)
            case let .sequence(which, typeID):
                guard which < sequences.count else { continue }
                var s = sequences[which]
                s.typeIDs = Array(repeating: typeID, count: s.count)
                out.append(s)
            }
        }
        return out
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
