import Foundation
import Platform
import Testing
@testable import Text

/// Golden outputs of HF `tokenizers` for every stage (tools/reference/text_stages.py writes
/// Tests/Fixtures/text/stages/*.json): pieces and offsets of pre-tokenizers, normalized text and
/// offsets of normalizers, decoded text of decoders, each stage's JSON as HF writes it, and the
/// stage objects HF refuses.
enum StageFixtures {
    static func load(_ name: String) throws -> StrictJSON {
        let path = TestData.fixtures.appendingPathComponent("stages/\(name).json").path
        guard let v = try StrictJSON.read(path: path)[name] else { throw TokenizerError("\(name).json: no \(name)") }
        return v
    }

    static func array(_ v: StrictJSON?) -> [StrictJSON] {
        if case .array(let a)? = v { return a }
        return []
    }
    static func int(_ v: StrictJSON?) -> Int {
        if case .integer(let i)? = v { return Int(i) }
        return -1
    }
    static func string(_ v: StrictJSON?) -> String? {
        if case .string(let s)? = v { return s }
        return nil
    }

    /// The text of a fixture entry: literal, or a sentence of the shared data.
    static func text(_ entry: StrictJSON) throws -> String {
        if let t = string(entry["text"]) { return t }
        guard let rel = string(entry["data"]) else { throw TokenizerError("bad text entry") }
        return try TestData.sentences(rel)[int(entry["index"])]
    }

    /// Scalar index of every byte offset of `s` (and of its end).
    static func charIndex(_ s: String) -> [Int] {
        var out: [Int] = []
        var k = -1
        for b in s.utf8 {
            if b & 0xC0 != 0x80 { k += 1 }
            out.append(k)
        }
        out.append(k + 1)
        return out
    }

    static func aligned(_ s: String, tracking: Bool = true) -> AlignedText {
        var t = AlignedText(tracksSource: tracking)
        var x = s
        x.withUTF8 { IdentityNormalizer().normalize($0, base: 0, into: &t) }
        return t
    }
}

@Suite struct PreTokenizerStageTests {
    /// (piece, start, end) with offsets in characters of the original, as HF's `pre_tokenize_str`.
    static func pieces(_ stage: any PreTokenizerStage, _ text: String, tracking: Bool = true) throws -> [(String, Int, Int)] {
        var t = StageFixtures.aligned(text, tracking: tracking)
        var words: [WordSpan] = []
        try stage.split(&t, words: &words, isFirstSegment: true, scratch: PreTokenizerScratch())
        let idx = StageFixtures.charIndex(text)
        return words.map { w in
            let r = Int(w.start)..<Int(w.end)
            let piece = String(decoding: t.bytes[r], as: UTF8.self)
            guard tracking else { return (piece, 0, 0) }
            let o = t.sourceRange(of: r)
            return (piece, idx[o.lowerBound], idx[o.upperBound])
        }
    }

    @Test func matchesHF() throws {
        let cases = StageFixtures.array(try StageFixtures.load("pretokenizers"))
        #expect(cases.count > 30)
        var failures: [String] = []
        var checked = 0
        for c in cases {
            guard let stageJSON = c["stage"] else { continue }
            let stage = try #require(try PreTokenizers.make(stageJSON, path: "pre_tokenizer"))
            #expect(stage.json == stageJSON, "JSON written back: \(String(decoding: stage.json.serialized(), as: UTF8.self))")
            let again = try #require(try PreTokenizers.make(stage.json, path: "pre_tokenizer"))
            #expect(again.json == stageJSON)
            let shown = String(decoding: stageJSON.serialized(), as: UTF8.self)
            for (entry, expected) in zip(StageFixtures.array(c["texts"]), StageFixtures.array(c["pieces"])) {
                let text = try StageFixtures.text(entry)
                let scalars = Array(text.unicodeScalars)
                let want: [(String, Int, Int)] = StageFixtures.array(expected).map { p in
                    let a = StageFixtures.array(p)
                    if a.count == 2 {
                        let s = StageFixtures.int(a[0]), e = StageFixtures.int(a[1])
                        var v = String.UnicodeScalarView(); v.append(contentsOf: scalars[s..<e])
                        return (String(v), s, e)
                    }
                    return (StageFixtures.string(a[0]) ?? "", StageFixtures.int(a[1]), StageFixtures.int(a[2]))
                }
                let got = try PreTokenizerStageTests.pieces(again, text)
                let same = got.count == want.count && zip(got, want).allSatisfy { Array($0.0.utf8) == Array($1.0.utf8) && $0.1 == $1.1 && $0.2 == $1.2 }
                if !same { failures.append("\(shown) on \(text.debugDescription):\n  got  \(got)\n  want \(want)") }
                // The ids-only path (no alignment) cuts the same pieces.
                let fast = try PreTokenizerStageTests.pieces(again, text, tracking: false).map(\.0)
                if fast.map({ Array($0.utf8) }) != want.map({ Array($0.0.utf8) }) { failures.append("\(shown) untracked on \(text.debugDescription): \(fast)") }
                checked += 1
            }
        }
        #expect(checked > 1000)
        #expect(failures.isEmpty, "\(failures.count) differences, first: \(failures.prefix(6).joined(separator: "\n"))")
    }

