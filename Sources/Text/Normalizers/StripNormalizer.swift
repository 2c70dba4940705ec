import Platform

/// HF's `Strip`: removes white space (Rust's `char::is_whitespace`, the Unicode White_Space
/// property) from the left and/or right end; the characters kept keep their own offsets.
public struct StripNormalizer: NormalizerStage {
    public static let typeNames = ["Strip"]
    public let left: Bool
    public let right: Bool

    public init(left: Bool = true, right: Bool = true) { self.left = left; self.right = right }

    public init(json: StageJSON) throws {
        self.init(left: try json.bool("strip_left", default: true), right: try json.bool("strip_right", default: true))
    }

    public var json: StrictJSON { .stage("Strip", [("strip_left", .bool(left)), ("strip_right", .bool(right))]) }

    @inline(__always)
    static func isWhitespace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        guard let s = Unicode.Scalar(c) else { return false }
        return UnicodeProperties.isWhitespace(s)
    }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        var a = 0, z = input.count
        if left {
            while a < z {
                let (c, len) = UTF8Coding.decode(input, at: a)
                if !StripNormalizer.isWhitespace(c) { break }
                a += len
            }
        }
        if right {
            while z > a {
                var k = z - 1
                while k > a && input[k] & 0xC0 == 0x80 { k -= 1 }
                if !StripNormalizer.isWhitespace(UTF8Coding.decode(input, at: k).scalar) { break }
                z = k
            }
        }
        ScalarRewrite.copy(input, from: a, to: z, base: base, into: &out)
    }
}
