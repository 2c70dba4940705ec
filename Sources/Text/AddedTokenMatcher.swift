import Platform

/// Finds added tokens in text as HF's added vocabulary does: the leftmost match, the longest at that
/// position; a `singleWord` token only between word boundaries; `lstrip`/`rstrip` widen the match over
/// the white space beside it. Raw-text tokens and normalized-text tokens are searched separately.
struct AddedTokenMatcher: Sendable {
    struct Entry: Sendable {
        let bytes: [UInt8]
        let id: Int32
        let lstrip: Bool, rstrip: Bool, singleWord: Bool
    }
    /// `start..<end`: the match with the white space it strips (HF's offsets of the token).
    struct Match { let start: Int, end: Int, id: Int32 }

    /// Longest first, per kind; `first` marks bytes some token starts with.
    private let raw: [Entry], normalized: [Entry]
    private let rawFirst: [Bool], normalizedFirst: [Bool]

    /// `normalize` gives the text normalized tokens are searched for (HF normalizes their content first).
    init(_ tokens: [AddedToken], normalize: ([UInt8]) -> [UInt8]) {
        func entries(_ normalized: Bool) -> [Entry] {
            tokens.filter { $0.normalized == normalized }
                .map { Entry(bytes: normalized ? normalize(Array($0.content.utf8)) : Array($0.content.utf8), id: Int32($0.id),
                             lstrip: $0.lstrip, rstrip: $0.rstrip, singleWord: $0.singleWord) }
                .filter { !$0.bytes.isEmpty }
                .sorted { $0.bytes.count > $1.bytes.count }
        }
        raw = entries(false); normalized = entries(true)
        func firsts(_ e: [Entry]) -> [Bool] {
            var f = [Bool](repeating: false, count: 256)
            for x in e where !x.bytes.isEmpty { f[Int(x.bytes[0])] = true }
            return f
        }
        rawFirst = firsts(raw); normalizedFirst = firsts(normalized)
    }

    var hasRaw: Bool { !raw.isEmpty }
    var hasNormalized: Bool { !normalized.isEmpty }

    /// The next match in `p` at or after `from`; its range includes stripped white space.
    func next(in p: UnsafeBufferPointer<UInt8>, from: Int, normalized isNormalized: Bool) -> Match? {
        let list = isNormalized ? normalized : raw
        let first = isNormalized ? normalizedFirst : rawFirst
        let n = p.count
        var i = from
        while i < n {
            if first[Int(p[i])] {
                for e in list where e.bytes.count <= n - i {
                    var ok = true
                    for k in 0..<e.bytes.count where p[i + k] != e.bytes[k] { ok = false; break }
                    if !ok { continue }
                    let end = i + e.bytes.count
                    if e.singleWord && (AddedTokenMatcher.wordBefore(p, i) || AddedTokenMatcher.wordAfter(p, end)) { continue }
                    var s = i, t = end
                    if e.lstrip { while s > from, let (c, len) = AddedTokenMatcher.scalar(before: s, in: p), Unicode.Scalar(c)?.properties.isWhitespace == true { s -= len } }
                    if e.rstrip { while t < n, let (c, len) = AddedTokenMatcher.scalar(at: t, in: p), Unicode.Scalar(c)?.properties.isWhitespace == true { t += len } }
                    return Match(start: s, end: t, id: e.id)
                }
            }
            i += 1
        }
        return nil
    }

    static func scalar(at i: Int, in p: UnsafeBufferPointer<UInt8>) -> (UInt32, Int)? {
        guard i < p.count else { return nil }
        let len = UTF8Coding.sequenceLength(p[i])
        guard i + len <= p.count else { return nil }
        return (UTF8Coding.decode(p, at: i).scalar, len)
    }

    static func scalar(before i: Int, in p: UnsafeBufferPointer<UInt8>) -> (UInt32, Int)? {
        guard i > 0 else { return nil }
        var k = i - 1
        while k > 0 && p[k] & 0xC0 == 0x80 && i - k < 4 { k -= 1 }
        return scalar(at: k, in: p).map { ($0.0, i - k) }
    }

    static func isWordScalar(_ c: UInt32) -> Bool {
        guard let s = Unicode.Scalar(c) else { return false }
        return s.properties.isAlphabetic || s.properties.numericType != nil || c == 0x5F
    }

    static func wordBefore(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool { scalar(before: i, in: p).map { isWordScalar($0.0) } ?? false }
    static func wordAfter(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool { scalar(at: i, in: p).map { isWordScalar($0.0) } ?? false }
}