    /// Metaspace's `first` prepends only for the text at the input's start: not after a special token.
    @Test func metaspaceFirstOnlyAtTheStart() throws {
        let m = MetaspacePreTokenizer(prependScheme: .first)
        var t = StageFixtures.aligned("Hey you")
        var words: [WordSpan] = []
        try m.split(&t, words: &words, isFirstSegment: false, scratch: PreTokenizerScratch())
        #expect(t.string == "Hey\u{2581}you" && words.count == 2)
        let always = MetaspacePreTokenizer(prependScheme: .always)
        var u = StageFixtures.aligned("Hey")
        words = []
        try always.split(&u, words: &words, isFirstSegment: false, scratch: PreTokenizerScratch())
        #expect(u.string == "\u{2581}Hey")
        // HF aligns the prepended character to the first one.
        #expect(u.sourceRange(of: 0..<3) == 0..<1)
    }

    /// Without alignment `first` cannot see that a normalizer removed the text's start, so the
    /// stage asks for alignment; the ids-only path must then keep it (same words either way).
    @Test func metaspaceFirstAsksForAlignment() throws {
        let first = try #require(try PreTokenizers.make(.stage("Sequence", [("pretokenizers", .array([
            .stage("Metaspace", [("replacement", .string("\u{2581}")), ("prepend_scheme", .string("first")), ("split", .bool(true))]),
        ]))]), path: "pre_tokenizer"))
        #expect(first.needsSourceAlignment)
        #expect(!MetaspacePreTokenizer(prependScheme: .always).needsSourceAlignment)
        #expect(!ByteLevelPreTokenizer().needsSourceAlignment)
        // "  ab" with its two spaces removed by a normalizer: "ab" aligned to 2..<4.
        var t = AlignedText()
        t.append(0x61, from: 2, to: 3); t.append(0x62, from: 3, to: 4)
        var words: [WordSpan] = []
        try first.split(&t, words: &words, isFirstSegment: true, scratch: PreTokenizerScratch())
        #expect(t.string == "ab")
    }

    /// One compiled pattern used from many threads at once (each borrows its own ICU matcher).
    @Test func regexSplitIsThreadSafe() throws {
        let stage = try #require(try PreTokenizers.make(
            .stage("Split", [("pattern", .object([("Regex", .string("\\p{L}+|\\p{N}+"))])), ("behavior", .string("Isolated")), ("invert", .bool(false))]),
            path: "pre_tokenizer"))
        let texts = (0..<64).map { "word\($0) числа \($0 * 7) 中文\($0)" }
        let expected = try texts.map { try PreTokenizerStageTests.pieces(stage, $0).map(\.0) }
        final class Passed: @unchecked Sendable {
            let lock = NSLock()
            var count = 0
            func add() { lock.lock(); count += 1; lock.unlock() }
        }
        let passed = Passed()
        DispatchQueue.concurrentPerform(iterations: texts.count) { i in
            for _ in 0..<20 {
                guard let got = try? PreTokenizerStageTests.pieces(stage, texts[i]).map(\.0) else { return }
                if got != expected[i] { return }
            }
            passed.add()
        }
        #expect(passed.count == texts.count)
        #expect(expected[3] == ["word", "3", " ", "\u{0447}\u{0438}\u{0441}\u{043B}\u{0430}", " ", "21", " ", "中文", "3"])
    }
}

