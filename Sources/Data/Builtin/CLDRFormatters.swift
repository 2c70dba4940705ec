import CICU
import Platform

/// A failed ICU call of the built-in suite, with ICU's error name.
public struct CLDRError: PolyglotError {
    public let operation: String
    public let status: Int32
    public var description: String { "ICU \(operation) failed: \(String(cString: cicu_error_name(status)))" }
}

@inline(__always) func checkICU(_ status: Int32, _ operation: @autoclosure () -> String) throws {
    if status > 0 { throw CLDRError(operation: operation(), status: status) }
}

/// Calls an ICU function that writes UTF-16 into a buffer, retrying once with the size it asked for.
func utf16Result(_ operation: @autoclosure () -> String,
                 _ body: (UnsafeMutablePointer<UInt16>, Int32, UnsafeMutablePointer<Int32>) -> Int32) throws -> [UInt16] {
    var capacity: Int32 = 128
    while true {
        var status: Int32 = 0
        var buffer = [UInt16](repeating: 0, count: Int(capacity))
        let n = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, capacity, &status) }
        if status == 15 || n > capacity { capacity = n + 1; continue }
        try checkICU(status, operation())
        return Array(buffer[0..<Int(n)])
    }
}

func cString(_ capacity: Int = 64, _ body: (UnsafeMutablePointer<CChar>, Int32) -> Void) -> String {
    var buffer = [CChar](repeating: 0, count: capacity)
    buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, Int32($0.count)) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// UTF-8 byte offset of every UTF-16 index of a string (plus the end), to turn ICU's UTF-16 field
/// positions into the UTF-8 offsets examples carry.
func utf8Offsets(utf16 units: [UInt16]) -> [Int] {
    var out = [Int](repeating: 0, count: units.count + 1)
    var bytes = 0
    var i = 0
    while i < units.count {
        out[i] = bytes
        let u = units[i]
        if u >= 0xD800 && u < 0xDC00 && i + 1 < units.count {
            out[i + 1] = bytes
            bytes += 4; i += 2
        } else {
            bytes += u < 0x80 ? 1 : (u < 0x800 ? 2 : 3); i += 1
        }
    }
    out[units.count] = bytes
    return out
}

/// A localized full date (no time) in UTC with the position of each calendar field.
final class DateFieldFormatter {
    struct Field { let field: Int32; let range: Range<Int> }  // UDateFormatField, UTF-8 byte range
    private let handle: OpaquePointer
    let locale: String

    init(locale: String) throws {
        self.locale = locale
        var status: Int32 = 0
        let h = cicu_date_open(locale, &status)
        try checkICU(status, "udat_open(\(locale))")
        guard let h else { throw CLDRError(operation: "udat_open(\(locale))", status: 1) }
        handle = OpaquePointer(h)
    }
    deinit { cicu_date_close(UnsafeMutableRawPointer(handle)) }

    func format(millis: Double) throws -> (text: String, fields: [Field]) {
        var fields = [Int32](repeating: 0, count: 3 * 32)
        var fieldCount: Int32 = 0
        let units = try utf16Result("udat_formatForFields(\(locale))") { out, cap, status in
            fields.withUnsafeMutableBufferPointer { f in
                cicu_date_format(UnsafeMutableRawPointer(handle), millis, out, cap, f.baseAddress!, 32, &fieldCount, status)
            }
        }
        let offsets = utf8Offsets(utf16: units)
        let found = (0..<min(Int(fieldCount), 32)).map { k in
            Field(field: fields[3 * k], range: offsets[Int(fields[3 * k + 1])]..<offsets[Int(fields[3 * k + 2])])
        }
        return (String(decoding: units, as: UTF16.self), found)
    }
}

/// ICU's rule-based spell-out of integers.
final class SpellOutFormatter {
    private let handle: OpaquePointer
    let locale: String
    /// The locale whose rules ICU found; another language when the requested one has none.
    let actualLocale: String

    init(locale: String) throws {
        self.locale = locale
        var status: Int32 = 0
        let h = cicu_spellout_open(locale, &status)
        try checkICU(status, "unum_open(SPELLOUT, \(locale))")
        guard let h else { throw CLDRError(operation: "unum_open(\(locale))", status: 1) }
        handle = OpaquePointer(h)
        actualLocale = cString { out, cap in var s: Int32 = 0; _ = cicu_spellout_actual_locale(h, out, cap, &s) }
    }
    deinit { cicu_spellout_close(UnsafeMutableRawPointer(handle)) }

    func format(_ value: Int64) throws -> String {
        let units = try utf16Result("unum_formatInt64(\(locale))") { out, cap, status in
            cicu_spellout_format(UnsafeMutableRawPointer(handle), value, out, cap, status)
        }
        return String(decoding: units, as: UTF16.self)
    }
}

/// A number with a unit, formatted from an ICU number skeleton.
final class SkeletonNumberFormatter {
    private let handle: OpaquePointer
    let skeleton: String

    init(skeleton: String, locale: String) throws {
        self.skeleton = skeleton
        var status: Int32 = 0
        let units = Array(skeleton.utf16)
        let h = cicu_number_open(units, Int32(units.count), locale, &status)
        try checkICU(status, "unumf_openForSkeletonAndLocale(\(skeleton), \(locale))")
        guard let h else { throw CLDRError(operation: "unumf_open(\(locale))", status: 1) }
        handle = OpaquePointer(h)
    }
    deinit { cicu_number_close(UnsafeMutableRawPointer(handle)) }

    func format(_ value: Double) throws -> String {
        let units = try utf16Result("unumf_formatDouble(\(skeleton))") { out, cap, status in
            cicu_number_format(UnsafeMutableRawPointer(handle), value, out, cap, status)
        }
        return String(decoding: units, as: UTF16.self)
    }
}

/// ICU's region data: territories, their containing continent, and their localized names.
enum RegionData {
    static let territoryType: Int32 = 1
    static let continentType: Int32 = 3

    static func available(type: Int32) throws -> [String] {
        var capacity: Int32 = 2048
        while true {
            var status: Int32 = 0
            var buffer = [CChar](repeating: 0, count: Int(capacity))
            let n = cicu_region_available(type, &buffer, capacity, &status)
            if status == 15 { capacity = n + 1; continue }
            try checkICU(status, "uregion_getAvailable")
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return text.split(separator: " ").map(String.init)
        }
    }

    /// The code of the region of `type` containing `code`, nil when none does.
    static func containing(_ code: String, type: Int32) throws -> String? {
        var status: Int32 = 0
        let result = cString { out, cap in _ = cicu_region_containing(code, type, out, cap, &status) }
        try checkICU(status, "uregion_getContainingRegionOfType(\(code))")
        return result.isEmpty ? nil : result
    }

    static func displayName(_ code: String, locale: String) throws -> String {
        let units = try utf16Result("uloc_getDisplayCountry(\(code), \(locale))") { out, cap, status in
            cicu_region_display_name(code, locale, out, cap, status)
        }
        return String(decoding: units, as: UTF16.self)
    }
}
