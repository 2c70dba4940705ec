import CICU

/// One segment found by ICU's break iterator, in UTF-16 offsets of the text it was given.
public struct BreakSegment: Equatable, Sendable {
    public var start: Int
    public var end: Int
    /// ICU's rule status for word breaks: 0 none (spaces, punctuation), 100..<200 number,
    /// 200..<300 letter, 300..<400 kana, 400..<500 ideographic.
    public var ruleStatus: Int32
    public var isWordLike: Bool { ruleStatus >= 100 }
}

/// ICU break iteration (UAX #29 plus ICU's dictionaries for Thai, Lao, Khmer, Burmese, Chinese and
/// Japanese). Not thread-safe: keep one per thread and re-target it with `segments(of:)`.
public final class WordBreaker {
    public enum Kind: Int32, Sendable { case character = 0, word = 1, line = 2, sentence = 3 }

    public let locale: String
    public let kind: Kind
    private var iterator: UnsafeMutableRawPointer
    private var boundaries: [Int32] = Array(repeating: 0, count: 256)
    private var statuses: [Int32] = Array(repeating: 0, count: 256)

    public init(locale: String, kind: Kind = .word) throws {
        self.locale = locale
        self.kind = kind
        var status: Int32 = 0
        let empty: [UInt16] = [0]
        guard let it = cicu_break_open(kind.rawValue, locale, empty, 0, &status) else {
            throw ICUError(operation: "ubrk_open(\(locale))", code: status == 0 ? 1 : status)
        }
        try check(status, "ubrk_open(\(locale))")
        iterator = it
    }

    deinit { cicu_break_close(iterator) }

    /// Segments of UTF-16 text, covering it entirely and in order.
    public func segments(utf16 text: UnsafeBufferPointer<UInt16>) throws -> [BreakSegment] {
        var status: Int32 = 0
        cicu_break_set_text(iterator, text.baseAddress, Int32(text.count), &status)
        try check(status, "ubrk_setText")
        while true {
            let n = boundaries.withUnsafeMutableBufferPointer { b in
                statuses.withUnsafeMutableBufferPointer { s in
                    cicu_break_all(iterator, b.baseAddress!, s.baseAddress!, Int32(b.count))
                }
            }
            if n < 0 {
                boundaries = Array(repeating: 0, count: Int(-n) * 2)
                statuses = Array(repeating: 0, count: Int(-n) * 2)
                continue
            }
            var result: [BreakSegment] = []
            result.reserveCapacity(Int(n))
            if n >= 2 {
                for i in 0..<Int(n) - 1 {
                    result.append(BreakSegment(start: Int(boundaries[i]), end: Int(boundaries[i + 1]), ruleStatus: statuses[i]))
                }
            }
            return result
        }
    }

    /// Segments of a Swift string, as UTF-16 offsets.
    public func segments(of text: String) throws -> [BreakSegment] {
        let units = Array(text.utf16)
        return try units.withUnsafeBufferPointer { try segments(utf16: $0) }
    }

    /// The substrings between boundaries whose rule status says they are words, numbers or
    /// ideographs (spaces and punctuation left out), as `String`s.
    public func words(of text: String) throws -> [String] {
        let units = Array(text.utf16)
        return try units.withUnsafeBufferPointer { buf in
            try segments(utf16: buf).filter { $0.isWordLike }.map {
                String(decoding: buf[$0.start..<$0.end], as: UTF16.self)
            }
        }
    }
}