@Suite struct NormalizerStageTests {
    @Test func matchesHF() throws {
        let cases = StageFixtures.array(try StageFixtures.load("normalizers"))
        #expect(cases.count >= 10)
        var failures: [String] = []
        var checked = 0
        for c in cases {
            guard let stageJSON = c["stage"] else { continue }
            let stage = try #require(try Normalizers.make(stageJSON, path: "normalizer"))
            #expect(stage.json == stageJSON, "JSON written back: \(String(decoding: stage.json.serialized(), as: UTF8.self))")
            let shown = String(decoding: stageJSON.serialized(), as: UTF8.self)
            for (entry, r) in zip(StageFixtures.array(c["texts"]), StageFixtures.array(c["results"])) {
                let text = try StageFixtures.text(entry)
                let want = StageFixtures.string(r["normalized"]) ?? ""
                let offsets = StageFixtures.array(r["offsets"]).map { StageFixtures.int($0) }
                var out = AlignedText()
                var x = text
                x.withUTF8 { stage.normalize($0, base: 0, into: &out) }
                // The same through `renormalize` (a later stage of a Sequence) over aligned text.
                var again = StageFixtures.aligned(text)
                var spare = AlignedText()
                stage.renormalize(&again, spare: &spare)
                if out.bytes != Array(want.utf8) || again.bytes != out.bytes {
                    failures.append("\(shown) on \(text.debugDescription): got \(out.string.debugDescription), want \(want.debugDescription)")
                    continue
                }
                let idx = StageFixtures.charIndex(text)
                var got: [Int] = []
                var i = 0
                while i < out.count {
                    let len = UTF8Coding.sequenceLength(out.bytes[i])
                    let o = out.sourceRange(of: i..<(i + len))
                    got += [idx[o.lowerBound], idx[o.upperBound]]
                    let o2 = again.sourceRange(of: i..<(i + len))
                    if o2 != o { failures.append("\(shown) renormalized offsets on \(text.debugDescription) at byte \(i)") }
                    i += len
                }
                if got != offsets { failures.append("\(shown) offsets on \(text.debugDescription):\n  got  \(got)\n  want \(offsets)") }
                checked += 1
            }
        }
        #expect(checked > 250)
        #expect(failures.isEmpty, "\(failures.count) differences, first: \(failures.prefix(6).joined(separator: "\n"))")
    }

    /// A match longer than ICU's default backtracking stack allows (8 MB) still completes.
    @Test func longMatchesDoNotOverflow() throws {
        let n = ReplaceNormalizer(pattern: try StagePattern(regex: "(a|b)+"), content: "x")
        var out = AlignedText(tracksSource: false)
        var text = String(repeating: "ab", count: 300_000) + " c"
        text.withUTF8 { n.normalize($0, base: 0, into: &out) }
        #expect(out.string == "x c")
    }

    /// XLM-R's space collapse runs without ICU; it must agree with the regex engine on every text.
    @Test func spaceRunFastPathAgreesWithRegex() throws {
        let fast = ReplaceNormalizer(pattern: try StagePattern(regex: " {2,}"), content: " ")
        let slow = ReplaceNormalizer(pattern: try StagePattern(regex: "[ ]{2,}"), content: " ")
        for text in ["", " ", "  ", "a  b   c    d ", "   x", "x   ", "\u{3000}  \u{00A0}  é  ", "a \t  b"] {
            var a = AlignedText(), b = AlignedText()
            var x = text
            x.withUTF8 { fast.normalize($0, base: 3, into: &a); slow.normalize($0, base: 3, into: &b) }
            #expect(a.bytes == b.bytes && a.sourceStart == b.sourceStart && a.sourceEnd == b.sourceEnd, "\(text.debugDescription)")
        }
    }
}

