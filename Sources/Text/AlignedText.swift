import Platform

/// Text in UTF-8 with, for every byte, the range of original bytes it came from. Each stage of the
/// pipeline (normalizer, pre-tokenizer) reads one and writes another, so a token's offsets in the
/// original text are the union of its bytes' ranges, whatever the stages inserted, removed or changed.
public struct AlignedText: Sendable {
    public var bytes: [UInt8] = []
    /// Original byte range of each byte: start (inclusive) and end (exclusive).
    public var sourceStart: [Int32] = []
    public var sourceEnd: [Int32] = []
    /// When false only `bytes` is kept (the ids-only fast path needs no offsets).
    public var tracksSource = true

    public init(tracksSource: Bool = true) { self.tracksSource = tracksSource }

    /// Appends another aligned text (its ranges already index the original).
    public mutating func append(contentsOf other: AlignedText) {
        bytes += other.bytes
        if tracksSource {
            if other.tracksSource {
                sourceStart += other.sourceStart; sourceEnd += other.sourceEnd
            } else {
                sourceStart += repeatElement(0, count: other.count); sourceEnd += repeatElement(0, count: other.count)
            }
        }
    }

    public var count: Int { bytes.count }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        sourceStart.removeAll(keepingCapacity: true)
        sourceEnd.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    public mutating func append(_ byte: UInt8, from start: Int32, to end: Int32) {
        bytes.append(byte)
        if tracksSource { sourceStart.append(start); sourceEnd.append(end) }
    }

    /// Original range of byte i (0..<0 when not tracked).
    @inline(__always) public func start(_ i: Int) -> Int32 { tracksSource ? sourceStart[i] : 0 }
    @inline(__always) public func end(_ i: Int) -> Int32 { tracksSource ? sourceEnd[i] : 0 }

    /// Appends the UTF-8 of `scalar`, every byte aligned to the same original range.
    @inline(__always)
    public mutating func append(scalar: UInt32, from start: Int32, to end: Int32) {
        UTF8Coding.forEachByte(of: scalar) { append($0, from: start, to: end) }
    }

    /// The original byte range covered by bytes `range` (empty ranges sit where the byte would be).
    public func sourceRange(of range: Range<Int>) -> Range<Int> {
        if range.isEmpty {
            let p = range.lowerBound < count ? Int(sourceStart[range.lowerBound]) : (count > 0 ? Int(sourceEnd[count - 1]) : 0)
            return p..<p
        }
        var lo = Int(sourceStart[range.lowerBound]), hi = Int(sourceEnd[range.upperBound - 1])
        // Stages may reorder (accents, compositions), so take the true hull of the bytes.
        for i in range {
            lo = min(lo, Int(sourceStart[i])); hi = max(hi, Int(sourceEnd[i]))
        }
        return lo..<hi
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// UTF-8 helpers on raw bytes (the pipeline never goes through `Character`).
public enum UTF8Coding {
    /// Length of the UTF-8 sequence that starts with `lead` (1 for stray continuation bytes).
    @inline(__always)
    public static func sequenceLength(_ lead: UInt8) -> Int {
        if lead < 0x80 { return 1 }
        if lead < 0xE0 { return lead < 0xC0 ? 1 : 2 }
        if lead < 0xF0 { return 3 }
        return 4
    }

    /// Decodes the scalar at `i` of valid UTF-8.
    @inline(__always)
    public static func decode(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return (((b0 & 0x1F) << 6) | (UInt32(p[i + 1]) & 0x3F), 2) }
        if b0 < 0xF0 {
            return (((b0 & 0x0F) << 12) | ((UInt32(p[i + 1]) & 0x3F) << 6) | (UInt32(p[i + 2]) & 0x3F), 3)
        }
        return (((b0 & 0x07) << 18) | ((UInt32(p[i + 1]) & 0x3F) << 12) | ((UInt32(p[i + 2]) & 0x3F) << 6) | (UInt32(p[i + 3]) & 0x3F), 4)
    }

    @inline(__always)
    public static func forEachByte(of scalar: UInt32, _ body: (UInt8) -> Void) {
        if scalar < 0x80 {
            body(UInt8(scalar))
        } else if scalar < 0x800 {
            body(UInt8(0xC0 | (scalar >> 6))); body(UInt8(0x80 | (scalar & 0x3F)))
        } else if scalar < 0x10000 {
            body(UInt8(0xE0 | (scalar >> 12))); body(UInt8(0x80 | ((scalar >> 6) & 0x3F))); body(UInt8(0x80 | (scalar & 0x3F)))
        } else {
            body(UInt8(0xF0 | (scalar >> 18))); body(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            body(UInt8(0x80 | ((scalar >> 6) & 0x3F))); body(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    public static func bytes(of scalar: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        forEachByte(of: scalar) { out.append($0) }
        return out
    }

    /// Number of scalars in valid UTF-8.
    public static func scalarCount(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        for b in p where b & 0xC0 != 0x80 { n += 1 }
        return n
    }
}

/// What to do with bytes that are not valid UTF-8 in text to encode.
public enum InvalidUTF8Policy: String, Codable, Sendable, CaseIterable {
    /// Stop with an error naming the file, line and byte column.
    case reject
    /// Replace each maximal invalid subsequence by U+FFFD (as Unicode recommends), never dropping it.
    case replace
}

public enum TextInput {
    /// Splits UTF-8 file contents into lines (without "\n" or a trailing "\r"), validating each line.
    public static func lines(of data: [UInt8], path: String, policy: InvalidUTF8Policy) throws -> [String] {
        var result: [String] = []
        var lineStart = 0
        var lineNumber = 1
        let n = data.count
        try data.withUnsafeBufferPointer { p in
            var i = 0
            while i <= n {
                if i == n || p[i] == 0x0A {
                    if i == n && lineStart == n { break }
                    var end = i
                    if end > lineStart && p[end - 1] == 0x0D { end -= 1 }
                    let slice = UnsafeBufferPointer(rebasing: p[lineStart..<end])
                    if let bad = firstInvalid(slice) {
                        if policy == .reject {
                            throw FileError(path: path, line: lineNumber, column: bad + 1,
                                            "invalid UTF-8 (byte 0x\(String(p[lineStart + bad], radix: 16, uppercase: true)))")
                        }
                        result.append(String(decoding: slice, as: UTF8.self))
                    } else {
                        result.append(String(decoding: slice, as: UTF8.self))
                    }
                    lineStart = i + 1
                    lineNumber += 1
                }
                i += 1
            }
        }
        return result
    }

    /// Byte index of the first invalid UTF-8 sequence, or nil.
    public static func firstInvalid(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = p.count
        while i < n {
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            var len = 0, minValue: UInt32 = 0, v: UInt32 = 0
            if b & 0xE0 == 0xC0 { len = 2; minValue = 0x80; v = UInt32(b & 0x1F) }
            else if b & 0xF0 == 0xE0 { len = 3; minValue = 0x800; v = UInt32(b & 0x0F) }
            else if b & 0xF8 == 0xF0 { len = 4; minValue = 0x10000; v = UInt32(b & 0x07) }
            else { return i }
            if i + len > n { return i }
            for k in 1..<len {
                let c = p[i + k]
                if c & 0xC0 != 0x80 { return i }
                v = (v << 6) | UInt32(c & 0x3F)
            }
            if v < minValue || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000) { return i }
            i += len
        }
        return nil
    }
}
