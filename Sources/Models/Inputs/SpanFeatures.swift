import Platform
import Text

// Extractive-QA inputs: windows (`SpanFeatures.encode`), training targets (`SpanExampleEncoding.targets`) and the
// answer from logits (`SpanExampleEncoding.predict`). The layout and how it differs from HF's run_qa: `SpanFeatures`.

/// An error in one QA example: which example, which field, what is wrong.
public struct SpanInputError: PolyglotError, Equatable {
    public let example: String
    public let field: String
    public let message: String
    public init(example: String, field: String, _ message: String) {
        self.example = example; self.field = field; self.message = message
    }
    public var description: String { "QA example \(example), \(field): \(message)" }
}

/// One encoded window of a (question, context) example.
public struct SpanFeature: Sendable, Equatable {
    public var ids: [Int32]
    /// Token types as the post-processor sets them (BERT: 0 on `[CLS] q [SEP]`, 1 on `c [SEP]`; RoBERTa: all 0).
    public var tokenTypes: [Int32]
    /// 1 on the window's context tokens: where an answer may start or end.
    public var candidateMask: [Int32]
    /// The context tokens of the window and where they sit in `ids`.
    public var window: SpanWindow
}

/// Where the (first) answer of an example lies relative to one window.
public enum SpanAnswerPlacement: Equatable, Sendable {
    /// Wholly inside the window's context: the target positions in the window's sequence.
    case inside(start: Int, end: Int)
    /// Partly in the window: the window boundary cuts it (target (0, 0)).
    case cut
    /// No token of the answer is in the window (target (0, 0)).
    case absent
    /// The example has no answer, or its answer overlaps no context token (target (0, 0)).
    case unmapped
}

/// Counts of how answers fell into windows, summed over examples with `add`.
public struct SpanTargetReport: Equatable, Sendable {
    public var examples = 0
    public var windows = 0
    /// Windows holding the whole answer (trained on its span).
    public var windowsWithAnswer = 0
    /// Windows holding part of the answer, cut by the window boundary (trained on position 0).
    public var windowsCut = 0
    /// Windows holding none of the answer (trained on position 0).
    public var windowsWithoutAnswer = 0
    /// Ids of examples without an answer or whose answer overlaps no context token (white space only,
    /// empty): all their windows are trained on position 0.
    public var unmappedExamples: [String] = []

    public init() {}

    public mutating func add(_ other: SpanTargetReport) {
        examples += other.examples; windows += other.windows; windowsWithAnswer += other.windowsWithAnswer
        windowsCut += other.windowsCut; windowsWithoutAnswer += other.windowsWithoutAnswer
        unmappedExamples += other.unmappedExamples
    }
}

/// Training targets of one example: a start and an end position per window.
public struct SpanTargets: Equatable, Sendable {
    public var startPositions: [Int32]
    public var endPositions: [Int32]
    public var placements: [SpanAnswerPlacement]
    public var report: SpanTargetReport
}

/// The answer predicted for one example: a byte slice of its context.
public struct SpanAnswerPrediction: Equatable, Sendable {
    /// The context's bytes from the start token's first byte to the end token's last byte (white space and
    /// case inside kept as in the context); "" when no window has a valid span.
    public var text: String
    /// That slice's UTF-8 byte range in the context; nil when there is no valid span.
    public var byteRange: Range<Int>?
    /// Start logit + end logit of the span; -∞ when there is none.
    public var score: Float
    /// The window it came from and its first and last context token (indices into the whole context's
    /// tokens); nil when there is none.
    public var window: Int?
    public var tokens: ClosedRange<Int>?

    public static let noSpan = SpanAnswerPrediction(text: "", byteRange: nil, score: -.infinity, window: nil, tokens: nil)
}

/// A QA example split into windows, with the context tokens' byte ranges in the context.
public struct SpanExampleEncoding: Sendable {
    /// The example's identifier, used in errors and reports.
    public var exampleID: String
    /// Question tokens cut by `maxQuestionTokens` (0: the question is whole).
    public var questionTokensCut = 0
    public var features: [SpanFeature]
    /// Per context token (of the whole context, before windowing): its UTF-8 byte range in the context,
    /// as the tokenizer gives it.
    public var contextByteOffsets: [Range<Int>]
    /// The context's UTF-8 bytes (answers are sliced from them).
    public var contextBytes: [UInt8]

