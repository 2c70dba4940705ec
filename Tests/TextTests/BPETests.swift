import Foundation
import Platform
import Testing
@testable import Text

/// BPE: a Polyglot-trained tokenizer (Tests/Fixtures/text/bpe/tokenizer.json) loaded in HF
/// `tokenizers` by tools/reference/text_bpe_parity.py gives the expected ids; hand-computed merges;
/// the trainer's determinism and the classic toy corpus; rejected files.
@Suite(.serialized) struct BPETests {
    static func fixtureTokenizer() throws -> Tokenizer {
        try Tokenizer.load(from: TestData.fixtures.appendingPathComponent("bpe/tokenizer.json"))
    }

    @Test func idsMatchHF() throws {
        let tokenizer = try Self.fixtureTokenizer()
        guard case .bpe = tokenizer.modelKind else { Issue.record("not a BPE model"); return }
        let cases = try TestData.parityCases("bpe/sib_dev.ids")
        #expect(cases.count > 900)
        let state = EncoderState()
        var mismatches: [String] = []
        for c in cases {
            let ids = try tokenizer.encode(c.1, addSpecialTokens: false, state: state).ids
            let fast = try tokenizer.encodeIDs(c.1, state: state).map { Int($0) }
            if ids != c.2 || fast != c.2 { mismatches.append("\(c.0): \(c.1)\n  ours \(ids)\n  fast \(fast)\n  hf   \(c.2)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ; first: \(mismatches.prefix(3).joined(separator: "\n"))")
    }

    @Test func decodeInvertsEncode() throws {
        let tokenizer = try Self.fixtureTokenizer()
        var failures: [String] = []
        var byteFallbacks = 0
        for c in try TestData.parityCases("bpe/sib_dev.ids") {
            let e = try tokenizer.encode(c.1, addSpecialTokens: false)
            byteFallbacks += e.pieces.filter { byteOfFallbackPiece($0) != nil }.count
            let back = try tokenizer.decode(e.ids)
            if back != (try tokenizer.normalizedText(c.1)) { failures.append("\(c.0): \(back)") }
        }
        #expect(failures.isEmpty, "\(failures.count) differ; first: \(failures.prefix(2))")
        #expect(byteFallbacks > 0)
    }

    @Test func saveAndLoadKeepsEverything() throws {
        let t = try Self.fixtureTokenizer()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-bpe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tokenizer.json")
        try t.save(to: url)
        let back = try Tokenizer.load(from: url)
        guard case let .bpe(a) = t.modelKind, case let .bpe(b) = back.modelKind else { Issue.record("not BPE"); return }
        #expect(a.vocabulary.pieces == b.vocabulary.pieces)
        #expect(a.mergePieces.map { [$0.0, $0.1] } == b.mergePieces.map { [$0.0, $0.1] })
        #expect(a.byteFallback == b.byteFallback && a.unkID == b.unkID && a.fuseUnknown == b.fuseUnknown)
        let text = "Tokenizers split words: ภาษาไทย, 日本語, हिन्दी, العربية, 한국어 😀."
        #expect(try back.encode(text).ids == t.encode(text).ids)
    }

    static func toyModel(byteFallback: Bool = false, fuse: Bool = true, extra: [(String, String)] = []) throws -> BPEModel {
        var pieces = ["<unk>", "a", "b", "c", "ab", "abc", "bc", "aa"]
        if byteFallback { pieces += (0..<256).map { byteFallbackPiece(UInt8($0)) } }
        return try BPEModel(vocabulary: try Vocabulary(pieces: pieces), merges: [("a", "b"), ("ab", "c"), ("b", "c"), ("a", "a")] + extra,
                            unkToken: "<unk>", byteFallback: byteFallback, fuseUnknown: fuse)
    }

    static func run(_ m: BPEModel, _ word: String) -> (ids: [Int32], ranges: [[Int32]]) {
        var out = TokenBuffer()
        var w = word
        w.withUTF8 { m.encode($0, into: &out, scratch: ModelScratch()) }
        return (out.ids, zip(out.starts, out.ends).map { [$0, $1] })
    }

    @Test func mergesFollowRanks() throws {
        let m = try Self.toyModel()
        // a b c b c → (a,b) rank 0 → ab c b c → (ab,c) rank 1 → abc b c → (b,c) rank 2 → abc bc.
        #expect(Self.run(m, "abcbc").ids == [5, 6])
        #expect(Self.run(m, "abcbc").ranges == [[0, 3], [3, 5]])
        // b c a b: (a,b) rank 0 before (b,c) rank 2 → bc ab.
        #expect(Self.run(m, "bcab").ids == [6, 4])
        // Equal ranks: leftmost first.
        #expect(Self.run(m, "aaa").ids == [7, 1])
        // Unknown characters: fused into one <unk> (fuse_unk), or one each.
        #expect(Self.run(m, "xyab").ids == [0, 4])
        #expect(Self.run(m, "xyab").ranges == [[0, 2], [2, 4]])
        #expect(Self.run(try Self.toyModel(fuse: false), "xyab").ids == [0, 0, 4])
        // Byte fallback: "é" (C3 A9) becomes its byte pieces, both spanning the character.
        let fb = try Self.toyModel(byteFallback: true)
        let r = Self.run(fb, "aéb")
        #expect(r.ids == [1, Int32(8 + 0xC3), Int32(8 + 0xA9), 2])
        #expect(r.ranges == [[0, 1], [1, 3], [1, 3], [3, 4]])
    }

    static func toyCorpus() -> [String: [String]] {
        // Sennrich et al.'s example: low ×5, lower ×2, newest ×6, widest ×3.
        ["en": Array(repeating: "low", count: 5) + Array(repeating: "lower", count: 2)
            + Array(repeating: "newest", count: 6) + Array(repeating: "widest", count: 3)]
    }

    @Test func trainerLearnsTheClassicMerges() throws {
        var config = TokenizerTrainer.Config()
        config.algorithm = .bpe
        config.characterCoverage = 1
        // 5 specials + 256 bytes + 11 characters (▁ l o w e r n s t i d) + 5 merges.
        config.vocabSize = 5 + 256 + 11 + 5
        let t = try TokenizerTrainer(config: config).train(Self.toyCorpus())
        guard case let .bpe(m) = t.modelKind else { Issue.record("not BPE"); return }
        // Counts: es 9, st 9 (tie: "e" < "s"), then est 9, then ▁l = lo = ow = 7 (tie by bytes:
        // "l" < "o" < "▁"), then lo·w 7 before ▁·lo 7 ("lo" < "▁"), then ▁·low.
        let expected = [["e", "s"], ["es", "t"], ["l", "o"], ["lo", "w"], ["\u{2581}", "low"]]
        #expect(m.mergePieces.map { [$0.0, $0.1] } == expected)
        #expect(t.vocabSize == config.vocabSize)
        #expect(try t.encode("lowest newer", addSpecialTokens: false).pieces == ["\u{2581}low", "est", "\u{2581}", "n", "e", "w", "e", "r"])
    }

    @Test func trainingIsDeterministic() throws {
        var config = TokenizerTrainer.Config()
        config.algorithm = .bpe
        config.vocabSize = 2500
        config.seed = 3
        config.maxSentencesPerLanguage = 150
        var corpora: [String: [String]] = [:]
        for lang in ["eng_Latn", "tha_Thai", "rus_Cyrl", "hin_Deva"] {
            corpora[lang] = try TestData.sentences("sib200/annotated/\(lang)/dev.tsv")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-bpe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [Data] = []
        for k in 0..<2 {
            let url = dir.appendingPathComponent("t\(k).json")
            try TokenizerTrainer(config: config).train(corpora).save(to: url)
            files.append(try Data(contentsOf: url))
        }
        #expect(files[0] == files[1])
        let t = try Tokenizer.load(from: dir.appendingPathComponent("t0.json"))
        guard case let .bpe(m) = t.modelKind else { Issue.record("not BPE"); return }
        #expect(m.merges.count > 500)
        // No piece is longer than max_piece_length characters.
        #expect(m.vocabulary.pieces.allSatisfy { $0.unicodeScalars.count <= config.maxPieceLength || $0.hasPrefix("<") })
    }

    static func badFile(model: String) -> String {
        """
        {"version": "1.0", "added_tokens": [], "normalizer": null,
         "pre_tokenizer": {"type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "always", "split": true},
         "post_processor": null, "decoder": null,
         "model": \(model)}
        """
    }

    @Test func badFilesAreRejected() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-bpe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String)] = [
            (#"{"type": "BPE", "unk_token": "<unk>", "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3}, "merges": ["a b", "a q"]}"#, "model.merges[1]"),
            (#"{"type": "BPE", "unk_token": "<unk>", "vocab": {"<unk>": 0, "a": 1, "b": 2}, "merges": [["a", "b"]]}"#, "model.merges[0]"),
            (#"{"type": "BPE", "dropout": 0.1, "vocab": {"a": 0}, "merges": []}"#, "model.dropout"),
            (#"{"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}"#, "model.merges[0]"),
            // A piece listed twice in the vocabulary object: a duplicate JSON key, named by its path.
            (#"{"type": "BPE", "vocab": {"a": 0, "b": 1, "a": 2}, "merges": []}"#, "invalid JSON: duplicate key model.vocab.a"),
        ]
        for (i, c) in cases.enumerated() {
            let url = dir.appendingPathComponent("bad\(i).json")
            try Data(Self.badFile(model: c.0).utf8).write(to: url)
            do {
                _ = try Tokenizer.load(from: url)
                Issue.record("case \(i) was accepted")
            } catch {
                let text = "\(error)"
                #expect(text.contains(url.path) && text.contains(c.1), "case \(i): \(text)")
            }
        }
        // Both merge forms are read; a good file loads.
        let url = dir.appendingPathComponent("good.json")
        try Data(Self.badFile(model: #"{"type": "BPE", "unk_token": "<unk>", "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3, "\#u{2581}": 4, "\#u{2581}ab": 5}, "merges": ["a b", ["\#u{2581}", "ab"]]}"#).utf8).write(to: url)
        let t = try Tokenizer.load(from: url)
        #expect(try t.encode("ab ba", addSpecialTokens: false).ids == [5, 4, 2, 1])
    }

    // MARK: - O(n log n) merging against the quadratic reference

    static func runNaive(_ m: BPEModel, _ word: String) -> (ids: [Int32], ranges: [[Int32]]) {
        var out = TokenBuffer()
        var w = word
        w.withUTF8 { m.encodeNaive($0, into: &out) }
        return (out.ids, zip(out.starts, out.ends).map { [$0, $1] })
    }

    /// Random words over a small alphabet (so merges chain and ranks tie) give the same pieces and
    /// byte ranges with the heap as with the scan, on the toy model (unknowns, byte fallback, a pair
    /// listed twice) and on the HF-checked fixture model; one scratch is reused across words.
    @Test func heapMergingEqualsTheNaiveScan() throws {
        var rng = RandomStream(seed: 17, name: "bpe-words")
        let toys = [try Self.toyModel(), try Self.toyModel(byteFallback: true, fuse: false, extra: [("a", "b"), ("b", "c")])]
        let toyAlphabet: [String] = ["a", "b", "c", "a", "b", "é", "x"]
        guard case let .bpe(fixture) = try Self.fixtureTokenizer().modelKind else { Issue.record("not BPE"); return }
        let fixtureAlphabet = Array("\u{2581}abcdeilnorstuéàπиж日".unicodeScalars).map(String.init)
        let scratch = ModelScratch()
        var compared = 0
        for (model, alphabet) in toys.map({ ($0, toyAlphabet) }) + [(fixture, fixtureAlphabet)] {
            for _ in 0..<400 {
                let length = 1 + Int(rng.next() % 40)
                let word = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
                var fast = TokenBuffer()
                var w = word
                w.withUTF8 { model.encode($0, into: &fast, scratch: scratch) }
                let naive = Self.runNaive(model, word)
                #expect(fast.ids == naive.ids, "\(word)")
                #expect(zip(fast.starts, fast.ends).map { [$0, $1] } == naive.ranges, "\(word)")
                compared += 1
            }
        }
        #expect(compared == 1200)
    }

    /// Whole fixture sentences (the HF parity cases) give the same ids with both merge loops.
    @Test func heapMergingEqualsTheNaiveScanOnTheFixtures() throws {
        guard case let .bpe(model) = try Self.fixtureTokenizer().modelKind else { Issue.record("not BPE"); return }
        let scratch = ModelScratch()
        var words = 0
        for c in try TestData.parityCases("bpe/sib_dev.ids").prefix(300) {
            for word in c.1.split(separator: " ").map({ "\u{2581}" + $0 }) {
                var fast = TokenBuffer()
                var w = word
                w.withUTF8 { model.encode($0, into: &fast, scratch: scratch) }
                #expect(fast.ids == Self.runNaive(model, word).ids, "\(word)")
                words += 1
            }
        }
        #expect(words > 1000)
    }

    /// An 80,000-letter word: the quadratic loop took about 30 s; the heap takes well under a second.
    @Test func longWordIsFast() throws {
        guard case let .bpe(model) = try Self.fixtureTokenizer().modelKind else { Issue.record("not BPE"); return }
        let word = String(repeating: "abcdefghij", count: 8_000)
        var out = TokenBuffer()
        var w = word
        let start = DispatchTime.now().uptimeNanoseconds
        w.withUTF8 { model.encode($0, into: &out, scratch: ModelScratch()) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(out.count > 0 && out.ends.last == 80_000)
        #expect(seconds < 2, "\(seconds) s")
    }
}
