import Platform

/// HF's `Replace` normalizer: every match of `pattern` (a literal or a regular expression) becomes
/// `content`. As in HF, the replacement is aligned to the last character of the match it replaces
/// (an empty match inserts it aligned to the character before, or at the start). XLM-R's collapse of
/// space runs (`{"Regex": " {2,}"}` and the like) runs without the regex engine, with the same result.
public struct ReplaceNormalizer: NormalizerStage {
    public static let typeNames = ["Replace"]
    public let pattern: StagePattern
    public let content: String
    private let contentBytes: [UInt8]
    /// A pattern of the form " {n,}" (or " +"): runs of at least `spaceRun` spaces, matched by hand.
    private let spaceRun: Int?

    public init(pattern: StagePattern, content: String) {
        self.pattern = pattern
        self.content = content
        contentBytes = Array(content.utf8)
        spaceRun = ReplaceNormalizer.spaceRunLength(pattern)
    }

    public init(json: StageJSON) throws {
        self.init(pattern: try StagePattern(json), content: try json.string("content"))
    }

    public var json: StrictJSON { .stage("Replace", [("pattern", pattern.json), ("content", .string(content))]) }

    static func spaceRunLength(_ p: StagePattern) -> Int? {
        guard p.kind == .regex else { return nil }
        let s = Array(p.source.utf8)
        if s == Array(" +".utf8) { return 1 }
        // " {n,}"
        guard s.count >= 5, s[0] == 0x20, s[1] == 0x7B, s[s.count - 2] == 0x2C, s[s.count - 1] == 0x7D else { return nil }
        let digits = s[2..<(s.count - 2)]
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let n = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return n >= 1 ? n : nil
    }

    /// The matches, with HF's rule for empty ones (see `StagePattern.forEachMatch`).
    private func forEachMatch(_ input: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) throws -> Void) throws {
        guard let minRun = spaceRun else { return try pattern.forEachMatch(in: input, body) }
        var i = 0
        let n = input.count
        while i < n {
            if input[i] != 0x20 { i += 1; continue }
            var j = i
            while j < n && input[j] == 0x20 { j += 1 }
            if j - i >= minRun { try body(i, j) }
            i = j
        }
    }

    public func normalize(_ input: UnsafeBufferPointer<UInt8>, base: Int, into out: inout AlignedText) {
        let n = input.count
        /// Copies original bytes a..<b, each aligned to its character.
        func copy(_ a: Int, _ b: Int) {
            var i = a
            while i < b {
                let len = UTF8Coding.sequenceLength(input[i])
                for k in 0..<len where i + k < b {
                    out.append(input[i + k], from: Int32(base + i), to: Int32(base + min(i + len, n)))
                }
                i += len
            }
        }
        var previous = 0
        do {
            try forEachMatch(input) { s, e in
                copy(previous, s)
                // Aligned to the match's last character, or for an empty match to the one before it.
                var lo = s, hi = s
                if e > s {
                    var k = e - 1
                    while k > s && input[k] & 0xC0 == 0x80 { k -= 1 }
                    lo = k; hi = e
                } else if s > 0 {
                    var k = s - 1
                    while k > 0 && input[k] & 0xC0 == 0x80 { k -= 1 }
                    lo = k
                }
                for b in contentBytes { out.append(b, from: Int32(base + lo), to: Int32(base + hi)) }
                previous = e
            }
        } catch {
            // ICU fails mid-search only when out of memory (matchers have no stack cap): the rest is kept as is.
        }
        copy(previous, n)
    }
}