    /// The first and last context token overlapping `answer` (a byte range of the context); nil when no
    /// token overlaps it (white space only, empty).
    public func overlappingTokens(_ answer: Range<Int>) -> ClosedRange<Int>? {
        var first: Int?, last: Int?
        for (k, r) in contextByteOffsets.enumerated() where r.lowerBound < answer.upperBound && r.upperBound > answer.lowerBound {
            if first == nil { first = k }
            last = k
        }
        guard let first, let last else { return nil }
        return first...last
    }

    /// Where `answer` lies relative to window `w`. Inside (as `run_qa`): the window's first context token
    /// starts at or before the answer start and its last one ends at or after the answer end; then the start
    /// is the last context token of the window starting at or before the answer start, and the end the
    /// first one from which every token up to the window's end ends at or after the answer end.
    public func placement(window w: Int, answer: Range<Int>) -> SpanAnswerPlacement {
        guard overlappingTokens(answer) != nil else { return .unmapped }
        let win = features[w].window
        let lo = win.contextStart, hi = win.contextStart + win.contextLength
        guard hi > lo else { return .absent }
        let offs = contextByteOffsets
        if offs[lo].lowerBound <= answer.lowerBound && offs[hi - 1].upperBound >= answer.upperBound {
            var start = lo
            for k in lo..<hi where offs[k].lowerBound <= answer.lowerBound { start = k }
            // run_qa scans down from the last token and stops at the first that ends before the answer.
            var k = hi - 1
            while k >= lo && offs[k].upperBound >= answer.upperBound { k -= 1 }
            let end = max(lo, k + 1)
            return .inside(start: start - lo + win.sequenceOffset, end: end - lo + win.sequenceOffset)
        }
        let touches = (lo..<hi).contains { offs[$0].lowerBound < answer.upperBound && offs[$0].upperBound > answer.lowerBound }
        return touches ? .cut : .absent
    }

    /// Training targets for the example's first answer (`answer`, a byte range of the context; nil when
    /// it has none): its positions in windows that hold it whole, (0, 0) — the first position, `[CLS]` or
    /// `<s>` — in the others, with the counts. Throws when the range lies outside the context or splits a
    /// UTF-8 sequence.
    public func targets(answer: Range<Int>?) throws -> SpanTargets {
        var report = SpanTargetReport()
        report.examples = 1
        report.windows = features.count
        if let a = answer {
            guard a.lowerBound >= 0, a.upperBound <= contextBytes.count else {
                throw SpanInputError(example: exampleID, field: "answers[0].range",
                                     "bytes \(a.lowerBound)..<\(a.upperBound) lie outside the context (\(contextBytes.count) bytes)")
            }
            for b in [a.lowerBound, a.upperBound] where b < contextBytes.count && contextBytes[b] & 0xC0 == 0x80 {
                throw SpanInputError(example: exampleID, field: "answers[0].range",
                                     "byte \(b) of \(a.lowerBound)..<\(a.upperBound) is inside a UTF-8 sequence of the context")
            }
        }
        var starts: [Int32] = [], ends: [Int32] = [], placements: [SpanAnswerPlacement] = []
        for w in features.indices {
            let p = answer.map { placement(window: w, answer: $0) } ?? .unmapped
            placements.append(p)
            switch p {
            case let .inside(s, e): starts.append(Int32(s)); ends.append(Int32(e)); report.windowsWithAnswer += 1
            case .cut: starts.append(0); ends.append(0); report.windowsCut += 1
            case .absent: starts.append(0); ends.append(0); report.windowsWithoutAnswer += 1
            case .unmapped: starts.append(0); ends.append(0)
            }
        }
        if answer.flatMap(overlappingTokens) == nil { report.unmappedExamples = [exampleID] }
        return SpanTargets(startPositions: starts, endPositions: ends, placements: placements, report: report)
    }

