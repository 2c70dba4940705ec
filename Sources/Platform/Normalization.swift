import CICU

/// Unicode normalization forms that ICU provides.
public enum NormalizationForm: String, Codable, Sendable, CaseIterable {
    case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD", nfkcCasefold = "NFKC_Casefold"
    var code: Int32 {
        switch self { case .nfc: 0; case .nfd: 1; case .nfkc: 2; case .nfkd: 3; case .nfkcCasefold: 4 }
    }
}

public enum UnicodeNormalizer {
    /// `text` in normalization form `form`, through ICU's unorm2.
    public static func normalize(_ text: String, form: NormalizationForm) throws -> String {
        var units = Array(text.utf16)
        if units.isEmpty { return text }
        return try units.withUnsafeMutableBufferPointer { input in
            try normalize(utf16: UnsafeBufferPointer(input), form: form)
        }
    }

    public static func normalize(utf16 input: UnsafeBufferPointer<UInt16>, form: NormalizationForm) throws -> String {
        try readUTF16(initialCapacity: input.count + 16) { out, cap, status in
            cicu_normalize(form.code, input.baseAddress, Int32(input.count), out, cap, status)
        }
    }

    /// Normalized form of one scalar alone (its full decomposition or composition), for building
    /// per-code-point alignments.
    public static func normalize(scalar: Unicode.Scalar, form: NormalizationForm) throws -> String {
        try readUTF16(initialCapacity: 8) { out, cap, status in
            cicu_normalize_codepoint(form.code, Int32(scalar.value), out, cap, status)
        }
    }

    public static func isNormalized(_ text: String, form: NormalizationForm) throws -> Bool {
        let units = Array(text.utf16)
        var status: Int32 = 0
        let r = units.withUnsafeBufferPointer { cicu_is_normalized(form.code, $0.baseAddress, Int32($0.count), &status) }
        try check(status, "unorm2_isNormalized")
        return r == 1
    }

    public static func combiningClass(_ scalar: Unicode.Scalar) -> Int { Int(cicu_combining_class(Int32(scalar.value))) }
}

/// Character properties from ICU's Unicode data (which may be newer than Swift's).
public enum UnicodeProperties {
    public static func isDefaultIgnorable(_ s: Unicode.Scalar) -> Bool { cicu_is_default_ignorable(Int32(s.value)) == 1 }
    public static func isWhitespace(_ s: Unicode.Scalar) -> Bool { cicu_is_whitespace(Int32(s.value)) == 1 }
    public static func isPunctuation(_ s: Unicode.Scalar) -> Bool { cicu_is_punctuation(Int32(s.value)) == 1 }
    public static func isDecimalDigit(_ s: Unicode.Scalar) -> Bool { cicu_is_digit(Int32(s.value)) == 1 }
    public static func isAlphabetic(_ s: Unicode.Scalar) -> Bool { cicu_is_alphabetic(Int32(s.value)) == 1 }
    /// The Unicode version that assigned the scalar, as major * 100 + minor (900 for 9.0; 0 when unassigned).
    public static func age(_ s: Unicode.Scalar) -> Int { Int(cicu_char_age(Int32(s.value))) }
    /// ICU's UCharCategory value.
    public static func generalCategory(_ s: Unicode.Scalar) -> Int { Int(cicu_general_category(Int32(s.value))) }
    public static func lowercased(_ s: Unicode.Scalar) -> Unicode.Scalar {
        Unicode.Scalar(UInt32(cicu_to_lower(Int32(s.value)))) ?? s
    }
    /// Full lowercase mapping of a string (may change length: "İ" → "i̇").
    public static func lowercased(_ text: String, locale: String = "") throws -> String {
        let units = Array(text.utf16)
        return try units.withUnsafeBufferPointer { input in
            try readUTF16(initialCapacity: input.count + 8) { out, cap, status in
                cicu_str_to_lower(locale, input.baseAddress, Int32(input.count), out, cap, status)
            }
        }
    }
}
