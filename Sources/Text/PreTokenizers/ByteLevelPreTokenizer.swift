import Platform

/// GPT-2's byte alphabet: every byte as a printable character (bytes 33-126, 161-172 and 174-255
/// stand for themselves, the others for U+0100 onwards in byte order), so any text, any UTF-8,
/// becomes a string of vocabulary characters.
public enum ByteLevelAlphabet {
    /// The character standing for each byte.
    public static let scalarOfByte: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                t[b] = UInt32(b)
            } else {
                t[b] = next; next += 1
            }
        }
        return t
    }()

    /// The UTF-8 of each byte's character, 2 bytes per entry (the second 0 when it is one byte).
    static let utf8OfByte: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 512)
        for b in 0..<256 {
            let u = UTF8Coding.bytes(of: scalarOfByte[b])
            t[2 * b] = u[0]
            if u.count > 1 { t[2 * b + 1] = u[1] }
        }
        return t
    }()

    /// The byte each alphabet character stands for (nil for other characters).
    public static func byte(of scalar: UInt32) -> UInt8? {
        if scalar < 0x144 {
            let v = byteOfScalar[Int(scalar)]
            return v < 256 ? UInt8(v) : nil
        }
        return nil
    }

    private static let byteOfScalar: [UInt16] = {
        var t = [UInt16](repeating: 0xFFFF, count: 0x144)
        for b in 0..<256 { t[Int(scalarOfByte[b])] = UInt16(b) }
        return t
    }()
}

/// HF's `ByteLevel` pre-tokenizer (GPT-2, RoBERTa): optionally a space prepended, the text split
/// with GPT-2's pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// (matched here by hand on scalars), then every byte replaced by its character of GPT-2's alphabet.
/// `trim_offsets` concerns the post-processor; it is read and written back.
public struct ByteLevelPreTokenizer: PreTokenizerStage {
    public static let typeNames = ["ByteLevel"]
    public var options: ByteLevelOptions
    public var addPrefixSpace: Bool { options.addPrefixSpace }
    public var useRegex: Bool { options.useRegex }

    public init(_ options: ByteLevelOptions = ByteLevelOptions()) { self.options = options }
    public init(json: StageJSON) throws { options = try ByteLevelOptions(json: json) }
    public var json: StrictJSON { options.json }

    public func split(_ text: inout AlignedText, words: inout [WordSpan], isFirstSegment: Bool, scratch: PreTokenizerScratch) throws {
        let n = text.count
        if n == 0 { return }
        let prefix = addPrefixSpace && text.bytes[0] != 0x20
        var out = scratch.takeSpare(tracking: text.tracksSource)
        out.bytes.reserveCapacity(2 * n + 2)
        if out.tracksSource { out.sourceStart.reserveCapacity(2 * n + 2); out.sourceEnd.reserveCapacity(2 * n + 2) }
        // The pattern runs on the text with its prefix: a copy in the scratch buffer.
        var input = scratch.byteLevelInput
        scratch.byteLevelInput = []
        input.removeAll(keepingCapacity: true)
        if prefix { input.append(0x20) }
        input += text.bytes
        let shift = prefix ? 1 : 0
        let source = text
        ScalarClasses.bmp.withUnsafeBufferPointer { t in
            ByteLevelAlphabet.utf8OfByte.withUnsafeBufferPointer { alphabet in
                input.withUnsafeBufferPointer { p in
                    /// Appends input bytes a..<b in the alphabet, each character's bytes aligned to it.
                    func map(_ a: Int, _ b: Int) {
                        let wordStart = out.count
                        var i = a
                        while i < b {
                            let len = UTF8Coding.sequenceLength(p[i])
                            var lo: Int32 = 0, hi: Int32 = 0
                            if out.tracksSource {
                                // The prefix space stands where the first character is (HF's prepend).
                                let k = i < shift ? 0 : i - shift
                                let kl = i < shift ? UTF8Coding.sequenceLength(source.bytes[0]) : len
                                lo = source.sourceStart[k]; hi = source.sourceEnd[k]
                                for j in k..<min(k + kl, source.count) {
                                    lo = min(lo, source.sourceStart[j]); hi = max(hi, source.sourceEnd[j])
                                }
                            }
                            for j in i..<min(i + len, b) {
                                let byte = Int(p[j])
                                out.append(alphabet[2 * byte], from: lo, to: hi)
                                let second = alphabet[2 * byte + 1]
                                if second != 0 { out.append(second, from: lo, to: hi) }
                            }
                            i += len
                        }
                        if out.count > wordStart { words.append(WordSpan(start: Int32(wordStart), end: Int32(out.count))) }
                    }
                    if useRegex {
                        ByteLevelPreTokenizer.gpt2Pieces(p, t, map)
                    } else {
                        map(0, p.count)
                    }
                }
            }
        }
        scratch.byteLevelInput = input
        swap(&text, &out)
        scratch.spare = out
    }

