import CICU

/// An ICU call that failed, with ICU's own error name (e.g. `U_BUFFER_OVERFLOW_ERROR`).
public struct ICUError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public var description: String { "ICU \(operation) failed: \(String(cString: cicu_error_name(code)))" }
}

@inline(__always) func check(_ status: Int32, _ operation: String) throws {
    if status > 0 { throw ICUError(operation: operation, code: status) }
}

/// Versions of the ICU library and data Polyglot runs against.
public enum ICU {
    public static var version: String { readC { cicu_icu_version($0, $1) } }
    public static var unicodeVersion: String { readC { cicu_unicode_version($0, $1) } }
    public static var dataVersion: String {
        readC { var s: Int32 = 0; cicu_data_version($0, $1, &s) }
    }
    public static var cldrVersion: String {
        readC { var s: Int32 = 0; cicu_cldr_version($0, $1, &s) }
    }
    /// Every locale ICU has data for (`th_TH`, `ja`, …).
    public static var availableLocales: [String] {
        (0..<cicu_locale_count()).map { String(cString: cicu_locale_at($0)) }
    }
    /// Likely-subtags maximization: `th` → `th_Thai_TH`.
    public static func maximize(locale: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: 157)
        var status: Int32 = 0
        let n = cicu_locale_add_likely_subtags(locale, &buffer, Int32(buffer.count), &status)
        try check(status, "uloc_addLikelySubtags(\(locale))")
        return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    /// The locale's name in `displayLocale` ("Thai" for `th` in `en`).
    public static func displayName(locale: String, in displayLocale: String = "en") throws -> String {
        try readUTF16 { out, cap, status in cicu_locale_display_name(locale, displayLocale, out, cap, status) }
    }

    static func readC(_ body: (UnsafeMutablePointer<CChar>, Int32) -> Void) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, Int32($0.count)) }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Calls an ICU function that writes UTF-16 into a caller buffer, growing the buffer on overflow.
func readUTF16(initialCapacity: Int = 64,
               _ body: (UnsafeMutablePointer<UInt16>, Int32, UnsafeMutablePointer<Int32>) -> Int32) throws -> String {
    var capacity = max(initialCapacity, 1)
    while true {
        var status: Int32 = 0
        var buffer = [UInt16](repeating: 0, count: capacity)
        let n = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, Int32(capacity), &status) }
        if status == 15 /* U_BUFFER_OVERFLOW_ERROR */ || Int(n) > capacity {
            capacity = Int(n) + 1
            continue
        }
        try check(status, "string conversion")
        return String(decoding: buffer[0..<Int(n)], as: UTF16.self)
    }
}
