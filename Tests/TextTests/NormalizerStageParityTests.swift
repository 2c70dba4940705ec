import Foundation
import Platform
import Testing
@testable import Text

/// Helpers shared by the normalizer stage tests and the e5 tests.
enum StageSupport {
    static var e5TokenizerJSON: URL { TestData.modelsRoot.appendingPathComponent("multilingual-e5-small-q4/tokenizer.json") }

    static func json(_ url: URL) throws -> StrictJSON {
        try StrictJSON.parse([UInt8](try Data(contentsOf: url)), path: url.path)
    }

    /// The e5 tokenizer's Precompiled stage object (normalizer.normalizers[0]).
    static func e5PrecompiledJSON() throws -> StrictJSON {
        let root = try StageJSON(json(e5TokenizerJSON), path: "")
        let normalizer = try root.object("normalizer")
        guard case .object(let m)? = try normalizer.list("normalizers").first else { throw TokenizerError("no Precompiled stage") }
        return .object(m)
    }

    static func run(_ n: any TextNormalizer, _ text: String) -> AlignedText {
        var out = AlignedText()
        var t = text
        t.withUTF8 { n.normalize($0, base: 0, into: &out) }
        return out
    }

    /// Each normalized character's original byte range (its first byte's; every byte of a character
    /// must carry the same, as in HF).
    static func charOffsets(_ out: AlignedText) -> (offsets: [[Int]], uniform: Bool) {
        var offsets: [[Int]] = []
        var uniform = true
        var k = 0
        while k < out.count {
            let len = UTF8Coding.sequenceLength(out.bytes[k])
            offsets.append([Int(out.sourceStart[k]), Int(out.sourceEnd[k])])
            for m in k..<min(k + len, out.count) where out.sourceStart[m] != out.sourceStart[k] || out.sourceEnd[m] != out.sourceEnd[k] {
                uniform = false
            }
            k += len
        }
        return (offsets, uniform)
    }
}

@Suite struct NormalizerStageParityTests {
    struct Case { let text: String; let normalized: String; let offsets: [[Int]] }

    /// (stage JSON, cases) from Tests/Fixtures/text/normalizers/stages.json (HF `tokenizers`).
    static func fixture() throws -> [(StrictJSON, [Case])] {
        let root = try StageJSON(StageSupport.json(TestData.fixtures.appendingPathComponent("normalizers/stages.json")), path: "stages.json")
        var out: [(StrictJSON, [Case])] = []
        for entry in try root.objects("stages") {
            let stage = try entry.object("stage")
            var members = stage.members
            if try stage.optionalString("charsmap") == "e5" { members = try StageSupport.e5PrecompiledJSON().objectMembers }
            let cases = try entry.objects("cases").map { c in
                Case(text: try c.string("text"), normalized: try c.string("normalized"),
                     offsets: try c.list("offsets").map { pair -> [Int] in
                         guard case .array(let a) = pair else { throw TokenizerError("bad pair") }
                         return a.compactMap { if case .integer(let i) = $0 { Int(i) } else { nil } }
                     })
            }
            out.append((.object(members), cases))
        }
        return out
    }

    @Test func stagesMatchHF() throws {
        var checked = 0
        for (json, cases) in try NormalizerStageParityTests.fixture() {
            let stage = try Normalizers.make(StageJSON(json, path: "normalizer"))
            let name = (try? StageJSON(json, path: "").type()) ?? "?"
            for c in cases {
                let out = StageSupport.run(stage, c.text)
                let (offsets, uniform) = StageSupport.charOffsets(out)
                #expect(out.string == c.normalized, "\(name) \(c.text.debugDescription)")
                #expect(offsets == c.offsets, "\(name) \(c.text.debugDescription) → \(out.string.debugDescription)")
                #expect(uniform, "\(name) \(c.text.debugDescription): bytes of one character aligned apart")
                // Ids-only mode writes the same bytes.
                var bare = AlignedText(tracksSource: false)
                var t = c.text
                t.withUTF8 { stage.normalize($0, base: 0, into: &bare) }
                #expect(bare.bytes == out.bytes, "\(name) \(c.text.debugDescription) without offsets")
                checked += 1
            }
        }
        #expect(checked > 500)
    }

    @Test func stagesWriteBackTheirJSON() throws {
        for (json, _) in try NormalizerStageParityTests.fixture() {
            let stage = try Normalizers.make(StageJSON(json, path: "normalizer"))
            #expect(stage.json == json)
        }
    }

    @Test func baseIsAddedToEveryOffset() throws {
        let stage = try Normalizers.make(StageJSON(StageSupport.e5PrecompiledJSON(), path: "normalizer"))
        var out = AlignedText()
        var t = "\u{FB01}x"
        t.withUTF8 { stage.normalize($0, base: 100, into: &out) }
        #expect(out.string == "fix")
        #expect(StageSupport.charOffsets(out).offsets == [[100, 103], [100, 103], [103, 104]])
    }

    @Test func unknownStageNamesItsPath() throws {
        let json = StrictJSON.object([("type", .string("Sequence")), ("normalizers", .array([.stage("Lowercase"), .stage("Nope")]))])
        #expect(throws: TokenizerError.self) { try Normalizers.make(StageJSON(json, path: "normalizer")) }
        do { _ = try Normalizers.make(StageJSON(json, path: "normalizer")) } catch let e as TokenizerError {
            #expect(e.message.hasPrefix("normalizer.normalizers[1].type: unsupported normalizer \"Nope\""), "\(e.message)")
        }
    }
}