    /// The answer from per-window start and end logits (one row per feature, at least as long as its ids;
    /// longer rows are padding), as HF's `postprocess_qa_predictions` picks it: in each window the
    /// `nBest` highest start logits and `nBest` highest end logits among its context tokens (ties: the
    /// earlier position), every pair with start ≤ end and at most `maxAnswerLength` tokens, scored start +
    /// end logit; the best over all windows wins (ties: the earlier window, then the higher-ranked start,
    /// then end). HF ranks the `nBest` over all positions before dropping non-context ones, so it can see
    /// fewer candidates. No valid span gives `SpanAnswerPrediction.noSpan` (text "").
    public func predict(startLogits: [[Float]], endLogits: [[Float]], nBest: Int = 20, maxAnswerLength: Int = 30) throws -> SpanAnswerPrediction {
        guard startLogits.count == features.count, endLogits.count == features.count else {
            throw SpanInputError(example: exampleID, field: "logits",
                                 "\(startLogits.count) start and \(endLogits.count) end rows for \(features.count) windows")
        }
        guard nBest > 0, maxAnswerLength > 0 else {
            throw SpanInputError(example: exampleID, field: "n_best/max_answer_length", "must be > 0 (got \(nBest), \(maxAnswerLength))")
        }
        var best = SpanAnswerPrediction.noSpan
        for (w, f) in features.enumerated() {
            let s = startLogits[w], e = endLogits[w]
            guard s.count >= f.ids.count, e.count >= f.ids.count else {
                throw SpanInputError(example: exampleID, field: "logits[\(w)]",
                                     "\(s.count) start and \(e.count) end logits for a window of \(f.ids.count) tokens")
            }
            let positions = Array(f.window.sequenceOffset..<(f.window.sequenceOffset + f.window.contextLength))
            func top(_ l: [Float]) -> [Int] {
                Array(positions.sorted { l[$0] > l[$1] || (l[$0] == l[$1] && $0 < $1) }.prefix(nBest))
            }
            let ends = top(e)
            for i in top(s) {
                for j in ends where j >= i && j - i + 1 <= maxAnswerLength {
                    let score = s[i] + e[j]
                    guard !score.isNaN, best.window == nil || score > best.score else { continue }
                    let a = i - f.window.sequenceOffset + f.window.contextStart, b = j - f.window.sequenceOffset + f.window.contextStart
                    best = SpanAnswerPrediction(text: "", byteRange: nil, score: score, window: w, tokens: a...b)
                }
            }
        }
        guard let tokens = best.tokens else { return .noSpan }
        let lo = contextByteOffsets[tokens.lowerBound].lowerBound
        let hi = max(lo, contextByteOffsets[tokens.upperBound].upperBound)
        best.byteRange = lo..<hi
        best.text = String(decoding: contextBytes[lo..<hi], as: UTF8.self)
        return best
    }
}

