import Foundation
import Platform
import Testing
@testable import Text

@Suite struct NormalizerTests {
    func run(_ n: any TextNormalizer, _ text: String) -> AlignedText {
        var out = AlignedText()
        var t = text
        t.withUTF8 { n.normalize($0, base: 0, into: &out) }
        return out
    }

    @Test func nfkcKeepsAlignmentPerChunk() {
        let n = ICUNormalizer(ICUNormalizer.Config(form: .nfkc, removeDefaultIgnorables: true, collapseSpaces: false))
        let out = run(n, "a\u{FB01}b")  // "aﬁb": the ligature (3 bytes at 1..<4) becomes "fi"
        #expect(out.string == "afib")
        #expect(out.sourceRange(of: 1..<2) == 1..<4 && out.sourceRange(of: 2..<3) == 1..<4)
        #expect(out.sourceRange(of: 3..<4) == 4..<5)
        // Decomposed input composes; both scalars align to the pair.
        let composed = run(n, "e\u{301}x")
        #expect(composed.string == "\u{E9}x" && composed.sourceRange(of: 0..<2) == 0..<3)
    }

    @Test func removesIgnorablesButKeepsJoiners() {
        let n = ICUNormalizer(ICUNormalizer.Config(form: .nfc, removeDefaultIgnorables: true, collapseSpaces: false))
        #expect(run(n, "twen\u{AD}ty\u{200B}one").string == "twentyone")
        let family = "👩\u{200D}👩\u{200D}👧"
        #expect(run(n, family).string == family)
        let keep = ICUNormalizer(ICUNormalizer.Config(form: .nfc, removeDefaultIgnorables: false, collapseSpaces: false))
        #expect(run(keep, "twen\u{AD}ty").string == "twen\u{AD}ty")
    }

    @Test func lowercaseAccentsAndSpaces() {
        let n = ICUNormalizer(ICUNormalizer.Config(form: .nfkc, removeDefaultIgnorables: true, lowercase: true, stripAccents: true, collapseSpaces: true))
        let out = run(n, "  Ça   VA Ｆｉｎｅ ")
        #expect(out.string == "ca va fine")
        #expect(out.sourceRange(of: 0..<1) == 2..<4)
    }

    @Test func bertNormalizerMatchesHFRules() {
        let n = BertNormalizer(BertNormalizer.Config())
        #expect(run(n, "Héllo\tWORLD\u{0}中文").string == "hello world 中  文 ")
        let out = run(n, "中")
        #expect(out.string == " 中 " && out.sourceRange(of: 0..<1) == 0..<3)
        let cased = BertNormalizer(BertNormalizer.Config(lowercase: false))
        #expect(run(cased, "Héllo").string == "Héllo")
    }
}

@Suite struct PreTokenizerTests {
    func split(_ p: any PreTokenizer, _ text: String) throws -> [String] {
        var t = AlignedText()
        var text = text
        text.withUTF8 { IdentityNormalizer().normalize($0, base: 0, into: &t) }
        var words: [WordSpan] = []
        try p.split(&t, words: &words, isFirstSegment: true, scratch: PreTokenizerScratch())
        return words.map { String(decoding: t.bytes[Int($0.start)..<Int($0.end)], as: UTF8.self) }
    }

    @Test func bertSplitsPunctuation() throws {
        #expect(try split(BertPreTokenizer(), "Hello, world! don't") == ["Hello", ",", "world", "!", "don", "'", "t"])
    }

    @Test func metaspaceMarksSpaces() throws {
        let m = MetaspacePreTokenizer()
        #expect(try split(m, "Hello  world") == ["▁Hello", "▁", "▁world"])
        #expect(try split(m, " a") == ["▁a"])
        #expect(try split(MetaspacePreTokenizer(prependScheme: .never), "a b") == ["a", "▁b"])
    }

    @Test func icuSegmentsScriptsWithoutSpaces() throws {
        let p = try ICUWordPreTokenizer(ICUWordPreTokenizer.Config(locale: "", splitDigits: true))
        #expect(try split(p, "ภาษาไทยง่าย") == ["▁ภาษา", "ไทย", "ง่าย"])
        #expect(try split(p, "Hello, world 2024!") == ["▁Hello", ",", "▁world", "▁2", "0", "2", "4", "!"])
        let ja = try split(p, "日本語のテキスト")
        #expect(ja.count >= 3 && ja.joined() == "▁日本語のテキスト")
    }

    @Test func unknownLocaleIsStillUsable() throws {
        // ICU falls back to the root rules for locales it lacks; opening never fails for a well-formed name.
        _ = try ICUWordPreTokenizer(ICUWordPreTokenizer.Config(locale: "xx_YY"))
    }
}