@Suite struct PrecompiledNormalizerTests {
    func error(_ blob: [UInt8]) -> String? {
        error(base64: Base64.encode(blob))
    }

    func error(base64: String) -> String? {
        let json = StrictJSON.object([("type", .string("Sequence")), ("normalizers", .array([
            .stage("Precompiled", [("precompiled_charsmap", .string(base64))]),
        ]))])
        do {
            _ = try Normalizers.make(StageJSON(json, path: "normalizer"))
            return nil
        } catch let e as TokenizerError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    static func u32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }

    /// A one-rule trie: "a" → replacement at `value`. Darts-clone units: the root (offset 1 → children
    /// at 1 ^ c), the node for 'a' at 1 ^ 0x61 = 0x60 (label 'a', has leaf, offset 0x60 ^ 0x40 → value
    /// unit at 0x40 ... chosen so every position is inside 0x80 units).
    static func oneRule(value: UInt32, strings: [UInt8], trieUnits: Int = 0x80, childOffset: UInt32 = 0x20) -> [UInt8] {
        var units = [UInt32](repeating: 0, count: trieUnits)
        units[0] = 1 << 10                        // root: offset 1
        let node = 1 ^ 0x61                      // 0x60
        let leafPosition = node ^ Int(childOffset)
        units[node] = 0x61 | 0x100 | (childOffset << 10)
        if leafPosition < trieUnits { units[leafPosition] = 0x8000_0000 | value }
        return u32(UInt32(trieUnits * 4)) + units.flatMap { u32($0) } + strings
    }

    @Test func handBuiltTrieRewrites() throws {
        let blob = PrecompiledNormalizerTests.oneRule(value: 0, strings: Array("xy\u{0}".utf8))
        let n = try PrecompiledNormalizer(charsmap: blob)
        let out = StageSupport.run(n, "bab")
        #expect(out.string == "bxyb")
        #expect(StageSupport.charOffsets(out).offsets == [[0, 1], [1, 2], [1, 2], [2, 3]])
        #expect(error(blob) == nil)
    }

    /// Raw callers may pass a truncated UTF-8 sequence: the stage stops at the end of the buffer.
    @Test func truncatedUTF8StaysInsideTheBuffer() throws {
        let stage = try PrecompiledNormalizer(charsmap: try Base64.decode(try StageJSON(StageSupport.e5PrecompiledJSON(), path: "").string("precompiled_charsmap")))
        for bytes: [UInt8] in [[0x61, 0xE2, 0x82], [0xF0, 0x9F], [0x61, 0xCC], [0xE2]] {
            for tracks in [true, false] {
                var out = AlignedText(tracksSource: tracks)
                bytes.withUnsafeBufferPointer { stage.normalize($0, base: 0, into: &out) }
                #expect(out.bytes == bytes)
            }
        }
    }

    @Test func emptyBlobIsIdentity() throws {
        let n = try PrecompiledNormalizer(charsmap: [])
        #expect(StageSupport.run(n, "ﬁ\u{0}x").string == "ﬁ\u{0}x")
        let emptyTrie = try PrecompiledNormalizer(charsmap: [0, 0, 0, 0])
        #expect(StageSupport.run(emptyTrie, "abc").string == "abc")
    }

    @Test func malformedBlobsAreErrorsNamingThePath() throws {
        let prefix = "normalizer.normalizers[0].precompiled_charsmap: "
        let cases: [(String?, String)] = [
            (error(base64: "AAA"), "invalid base64"),
            (error(base64: "AA*A"), "invalid base64"),
            (error(base64: "AB=="), "trailing bits"),
            (error([1, 0]), "truncated"),
            (error(PrecompiledNormalizerTests.u32(400) + [0, 0, 0, 0]), "truncated"),
            // Root offset far outside the trie.
            (error(PrecompiledNormalizerTests.u32(4) + PrecompiledNormalizerTests.u32(0xFFFF_FC00)), "root points outside"),
            // A child whose offset leads outside the padded trie.
            (error(PrecompiledNormalizerTests.oneRule(value: 0, strings: Array("x\u{0}".utf8), childOffset: 0x3FFF)), "points outside the trie"),
            // Replacement offset past the strings.
            (error(PrecompiledNormalizerTests.oneRule(value: 50, strings: Array("x\u{0}".utf8))), "past the 2 bytes"),
            // Replacement offset inside a UTF-8 character, strings not UTF-8.
            (error(PrecompiledNormalizerTests.oneRule(value: 1, strings: Array("é\u{0}".utf8))), "inside a UTF-8 character"),
            (error(PrecompiledNormalizerTests.oneRule(value: 0, strings: [0xFF, 0])), "not valid UTF-8"),
        ]
        for (message, expected) in cases {
            #expect(message?.hasPrefix(prefix) == true, "\(message ?? "no error")")
            #expect(message?.contains(expected) == true, "\(message ?? "no error") should say \(expected)")
        }
    }

    @Test func writesBackTheSameBlob() throws {
        let json = try StageSupport.e5PrecompiledJSON()
        let stage = try Normalizers.make(StageJSON(json, path: "normalizer"))
        #expect(stage.json == json)
        #expect(Base64.encode(try Base64.decode("QUJD")) == "QUJD")
        #expect(try Base64.decode("QQ==") == [0x41] && Base64.encode([0x41, 0x42]) == "QUI=")
    }
}

extension StrictJSON {
    var objectMembers: [(String, StrictJSON)] { if case .object(let m) = self { m } else { [] } }
}
