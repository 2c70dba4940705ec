/// Splits a context too long for one sequence into overlapping windows (HF's `stride` / SQuAD's
/// doc_stride); `SpanExampleEncoding.predict` recombines the windows' logits into one answer.
public struct SpanWindow: Equatable, Sendable {
    /// First context token of the window.
    public var contextStart: Int
    /// Number of context tokens in the window.
    public var contextLength: Int
    /// Position of the window's first context token within the encoded sequence (after the question and specials).
    public var sequenceOffset: Int
}

public enum SpanWindows {
    /// Windows of at most `contextCapacity` context tokens; each starts `contextCapacity − stride` after
    /// the previous, so consecutive windows share `stride` tokens; the last one reaches the end (HF
    /// `tokenizers`' overflowing windows). An empty context gives one empty window.
    public static func split(contextLength: Int, contextCapacity: Int, stride: Int, sequenceOffset: Int) -> [SpanWindow] {
        precondition(contextCapacity > 0 && stride >= 0 && stride < contextCapacity, "capacity \(contextCapacity), stride \(stride)")
        var windows: [SpanWindow] = []
        var start = 0
        repeat {
            let len = min(contextCapacity, contextLength - start)
            windows.append(SpanWindow(contextStart: start, contextLength: len, sequenceOffset: sequenceOffset))
            if start + len >= contextLength { break }
            start += contextCapacity - stride
        } while true
        return windows
    }

    /// Candidate mask of one window's sequence of `length` positions: 1 on its context tokens.
    public static func candidateMask(window: SpanWindow, length: Int) -> [Int32] {
        var m = [Int32](repeating: 0, count: length)
        for j in window.sequenceOffset..<min(length, window.sequenceOffset + window.contextLength) { m[j] = 1 }
        return m
    }
}