@Suite struct ModelTests {
    @Test func wordPieceGreedyLongestMatch() throws {
        let v = try Vocabulary(pieces: ["[UNK]", "un", "##aff", "##able", "aff", "##a", "##b"])
        let m = try WordPieceModel(vocabulary: v, maxInputCharsPerWord: 10)
        func enc(_ s: String) -> [Int32] {
            var out = TokenBuffer()
            Array(s.utf8).withUnsafeBufferPointer { m.encode($0, into: &out, scratch: ModelScratch()) }
            return out.ids
        }
        #expect(enc("unaffable") == [1, 2, 3])
        #expect(enc("unx") == [0])
        #expect(enc("unaffableunaffable") == [0])  // longer than max_input_chars_per_word
    }

    @Test func unigramViterbiAndByteFallback() throws {
        var pieces = ["<unk>"] + (0..<256).map { byteFallbackPiece(UInt8($0)) }
        pieces += ["a", "b", "ab", "abc", "c"]
        var scores = [Double](repeating: 0, count: 257)
        scores += [-2, -2, -1, -10, -3]
        let m = try UnigramModel(vocabulary: try Vocabulary(pieces: pieces), scores: scores, unkID: 0, byteFallback: true)
        func enc(_ s: String) -> [String] {
            var out = TokenBuffer()
            Array(s.utf8).withUnsafeBufferPointer { m.encode($0, into: &out, scratch: ModelScratch()) }
            return out.ids.map { pieces[Int($0)] }
        }
        #expect(enc("abc") == ["ab", "c"])   // -1 - 3 beats "abc" (-10)
        #expect(enc("aé") == ["a", "<0xC3>", "<0xA9>"])
        #expect(enc("xy") == ["<0x78>", "<0x79>"])
    }

    @Test func doubleArrayFindsAllPrefixes() {
        let keys: [([UInt8], Int32)] = ["a", "ab", "abc", "b", "▁a", "日本"].enumerated().map { (Array($1.utf8), Int32($0)) }
        let trie = DoubleArrayTrie(keys: keys)
        let text = Array("abcd".utf8)
        var found: [Int32] = []
        text.withUnsafeBufferPointer { p in trie.commonPrefixes(p, from: 0, to: p.count) { _, id in found.append(id) } }
        #expect(found == [0, 1, 2])
        let ja = Array("日本語".utf8)
        var jf: [(Int, Int32)] = []
        ja.withUnsafeBufferPointer { p in trie.commonPrefixes(p, from: 0, to: p.count) { jf.append(($0, $1)) } }
        #expect(jf.count == 1 && jf[0].0 == 6 && jf[0].1 == 5)
    }
}

@Suite struct EncodingAPITests {
    @Test func wordsCarryWordIndex() throws {
        var t = try TestData.miniLM()
        // MiniLM's file pads every encoding to 128 (as HF does with it); these checks look at the tokens.
        #expect(t.padding?.fixedLength == 128)
        t.padding = nil
        let e = try t.encode(words: ["Unaffable", "people", "!"])
        #expect(e.ids.first == 101 && e.ids.last == 102)
        let inner = e.wordIndex.compactMap { $0 }
        #expect(Set(inner) == [0, 1, 2])
        #expect(e.firstSubwordOfWord.filter { $0 }.count == 3)
        // Offsets index the words joined by spaces.
        let joined = Array("Unaffable people !".utf8)
        for k in 0..<e.count where e.wordIndex[k] == 1 {
            #expect(String(decoding: joined[e.byteOffsets[k]], as: UTF8.self) == "people")
        }
    }