@Suite struct DecoderStageTests {
    @Test func matchesHF() throws {
        let fixture = try StageFixtures.load("decoders")
        let inputs = StageFixtures.array(fixture["inputs"]).map { StageFixtures.array($0).map { StageFixtures.string($0) ?? "" } }
        let cases = StageFixtures.array(fixture["cases"])
        #expect(cases.count >= 20 && inputs.count >= 20)
        var failures: [String] = []
        var checked = 0
        for c in cases {
            guard let stageJSON = c["stage"] else { continue }
            let stage = try #require(try Decoders.make(stageJSON, path: "decoder"))
            #expect(stage.json == stageJSON, "JSON written back: \(String(decoding: stage.json.serialized(), as: UTF8.self))")
            let shown = String(decoding: stageJSON.serialized(), as: UTF8.self)
            for (tokens, r) in zip(inputs, StageFixtures.array(c["results"])) {
                guard let want = StageFixtures.string(r) else { continue }  // HF fails on this input
                let got = stage.decode(tokens)
                if Array(got.utf8) != Array(want.utf8) { failures.append("\(shown) on \(tokens): got \(got.debugDescription), want \(want.debugDescription)") }
                checked += 1
            }
        }
        #expect(checked > 400)
        #expect(failures.isEmpty, "\(failures.count) differences, first: \(failures.prefix(6).joined(separator: "\n"))")
    }
}

@Suite struct StageErrorTests {
    /// Every stage object HF refuses is refused here too, with the JSON path of the bad key.
    @Test func refusedWithTheirPath() throws {
        let cases = StageFixtures.array(try StageFixtures.load("rejected"))
        #expect(cases.count > 20)
        for c in cases {
            let kind = StageFixtures.string(c["kind"]) ?? ""
            let path = StageFixtures.string(c["path"]) ?? ""
            let stage = c["stage"]
            var message = ""
            do {
                switch kind {
                case "pre_tokenizer": _ = try PreTokenizers.make(stage, path: kind)
                case "normalizer": _ = try Normalizers.make(stage, path: kind)
                default: _ = try Decoders.make(stage, path: kind)
                }
            } catch {
                message = "\(error)"
            }
            #expect(message.hasPrefix(path + ":"), "\(String(decoding: (stage ?? .null).serialized(), as: UTF8.self)) → \(message.isEmpty ? "accepted" : message)")
        }
    }
}

@Suite struct CharacterClassStageTests {
    /// The shared classes against HF's own decisions (found through its pre-tokenizers) for every
    /// assigned code point of the reference's Unicode version.
    @Test func classesMatchHF() throws {
        let f = try StageFixtures.load("classes")
        func set(_ name: String) -> [ClosedRange<UInt32>] {
            StageFixtures.array(f[name]).map { r in
                let a = StageFixtures.array(r)
                return UInt32(StageFixtures.int(a[0]))...UInt32(StageFixtures.int(a[1]))
            }
        }
        func contains(_ ranges: [ClosedRange<UInt32>], _ c: UInt32) -> Bool {
            var lo = 0, hi = ranges.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if ranges[mid].upperBound < c { lo = mid + 1 } else { hi = mid }
            }
            return lo < ranges.count && ranges[lo].contains(c)
        }
        let classes: [(String, UInt8)] = [("word", ScalarClasses.word), ("space", ScalarClasses.space), ("letter", ScalarClasses.letter),
                                          ("number", ScalarClasses.number), ("numeric", ScalarClasses.number), ("punctuation", ScalarClasses.punctuation)]
        let domain = set("domain")
        #expect(domain.reduce(0) { $0 + $1.count } > 100_000)
        for (name, flag) in classes {
            let members = set(name)
            var differ: [String] = []
            for r in domain {
                for c in r where contains(members, c) != (ScalarClasses.of(c) & flag != 0) {
                    differ.append(String(c, radix: 16, uppercase: true))
                }
            }
            #expect(differ.isEmpty, "\(name): \(differ.count) code points differ: \(differ.prefix(40))")
        }
        // UnicodeScripts: whether each code point stays with the one before it.
        let joined = set("sameScriptAsPrevious")
        #expect(joined.count > 100)
        var differ: [String] = []
        let any = Int32(-1)
        for r in domain {
            for c in r where c > 0 && contains(domain, c - 1) {
                let a = UnicodeScriptsPreTokenizer.compute(c - 1), b = UnicodeScriptsPreTokenizer.compute(c)
                // Two that fit any script make no word at all (HF drops text before the first script).
                let same = a == any && b == any ? false : (a == b || a == any || b == any)
                if same != contains(joined, c) { differ.append(String(c, radix: 16, uppercase: true)) }
            }
        }
        #expect(differ.isEmpty, "scripts: \(differ.count) code points differ: \(differ.prefix(40))")
    }
}