/// Extractive-QA inputs (SQuAD-style), as Hugging Face's `run_qa.py` builds them: the question whole, then
/// as many context tokens as fit in `maxLength`, and further windows over the context that share `stride`
/// tokens with the one before (`doc_stride`), until the context ends. Special tokens and token types are
/// the tokenizer's pair post-processor's (BERT: `[CLS] q [SEP] c [SEP]`, types 0/1; RoBERTa/XLM-R:
/// `<s> q </s></s> c </s>`, one type). All positions in the text are UTF-8 byte offsets.
///
/// Differences from `run_qa.py`, on purpose:
/// - windows are not padded to `maxLength` (the batcher pads);
/// - the question is not left-stripped of white space (pass it stripped if the data has such questions);
/// - a question too long to leave more than `stride` context tokens per window is an error for the
///   example, whatever the context's length (HF fails only when a window is actually needed);
/// - an answer whose bytes no context token overlaps (white space only, or empty) trains every window on
///   position 0 and is counted in `SpanTargetReport.unmappedExamples` (`run_qa` would train on the tokens
///   around the white space);
/// - an answer starting in a window's last context token starts there (`run_qa`'s start loop runs on into
///   the final separator, whose offsets are (0, 0), and yields a start after the end);
/// - every window gets the template's token types (HF `tokenizers` leaves type 1 on the context of the
///   overflowing windows after the first even where the template says 0, as XLM-R's does).
public enum SpanFeatures {
    /// Encodes one example: `id` names it in errors and reports. The tokenizer's own truncation and padding
    /// are ignored. Throws when the question (with the pair's special tokens) leaves no more than `stride`
    /// context tokens per window, saying the lengths, and when the post-processor does not place the
    /// context as one run of tokens.
    /// `maxQuestionTokens` (nil: no limit) keeps a question's first tokens only, as BERT's `run_squad`
    /// (`max_query_length`); the encoding counts what it cut.
    public static func encode(id: String, question: String, context: String, tokenizer: Tokenizer, maxLength: Int,
                              stride: Int, maxQuestionTokens: Int? = nil) throws -> SpanExampleEncoding {
        guard maxLength > 0, stride >= 0 else {
            throw SpanInputError(example: id, field: "max_length/doc_stride", "max_length \(maxLength) must be > 0 and doc_stride \(stride) ≥ 0")
        }
        var tok = tokenizer
        tok.maxLength = nil
        // Each sequence is encoded on its own (as HF encodes a pair); offsets come from this pass, where a
        // byte-level post-processor trims them once.
        let pair = try tok.encode(pair: question, context, addSpecialTokens: false)
        var q = Encoding(), c = Encoding()
        for k in 0..<pair.count {
            switch pair.sequenceIndex[k] {
            case 0?: Self.appendToken(k, of: pair, to: &q)
            case 1?: Self.appendToken(k, of: pair, to: &c)
            default: continue
            }
        }
        var cut = 0
        if let limit = maxQuestionTokens, q.count > limit {
            cut = q.count - limit
            var kept = Encoding()
            for k in 0..<limit { Self.appendToken(k, of: q, to: &kept) }
            q = kept
        }
        let specials = tok.postProcessor?.addedTokens(pair: true) ?? 0
        let capacity = maxLength - q.count - specials
        guard capacity > stride else {
            throw SpanInputError(example: id, field: "question",
                                 "\(q.count) question tokens and \(specials) special tokens leave \(max(0, capacity)) context tokens per window of max_length \(maxLength); more than doc_stride \(stride) are needed (the question is not truncated)")
        }
        var windows = SpanWindows.split(contextLength: c.count, contextCapacity: capacity, stride: stride, sequenceOffset: 0)
        var features: [SpanFeature] = []
        for wi in windows.indices {
            let w = windows[wi]
            var cw = Encoding()
            for k in w.contextStart..<(w.contextStart + w.contextLength) { Self.appendToken(k, of: c, to: &cw) }
            let parts: [Encoding]
            if let pp = tok.postProcessor {
                parts = pp.process([q, cw], addSpecialTokens: true)
            } else {
                var a = q, b = cw
                a.typeIDs = Array(repeating: 0, count: a.count); b.typeIDs = Array(repeating: 1, count: b.count)
                parts = [a, b]
            }
            var ids: [Int32] = [], types: [Int32] = [], contextPositions: [Int] = []
            for part in parts {
                for k in 0..<part.count {
                    if part.sequenceIndex[k] == 1 && !part.specialTokensMask[k] { contextPositions.append(ids.count) }
                    ids.append(Int32(part.ids[k])); types.append(Int32(part.typeIDs[k]))
                }
            }
            let offset = contextPositions.first ?? 0
            guard contextPositions.count == w.contextLength, contextPositions.last.map({ $0 - offset + 1 == w.contextLength }) ?? true,
                  ids.count == q.count + w.contextLength + specials else {
                throw SpanInputError(example: id, field: "window \(wi)",
                                     "the post-processor placed \(contextPositions.count) of \(w.contextLength) context tokens in \(ids.count) positions, not as one run after \(q.count) question tokens and \(specials) special tokens")
            }
            windows[wi].sequenceOffset = offset
            features.append(SpanFeature(ids: ids, tokenTypes: types,
                                        candidateMask: SpanWindows.candidateMask(window: windows[wi], length: ids.count), window: windows[wi]))
        }
        var encoding = SpanExampleEncoding(exampleID: id, features: features, contextByteOffsets: c.byteOffsets, contextBytes: Array(context.utf8))
        encoding.questionTokensCut = cut
        return encoding
    }

    /// Encodes many examples and their first answers' targets (nil: no answer), with the summed report.
    public static func trainingFeatures(_ examples: [(id: String, question: String, context: String, answer: Range<Int>?)],
                                        tokenizer: Tokenizer, maxLength: Int, stride: Int) throws
        -> (encodings: [SpanExampleEncoding], targets: [SpanTargets], report: SpanTargetReport) {
        var encodings: [SpanExampleEncoding] = [], targets: [SpanTargets] = [], report = SpanTargetReport()
        for ex in examples {
            let enc = try encode(id: ex.id, question: ex.question, context: ex.context, tokenizer: tokenizer, maxLength: maxLength, stride: stride)
            let t = try enc.targets(answer: ex.answer)
            report.add(t.report)
            encodings.append(enc); targets.append(t)
        }
        return (encodings, targets, report)
    }

    /// Token `k` of `e` appended to `out`, every field.
    static func appendToken(_ k: Int, of e: Encoding, to out: inout Encoding) {
        out.ids.append(e.ids[k]); out.pieces.append(e.pieces[k]); out.typeIDs.append(e.typeIDs[k])
        out.specialTokensMask.append(e.specialTokensMask[k]); out.attentionMask.append(e.attentionMask[k])
        out.wordIndex.append(e.wordIndex[k]); out.sequenceIndex.append(e.sequenceIndex[k])
        out.byteOffsets.append(e.byteOffsets[k]); out.utf16Offsets.append(e.utf16Offsets[k]); out.scalarOffsets.append(e.scalarOffsets[k])
    }
}