    @Test func batchEqualsSingle() throws {
        let t = try UnigramParityTests.fixtureTokenizer()
        let texts = ["one sentence", "ภาษาไทย", "日本語", "", "emoji 😀"]
        let batch = try t.encodeBatch(texts)
        for (k, s) in texts.enumerated() { #expect(batch[k] == (try t.encode(s))) }
        let ids = try t.encodeIDsBatch(texts)
        for (k, s) in texts.enumerated() { #expect(ids[k].map { Int($0) } == (try t.encode(s, addSpecialTokens: false)).ids) }
    }
}

@Suite struct BadInputTests {
    @Test func invalidUTF8IsRejectedWithPosition() throws {
        let data: [UInt8] = Array("fine\nba".utf8) + [0xFF] + Array("d\n".utf8)
        let error = #expect(throws: FileError.self) {
            try TextInput.lines(of: data, path: "in.txt", policy: .reject)
        }
        #expect(error?.path == "in.txt" && error?.line == 2 && error?.column == 3)
        let replaced = try TextInput.lines(of: data, path: "in.txt", policy: .replace)
        #expect(replaced == ["fine", "ba\u{FFFD}d"])
    }

    @Test func corruptTokenizerFilesNameFileAndKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func load(_ text: String) -> String {
            let url = dir.appendingPathComponent("t\(UUID().uuidString).json")
            try? Data(text.utf8).write(to: url)
            do { _ = try Tokenizer.load(from: url); return "loaded" } catch { return "\(error)" }
        }
        let truncated = load("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", ")
        #expect(truncated.contains(dir.path) && truncated.contains("invalid JSON"))
        let wordLevel = load("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {}}, \"pre_tokenizer\": {\"type\": \"Metaspace\"}}")
        #expect(wordLevel.contains("model.type") && wordLevel.contains("WordLevel"))
        let badVocab = load("{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"a\", \"x\"]]}, \"pre_tokenizer\": {\"type\": \"Metaspace\"}}")
        #expect(badVocab.contains("model.vocab[0]"))
        let missing = load("{}")
        #expect(missing.contains("model"))
        // Every stage kind: an unknown type or a bad key is named by its JSON path.
        let model = "\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.0]]}"
        func stage(_ json: String) -> String { load("{" + model + ", " + json + "}") }
        let cases: [(String, [String])] = [
            ("\"normalizer\": {\"type\": \"FancyNorm\"}", ["normalizer.type", "FancyNorm", "supported:"]),
            ("\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"BertNormalizer\"}, {\"type\": \"Nope\"}]}", ["normalizer.normalizers[1].type", "Nope"]),
            ("\"normalizer\": {\"type\": \"BertNormalizer\", \"lowercase\": \"yes\"}", ["normalizer.lowercase", "true or false"]),
            ("\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Metaspace\", \"prepend_scheme\": \"sometimes\"}]}", ["pre_tokenizer.pretokenizers[0].prepend_scheme", "sometimes"]),
            ("\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}], \"pair\": [], \"special_tokens\": {}}", ["post_processor.single[0]", "<s>"]),
            ("\"post_processor\": {\"type\": \"BertProcessing\", \"sep\": [\"</s>\"], \"cls\": [\"<s>\", 0]}", ["post_processor.sep", "[token, id]"]),
            ("\"decoder\": {\"type\": \"Sequence\", \"decoders\": [{\"type\": \"Fuse\"}, {\"type\": \"Mystery\"}]}", ["decoder.decoders[1].type", "Mystery"]),
            ("\"added_tokens\": [{\"id\": 0, \"content\": \"<unk>\"}, {\"id\": \"one\", \"content\": \"x\"}]", ["added_tokens[1].id", "integer"]),
            ("\"added_tokens\": [{\"id\": 7, \"content\": \"<x>\"}]", ["added token", "outside the vocabulary"]),
            ("\"truncation\": {\"max_length\": 8, \"direction\": \"Up\"}", ["truncation.direction", "Up"]),
            ("\"padding\": {\"strategy\": {\"Fixed\": \"long\"}}", ["padding.strategy.Fixed"]),
            ("\"extra\": 1", ["extra", "unknown top-level key"]),
        ]
        for (json, needles) in cases {
            let message = stage(json)
            #expect(message.contains(dir.path) && needles.allSatisfy { message.contains($0) }, "\(json) → \(message)")
        }
        let duplicate = load("{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.0], [\"a\", -2.0]]}}")
        #expect(duplicate.contains("model.vocab") && duplicate.contains("appears twice"), "\(duplicate)")
        let badMerge = load("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}")
        #expect(badMerge.contains("model.merges[0]") && badMerge.contains("ab"), "\(badMerge)")
    }

    @Test func emptyCorpusIsAnError() throws {
        var c = TokenizerTrainer.Config()
        c.vocabSize = 300
        let trainer = try TokenizerTrainer(config: c)
        #expect(throws: TokenizerError.self) { _ = try trainer.train(["en": []]) }
        #expect(throws: TokenizerError.self) { _ = try trainer.train(["en": ["   ", " "]]) }
        c.alpha = 0
        let error = #expect(throws: ConfigError.self) { _ = try TokenizerTrainer(config: c) }
        #expect(error?.key == "alpha")
    }

    @Test func decodeRejectsUnknownIDs() throws {
        let t = try TestData.miniLM()
        #expect(throws: TokenizerError.self) { _ = try t.decode([5, 999_999]) }
    }
}