@Suite struct SplitBehaviorStageTests {
    /// HF's `NormalizedString::split` written as HF writes it (a fold over the whole list of pieces,
    /// MergedWithNext from the end), the reference for the streaming `DelimiterSplitter`.
    static func reference(_ pieces: [(Int, Int, Bool)], _ behavior: SplitDelimiterBehavior) -> [(Int, Int)] {
        var acc: [(Int, Int, Bool)] = []  // (start, end, removed)
        var previous = false
        switch behavior {
        case .isolated: acc = pieces.map { ($0.0, $0.1, false) }
        case .removed: acc = pieces
        case .contiguous:
            for (s, e, m) in pieces {
                if m == previous, let last = acc.last { acc[acc.count - 1] = (last.0, e, false) } else { acc.append((s, e, false)) }
                previous = m
            }
        case .mergedWithPrevious:
            for (s, e, m) in pieces {
                if m && !previous, let last = acc.last { acc[acc.count - 1] = (last.0, e, false) } else { acc.append((s, e, false)) }
                previous = m
            }
        case .mergedWithNext:
            for (s, e, m) in pieces.reversed() {
                if m && !previous, let last = acc.last { acc[acc.count - 1] = (s, last.1, false) } else { acc.append((s, e, false)) }
                previous = m
            }
            acc.reverse()
        }
        return acc.filter { !$0.2 && $0.1 > $0.0 }.map { ($0.0, $0.1) }
    }

    @Test func streamingEqualsHFFold() throws {
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        for _ in 0..<3000 {
            // Random matches (some empty) over a text of n bytes, as a pattern gives them.
            let n = Int.random(in: 0...12, using: &rng)
            var matches: [(Int, Int)] = []
            var p = 0
            while p <= n {
                let s = p + Int.random(in: 0...2, using: &rng)
                if s > n { break }
                let e = min(n, s + Int.random(in: 0...2, using: &rng))
                if let last = matches.last, last == (s, e) { p = s + 1; continue }
                matches.append((s, e))
                p = e == s ? s + 1 : e
            }
            var pieces: [(Int, Int, Bool)] = []
            var previous = 0
            for (s, e) in matches {
                if s > previous { pieces.append((previous, s, false)) }
                pieces.append((s, e, true))
                previous = e
            }
            if previous < n { pieces.append((previous, n, false)) }
            for behavior in SplitDelimiterBehavior.allCases {
                for invert in [false, true] {
                    let flipped = pieces.map { ($0.0, $0.1, $0.2 != invert) }
                    var splitter = DelimiterSplitter(behavior)
                    var words: [WordSpan] = []
                    try splitter.split(count: n, invert: invert, into: &words) { emit in
                        for (s, e) in matches { try emit(s, e) }
                    }
                    let got = words.map { (Int($0.start), Int($0.end)) }
                    let want = SplitBehaviorStageTests.reference(flipped, behavior)
                    #expect(got.count == want.count && zip(got, want).allSatisfy { $0 == $1 }, "\(behavior) invert \(invert) \(matches) in \(n): \(got) vs \(want)")
                    checked += 1
                }
            }
        }
        #expect(checked == 30000)
    }

    /// ByteLevel then its decoder gives the text back, whatever the script.
    @Test func byteLevelRoundTrip() throws {
        let pre = ByteLevelPreTokenizer(ByteLevelOptions(addPrefixSpace: false))
        let dec = ByteLevelDecoder()
        var texts = ["", " ", "a\u{0}b\u{7F}\u{AD}c", "👩\u{200D}👩\u{200D}👧 x", "\t\n\r\n"]
        for lang in ["arb_Arab", "hin_Deva", "jpn_Jpan", "tha_Thai", "zho_Hans", "kor_Hang"] {
            texts += try TestData.sentences("sib200/annotated/\(lang)/test.tsv").prefix(5)
        }
        for text in texts {
            let pieces = try PreTokenizerStageTests.pieces(pre, text).map(\.0)
            #expect(pieces.allSatisfy { $0.unicodeScalars.allSatisfy { ByteLevelAlphabet.byte(of: $0.value) != nil } })
            #expect(Array(dec.decode(pieces).utf8) == Array(text.utf8), "\(text.debugDescription)")
        }
    }
}
