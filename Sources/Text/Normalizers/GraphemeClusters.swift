import CICU

/// Extended grapheme clusters (UAX #29) over UTF-8 bytes, for the stages that work grapheme by
/// grapheme as HF `tokenizers` does (its `Precompiled` normalizer looks a whole cluster up before
/// its characters). Properties come from ICU once per process: a byte per code point below
/// U+20000 (the BMP and the emoji plane), an ICU call above.
///
/// Rules GB3-GB13 are applied; GB9c (Indic conjunct break) needs the Indic_Conjunct_Break
/// property, which the ICU this links against (Unicode 15.0) does not have: it only ever joins
/// three-byte Indic letters, so it cannot change which clusters are shorter than six bytes.
enum GraphemeClusters {
    // Property codes (low 4 bits); bit 4 marks Extended_Pictographic.
    static let other: UInt8 = 0, cr: UInt8 = 1, lf: UInt8 = 2, control: UInt8 = 3, extend: UInt8 = 4, zwj: UInt8 = 5,
               regional: UInt8 = 6, prepend: UInt8 = 7, spacingMark: UInt8 = 8,
               hangulL: UInt8 = 9, hangulV: UInt8 = 10, hangulT: UInt8 = 11, hangulLV: UInt8 = 12, hangulLVT: UInt8 = 13
    static let pictographic: UInt8 = 0x10

    static let tableSize = 0x20000
    /// Property of every code point below U+20000 (built once per process).
    nonisolated(unsafe) static let table: UnsafeBufferPointer<UInt8> = {
        let t = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: tableSize)
        for c in 0..<tableSize { t[c] = computeProperty(UInt32(c)) }
        return UnsafeBufferPointer(t)
    }()

    static func computeProperty(_ c: UInt32) -> UInt8 {
        if (0xD800..<0xE000).contains(c) { return control }
        let info = cicu_text_grapheme_info(Int32(bitPattern: c))
        let code: UInt8
        switch info & 0xFF {
        case 1: code = control
        case 2: code = cr
        case 3, 15: code = extend          // E_Modifier is Extend since Unicode 11
        case 4: code = hangulL
        case 5: code = lf
        case 6: code = hangulLV
        case 7: code = hangulLVT
        case 8: code = hangulT
        case 9: code = hangulV
        case 10: code = spacingMark
        case 11: code = prepend
        case 12: code = regional
        case 17: code = zwj
        default: code = other
        }
        return code | (info & 0x100 != 0 ? pictographic : 0)
    }

    @inline(__always)
    static func property(_ c: UInt32, _ table: UnsafeBufferPointer<UInt8>) -> UInt8 {
        c < UInt32(tableSize) ? table[Int(c)] : computeProperty(c)
    }

    /// Whether a scalar of property `p` always attaches to the one before it (GB9, GB9a): the only
    /// way a cluster that starts with an ASCII letter goes on.
    @inline(__always)
    static func extendsAny(_ p: UInt8) -> Bool {
        let k = p & 0x0F
        return k == extend || k == zwj || k == spacingMark
    }

    /// End (exclusive) of the cluster that starts at `i`, a cluster boundary of valid UTF-8 `p`.
    @inline(__always)
    static func end(_ p: UnsafeBufferPointer<UInt8>, from i: Int, table: UnsafeBufferPointer<UInt8>) -> Int {
        let n = p.count
        // Truncated UTF-8 (only a raw caller can pass it) ends the cluster at the end of the text.
        if i + UTF8Coding.sequenceLength(p[i]) > n { return n }
        let (c0, l0) = UTF8Coding.decode(p, at: i)
        var j = i + l0
        if j >= n { return n }
        var prev = property(c0, table)
        var prevKind = prev & 0x0F
        // GB4: nothing attaches after a control, except LF after CR (GB3).
        if prevKind == control || prevKind == lf { return j }
        if prevKind == cr { return p[j] == 0x0A ? j + 1 : j }
        // GB11 state: 1 after ExtPict Extend*, 2 after ExtPict Extend* ZWJ.
        var emoji = prev & pictographic != 0 ? 1 : 0
        var regionals = prevKind == regional ? 1 : 0
        while j < n {
            if j + UTF8Coding.sequenceLength(p[j]) > n { return n }
            let (c, l) = UTF8Coding.decode(p, at: j)
            let cur = property(c, table)
            let kind = cur & 0x0F
            var join: Bool
            switch kind {
            case control, cr, lf: join = false                                     // GB5
            case extend, zwj, spacingMark: join = true                               // GB9, GB9a
            default:
                if prevKind == prepend { join = true }                               // GB9b
                else if prevKind == hangulL { join = kind == hangulL || kind == hangulV || kind == hangulLV || kind == hangulLVT }
                else if prevKind == hangulLV || prevKind == hangulV { join = kind == hangulV || kind == hangulT }
                else if prevKind == hangulLVT || prevKind == hangulT { join = kind == hangulT }
                else if prevKind == zwj && cur & pictographic != 0 { join = emoji == 2 }  // GB11
                else if prevKind == regional && kind == regional { join = regionals % 2 == 1 }  // GB12, GB13
                else { join = false }
            }
            if !join { return j }
            if cur & pictographic != 0 { emoji = 1 }
            else if kind == extend && emoji == 1 { emoji = 1 }
            else if kind == zwj && emoji == 1 { emoji = 2 }
            else { emoji = 0 }
            regionals = kind == regional ? regionals + 1 : 0
            prev = cur; prevKind = kind
            j += l
        }
        return n
    }
}
