import CICU
import Platform

/// ICU word-break iteration straight over UTF-8 (boundaries as byte offsets), with the locale's
/// dictionaries for Thai, Lao, Khmer, Burmese, Chinese and Japanese. Not thread-safe: one per thread.
final class UTF8WordBreaker {
    let locale: String
    private let iterator: UnsafeMutableRawPointer

    init(locale: String) throws {
        var status: Int32 = 0
        guard let it = cicu_text_wordbreak_open(locale, &status), status <= 0 else {
            throw TokenizerError("ICU cannot open a word-break iterator for locale \"\(locale)\" (status \(status))")
        }
        self.locale = locale
        iterator = it
    }

    deinit { cicu_text_wordbreak_close(iterator) }

    /// Boundaries (including 0 and the length) into `boundaries` and the rule status of each
    /// segment into `statuses`; returns the number of boundaries.
    func breakText(_ text: UnsafeBufferPointer<UInt8>, boundaries: inout [Int32], statuses: inout [Int32]) throws -> Int {
        while true {
            var status: Int32 = 0
            let n = boundaries.withUnsafeMutableBufferPointer { b in
                statuses.withUnsafeMutableBufferPointer { s in
                    cicu_text_wordbreak_utf8(iterator, text.baseAddress, Int32(text.count), b.baseAddress!, s.baseAddress!, Int32(b.count), &status)
                }
            }
            if status > 0 { throw TokenizerError("ICU word break failed (status \(status))") }
            if n < 0 {
                boundaries = Array(repeating: 0, count: Int(-n) * 2)
                statuses = Array(repeating: 0, count: Int(-n) * 2)
                continue
            }
            return Int(n)
        }
    }
}
