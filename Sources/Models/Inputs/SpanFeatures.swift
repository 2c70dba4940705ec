import Platform
import Text

/// One encoded window of a (question, context) example: `[CLS] question [SEP] context-window [SEP]`.
public struct SpanFeature: Sendable {
    public var ids: [Int32]
    /// 0 on the question part, 1 on the context part (all 0 when the encoder has one token type).
    public var tokenTypes: [Int32]
    /// 1 on the window's context tokens: where an answer may start or end.
    public var candidateMask: [Int32]
    public var window: SpanWindow
}

/// A QA example split into windows, with the context tokens' positions in the context text.
public struct SpanExampleEncoding: Sendable {
    public var features: [SpanFeature]
    /// Per context token: its range in the context, in Unicode scalars (SQuAD's character offsets).
    public var contextOffsets: [Range<Int>]

    /// The context tokens covering a gold answer given as a scalar range of the context; nil when no
    /// token overlaps it (the answer was cut off or lies in whitespace).
    public func tokenSpan(answer: Range<Int>) -> (start: Int, end: Int)? {
        var start: Int?, end: Int?
        for (i, r) in contextOffsets.enumerated() where r.lowerBound < answer.upperBound && r.upperBound > answer.lowerBound {
            if start == nil { start = i }
            end = i
        }
        guard let start, let end else { return nil }
        return (start, end)
    }

    /// Training targets per window: the gold span's sequence positions, or [CLS] (0, 0) for windows
    /// that do not contain it whole (as HF's run_qa does).
    public func targets(answer: Range<Int>) -> (start: [Int32], end: [Int32]) {
        let span = tokenSpan(answer: answer)
        var s: [Int32] = [], e: [Int32] = []
        for f in features {
            if let span, let t = SpanWindows.target(window: f.window, answerStart: span.start, answerEnd: span.end) {
                s.append(Int32(t.start)); e.append(Int32(t.end))
            } else { s.append(0); e.append(0) }
        }
        return (s, e)
    }

    /// The context text a predicted span (in context tokens, from `SpanWindows.combine`) covers.
    public func answerText(_ span: PredictedSpan, context: String) -> String {
        let scalars = Array(context.unicodeScalars)
        let lo = contextOffsets[span.start].lowerBound, hi = contextOffsets[span.end].upperBound
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[lo..<hi])
        return String(s)
    }
}

/// Builds QA inputs from text: the question (capped at `maxQuestionTokens`) and as much context as
/// fits in `maxLength`, with further windows sharing `stride` tokens (HF's doc_stride) until the end.
public enum SpanFeatures {
    public static func encode(question: String, context: String, tokenizer: Tokenizer, maxLength: Int, stride: Int,
                              maxQuestionTokens: Int = 64, useTokenTypes: Bool = true) throws -> SpanExampleEncoding {
        var tok = tokenizer
        tok.maxLength = nil
        let specials = tok.specialTokenIDs
        guard let cls = specials.cls, let sep = specials.sep else {
            throw ConfigError(key: "tokenizer", "QA inputs need [CLS]/<s> and [SEP]/</s> tokens in the vocabulary")
        }
        let q = Array(try tok.encode(question, addSpecialTokens: false).ids.prefix(maxQuestionTokens)).map(Int32.init)
        let c = try tok.encode(context, addSpecialTokens: false)
        let offset = q.count + 2  // [CLS] question [SEP]
        let capacity = maxLength - offset - 1
        guard capacity > stride, capacity > 0 else {
            throw ConfigError(key: "max_length", "\(maxLength) leaves \(capacity) context tokens per window, not more than the stride \(stride)")
        }
        let windows = SpanWindows.split(contextLength: c.count, contextCapacity: capacity, stride: stride, sequenceOffset: offset)
        let contextIDs = c.ids.map(Int32.init)
        let features = windows.map { w -> SpanFeature in
            let ids = [Int32(cls)] + q + [Int32(sep)] + contextIDs[w.contextStart..<(w.contextStart + w.contextLength)] + [Int32(sep)]
            let types = useTokenTypes ? [Int32](repeating: 0, count: offset) + [Int32](repeating: 1, count: w.contextLength + 1)
                                      : [Int32](repeating: 0, count: ids.count)
            return SpanFeature(ids: ids, tokenTypes: types, candidateMask: SpanWindows.candidateMask(window: w, length: ids.count), window: w)
        }
        return SpanExampleEncoding(features: features, contextOffsets: c.scalarOffsets)
    }
}
