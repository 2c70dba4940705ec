/// Standard base64 (RFC 4648 alphabet, `=` padding) as tokenizer.json stores binary blobs: the
/// decoder is as strict as the Rust `base64` crate's standard engine HF uses (padding required,
/// no whitespace, no stray bits in the last symbol), so a blob that decodes encodes back to the
/// same text.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [UInt8] = {
        var v = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { v[Int(c)] = UInt8(i) }
        return v
    }()

    struct DecodeError: Error { let message: String }

    static func decode(_ text: String) throws -> [UInt8] {
        var text = text
        return try text.withUTF8 { (s: UnsafeBufferPointer<UInt8>) throws -> [UInt8] in
            let n = s.count
            if n % 4 != 0 { throw DecodeError(message: "invalid base64 (length \(n) is not a multiple of 4)") }
            var padding = 0
            if n > 0 && s[n - 1] == UInt8(ascii: "=") { padding = s[n - 2] == UInt8(ascii: "=") ? 2 : 1 }
            var out = [UInt8]()
            out.reserveCapacity(n / 4 * 3)
            var i = 0
            while i < n {
                var q: UInt32 = 0
                let last = i + 4 == n
                for k in 0..<4 {
                    let c = s[i + k]
                    if last && k >= 4 - padding {
                        q <<= 6
                        continue
                    }
                    let v = values[Int(c)]
                    if v == 0xFF {
                        let what = c == UInt8(ascii: "=") ? "misplaced padding" : "invalid character 0x\(String(c, radix: 16, uppercase: true))"
                        throw DecodeError(message: "invalid base64 (\(what) at offset \(i + k))")
                    }
                    q = (q << 6) | UInt32(v)
                }
                out.append(UInt8(q >> 16))
                if !(last && padding == 2) { out.append(UInt8((q >> 8) & 0xFF)) }
                if !(last && padding >= 1) { out.append(UInt8(q & 0xFF)) }
                if last && ((padding == 1 && q & 0xFF != 0) || (padding == 2 && q & 0xFFFF != 0)) {
                    throw DecodeError(message: "invalid base64 (trailing bits set in the last symbol at offset \(i + 3 - padding))")
                }
                i += 4
            }
            return out
        }
    }

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = UInt32(bytes[i]), b1 = i + 1 < n ? UInt32(bytes[i + 1]) : 0, b2 = i + 2 < n ? UInt32(bytes[i + 2]) : 0
            let q = (b0 << 16) | (b1 << 8) | b2
            out.append(alphabet[Int(q >> 18)])
            out.append(alphabet[Int((q >> 12) & 63)])
            out.append(i + 1 < n ? alphabet[Int((q >> 6) & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < n ? alphabet[Int(q & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
