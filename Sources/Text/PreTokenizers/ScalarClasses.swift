import Platform

/// The character classes the pre-tokenizers split on, one table for all of them so that every stage
/// agrees on what a space, a letter or a punctuation mark is. Each is the class HF `tokenizers`
/// uses: Rust's `char::is_whitespace` and Oniguruma's `\s` (the White_Space property), `\p{L}` and
/// `\p{N}` (general categories L* and N*, also Rust's `char::is_numeric`), `\w`
/// as the Rust `regex` crate of HF's `Whitespace` has it (Alphabetic, marks, decimal digits,
/// connector punctuation, ZWNJ and ZWJ), and BERT's punctuation (ASCII punctuation or a P* category,
/// as of HF's older table).
public enum ScalarClasses {
    public static let space: UInt8 = 1
    public static let letter: UInt8 = 2
    public static let number: UInt8 = 4
    public static let word: UInt8 = 8
    public static let punctuation: UInt8 = 16

    /// Classes of the BMP, computed once per process.
    static let bmp: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 0x10000)
        for c in 0..<UInt32(0x10000) where !(0xD800..<0xE000).contains(c) { t[Int(c)] = compute(c) }
        return t
    }()

    static func compute(_ c: UInt32) -> UInt8 {
        guard let s = Unicode.Scalar(c) else { return 0 }
        var k: UInt8 = 0
        if UnicodeProperties.isWhitespace(s) { k |= space }
        let cat = UnicodeProperties.generalCategory(s)
        switch cat {
        case 1...5: k |= letter
        case 9...11: k |= number
        default: break
        }
        if cat == 6 || cat == 7 || cat == 8 || cat == 9 || cat == 22 || c == 0x200C || c == 0x200D || UnicodeProperties.isAlphabetic(s) {
            k |= word
        }
        if c < 0x80 {
            if (0x21...0x2F).contains(c) || (0x3A...0x40).contains(c) || (0x5B...0x60).contains(c) || (0x7B...0x7E).contains(c) { k |= punctuation }
        } else if hfPunctuation.contains(where: { $0.contains(c) }) {
            k |= punctuation
        } else if !notHFPunctuation.contains(where: { $0.contains(c) }) {
            switch cat { case 19, 20, 21, 22, 23, 28, 29: k |= punctuation; default: break }
        }
        return k
    }

    /// HF's punctuation table (Rust's `unicode_categories` crate) is older than ICU's Unicode: these
    /// were punctuation then and are not now…
    static let hfPunctuation: [ClosedRange<UInt32>] = [0x166D...0x166D, 0x111C9...0x111C9]
    /// …and these became punctuation (were added) since. Found by the classes test against HF.
    static let notHFPunctuation: [ClosedRange<UInt32>] = [
        0x61D...0x61D, 0x9FD...0x9FD, 0xA76...0xA76, 0xC77...0xC77, 0xC84...0xC84, 0x1B7D...0x1B7E, 0x2E43...0x2E4F,
        0x2E52...0x2E5D, 0x10EAD...0x10EAD, 0x10F55...0x10F59, 0x10F86...0x10F89, 0x1144B...0x1144F, 0x1145A...0x1145B,
        0x1145D...0x1145D, 0x11660...0x1166C, 0x116B9...0x116B9, 0x1183B...0x1183B, 0x11944...0x11946, 0x119E2...0x119E2,
        0x11A3F...0x11A46, 0x11A9A...0x11A9C, 0x11A9E...0x11AA2, 0x11C41...0x11C45, 0x11C70...0x11C71, 0x11EF7...0x11EF8,
        0x11FFF...0x11FFF, 0x12FF1...0x12FF2, 0x16E97...0x16E9A, 0x16FE2...0x16FE2, 0x1E95E...0x1E95F,
        // Unicode 15 (newer than the reference's own Unicode tables; checked one by one against HF).
        0x11B00...0x11B09, 0x11F43...0x11F4F,
    ]

    /// The classes of scalar `c`.
    @inline(__always)
    public static func of(_ c: UInt32) -> UInt8 {
        c < 0x10000 ? bmp.withUnsafeBufferPointer { $0[Int(c)] } : compute(c)
    }
}

extension ScalarClasses {
    /// The classes of `c` with the BMP table `t` already at hand (hot loops).
    @inline(__always)
    static func of(_ c: UInt32, _ t: UnsafeBufferPointer<UInt8>) -> UInt8 { c < 0x10000 ? t[Int(c)] : compute(c) }
}

extension DelimiterSplitter {
    /// Splits `text` with every scalar of one of the classes `mask` as a delimiter of its own (HF's
    /// split on a `char` predicate).
    mutating func splitOnClass(_ text: AlignedText, mask: UInt8, into words: inout [WordSpan]) {
        ScalarClasses.bmp.withUnsafeBufferPointer { t in
            text.bytes.withUnsafeBufferPointer { p in
                let n = p.count
                var previous = 0, i = 0
                while i < n {
                    let (c, len) = UTF8Coding.decode(p, at: i)
                    if ScalarClasses.of(c, t) & mask != 0 {
                        if i > previous { piece(previous, i, match: false, into: &words) }
                        piece(i, i + len, match: true, into: &words)
                        previous = i + len
                    }
                    i += len
                }
                if previous < n { piece(previous, n, match: false, into: &words) }
                finish(into: &words)
            }
        }
    }
}