    /// The matches of GPT-2's pattern, in order (they cover the text).
    static func gpt2Pieces(_ p: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        let n = p.count
        let L = ScalarClasses.letter, N = ScalarClasses.number, S = ScalarClasses.space
        @inline(__always) func cls(_ i: Int) -> (UInt8, Int) {
            let (c, len) = UTF8Coding.decode(p, at: i)
            return (ScalarClasses.of(c, t), len)
        }
        /// End of the run of characters from `i` whose classes satisfy `keep`.
        @inline(__always) func run(_ i: Int, _ keep: (UInt8) -> Bool) -> Int {
            var j = i
            while j < n {
                let (k, len) = cls(j)
                if !keep(k) { break }
                j += len
            }
            return j
        }
        var i = 0
        while i < n {
            let start = i
            // 's 't 're 've 'm 'll 'd
            if p[i] == 0x27 && i + 1 < n {
                let a = p[i + 1]
                var end = 0
                if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { end = i + 2 }
                else if i + 2 < n {
                    let b = p[i + 2]
                    if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { end = i + 3 }
                }
                if end > 0 { body(start, end); i = end; continue }
            }
            var (k, len) = cls(i)
            var j = i
            // An optional space before a letter, number or other run.
            if p[i] == 0x20 && i + 1 < n {
                let (k2, len2) = cls(i + 1)
                if k2 & S == 0 { j = i + 1; k = k2; len = len2 }
            }
            var end: Int
            if k & L != 0 {
                end = run(j + len) { $0 & L != 0 }
            } else if k & N != 0 {
                end = run(j + len) { $0 & N != 0 }
            } else if k & S == 0 {
                end = run(j + len) { $0 & (L | N | S) == 0 }
            } else {
                // White space: the run, less its last character when something follows it
                // (`\s+(?!\S)`), unless that leaves nothing (`\s+`).
                var last = i
                end = i
                while end < n {
                    let (k3, len3) = cls(end)
                    if k3 & S == 0 { break }
                    last = end
                    end += len3
                }
                if end < n && last > i { end = last }
            }
            body(start, end)
            i = end
        }
    }
}

/// HF's one `ByteLevel` object, which tokenizer.json uses as pre-tokenizer, post-processor and decoder alike.
public struct ByteLevelOptions: Equatable, Sendable {
    public var addPrefixSpace: Bool
    public var trimOffsets: Bool
    public var useRegex: Bool

    public init(addPrefixSpace: Bool = true, trimOffsets: Bool = true, useRegex: Bool = true) {
        self.addPrefixSpace = addPrefixSpace; self.trimOffsets = trimOffsets; self.useRegex = useRegex
    }

    public init(json: StageJSON) throws {
        self.init(addPrefixSpace: try json.bool("add_prefix_space"), trimOffsets: try json.bool("trim_offsets"),
                  useRegex: try json.bool("use_regex", default: true))
    }

    public var json: StrictJSON {
        .stage("ByteLevel", [("add_prefix_space", .bool(addPrefixSpace)), ("trim_offsets", .bool(trimOffsets)),
                             ("use_regex", .bool(useRegex))])
    }
}
