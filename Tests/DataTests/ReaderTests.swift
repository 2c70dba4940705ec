import Foundation
import Testing
import Data
import Platform

@Suite struct CoNLLUReaderTests {
    func count(_ relative: String) throws -> (sentences: Int, words: Int) {
        var s = 0, w = 0
        try CoNLLUReader(path: TestPaths.data(relative)).forEach { s += 1; w += $0.words.count }
        return (s, w)
    }

    @Test func englishEWTTrainHas12544Sentences() throws {
        let (sentences, words) = try count("ud/UD_English-EWT/en_ewt-ud-train.conllu")
        #expect(sentences == 12_544)
        #expect(words == 204_577)   // syntactic words, multiword tokens expanded
    }

    @Test(arguments: ["English", "German", "French", "Spanish", "Russian", "Chinese", "Japanese", "Arabic", "Hindi", "Finnish"])
    func everyPUDTestSetHas1000Sentences(language: String) throws {
        let code = ["English": "en", "German": "de", "French": "fr", "Spanish": "es", "Russian": "ru", "Chinese": "zh",
                    "Japanese": "ja", "Arabic": "ar", "Hindi": "hi", "Finnish": "fi"][language]!
        #expect(try count("ud/UD_\(language)-PUD/\(code)_pud-ud-test.conllu").sentences == 1000)
    }

    @Test func multiwordTokensEmptyNodesAndSpaceAfter() throws {
        var sentences: [CoNLLUSentence] = []
        try CoNLLUReader(path: TestPaths.fixture("valid.conllu")).forEach { sentences.append($0) }
        #expect(sentences.count == 2)
        let first = sentences[0]
        #expect(first.text == "Il va au marché.")
        #expect(first.words.map(\.form) == ["Il", "va", "à", "le", "marché", "."])   // empty node 5.1 skipped
        #expect(first.tokens.map(\.form) == ["Il", "va", "au", "marché", "."])
        #expect(first.words[2].token == 2 && first.words[3].token == 2)
        let bytes = Array(first.text.utf8)
        let au = first.tokenRanges[2]
        #expect(String(decoding: bytes[au], as: UTF8.self) == "au")
        #expect(String(decoding: bytes[first.tokenRanges[3]], as: UTF8.self) == "marché")
        // No `# text`: rebuilt from SpaceAfter=No.
        #expect(sentences[1].text == "Hello, world!")
        #expect(sentences[1].id == "s2")
    }

    @Test func malformedFilesNameFileAndLine() {
        let columns = errorText { try CoNLLUReader(path: TestPaths.fixture("columns.conllu")).forEach { _ in } }
        #expect(columns == TestPaths.fixture("columns.conllu") + ":4: expected 10 tab-separated columns, found 9")
        let order = errorText { try CoNLLUReader(path: TestPaths.fixture("word_order.conllu")).forEach { _ in } }
        #expect(order == TestPaths.fixture("word_order.conllu") + ":9: expected word id 2, found 3")
        let range = errorText { try CoNLLUReader(path: TestPaths.fixture("multiword.conllu")).forEach { _ in } }
        #expect(range?.hasPrefix(TestPaths.fixture("multiword.conllu") + ":5: expected words 3-3") == true)
        let text = errorText { try CoNLLUReader(path: TestPaths.fixture("text_mismatch.conllu")).forEach { _ in } }
        #expect(text == TestPaths.fixture("text_mismatch.conllu") + ":1: expected the tokens to spell out '# text' in order")
        let missing = errorText { try CoNLLUReader(path: TestPaths.fixture("nope.conllu")).forEach { _ in } }
        #expect(missing == TestPaths.fixture("nope.conllu") + ": file not found")
    }

    @Test func invalidUTF8IsReportedAtItsLine() {
        let e = errorText { try PlainTextReader(path: TestPaths.fixture("invalid_utf8.txt")).forEach { _, _ in } }
        #expect(e == TestPaths.fixture("invalid_utf8.txt") + ":2: expected UTF-8 text, found invalid bytes")
    }
}

@Suite struct ColumnReaderTests {
    @Test func unerEnglishPUD() throws {
        var sentences = 0, words = 0, entities: [String: Int] = [:]
        try IOBReader(path: TestPaths.data("uner/UNER_English-PUD/en_pud-ud-test.iob2"), wordColumn: 1, tagColumn: 2).forEach { s in
            sentences += 1; words += s.words.count
            for t in s.tags where t.hasPrefix("B-") { entities[String(t.dropFirst(2)), default: 0] += 1 }
        }
        // The dataset's own .stats file: 1,000 sentences, 21,176 tokens, LOC 426, ORG 235, PER 414.
        #expect(sentences == 1000)
        #expect(words == 21_176)
        #expect(entities == ["LOC": 426, "ORG": 235, "PER": 414])
    }

    @Test func unerWordsAreLocatedInTheOriginalText() throws {
        var first: IOBSentence? = nil
        try IOBReader(path: TestPaths.data("uner/UNER_Chinese-PUD/zh_pud-ud-test.iob2"), wordColumn: 1, tagColumn: 2).forEach { s in
            if first == nil { first = s }
        }
        let s = try #require(first)
        #expect(s.id == "batch-0000-0001")
        #expect(!s.text.contains(" "))   // Chinese: the words are not joined with spaces
        let bytes = Array(s.text.utf8)
        for (w, r) in zip(s.words, s.wordRanges) { #expect(String(decoding: bytes[r], as: UTF8.self) == w) }
        #expect(zip(s.words, s.tags).contains { $0 == "美國" && $1 == "B-LOC" })
    }

    @Test func iobErrors() throws {
        let tag = errorText { try IOBReader(path: TestPaths.fixture("bad_tag.iob2"), wordColumn: 1, tagColumn: 2).forEach { _ in } }
        #expect(tag == TestPaths.fixture("bad_tag.iob2") + ":6: expected a tag O, B-<type> or I-<type> in column 3, found 'X-LOC'")
        // CoNLL-2003 layout (word, tag separated by spaces), -DOCSTART- skipped; IOB2 is strict unless
        // the reader repairs (an I-X opening a span becomes B-X, counted).
        let strict = errorText { try IOBReader(path: TestPaths.fixture("iob1.iob2"), wordColumn: 0, tagColumn: 1).forEach { _ in } }
        #expect(strict == TestPaths.fixture("iob1.iob2") + ":8: expected B-LOC before I-LOC, found it after O (IOB2; set 'repair: true' in the task spec to turn such tags into B-)")
        var repaired: [IOBSentence] = []
        let count = try IOBReader(path: TestPaths.fixture("iob1.iob2"), wordColumn: 0, tagColumn: 1, transitions: .repair).forEach { repaired.append($0) }
        #expect(count == 1)
        #expect(repaired.map(\.words) == [["Angela", "Merkel", "spoke"], ["in", "Berlin"]])
        #expect(repaired.map(\.tags) == [["B-PER", "I-PER", "O"], ["O", "B-LOC"]])
        // Words only (MLM text): the tag column is not read, so a bad tag is no error.
        var wordsOnly: [[String]] = []
        try IOBReader(path: TestPaths.fixture("bad_tag.iob2"), wordColumn: 1, tagColumn: nil).forEach { wordsOnly.append($0.words) }
        #expect(wordsOnly == [["Paris", "is"], ["New", "York", "City"]])
        let columns = errorText { try IOBReader(path: TestPaths.fixture("iob1.iob2"), wordColumn: 0, tagColumn: 3).forEach { _ in } }
        #expect(columns?.hasPrefix(TestPaths.fixture("iob1.iob2") + ":1: expected at least 4 columns") == true)
    }

    @Test func sib200Has701TrainRowsPerLanguage() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: TestPaths.data("sib200/annotated")).sorted()
        #expect(folders.count == 20)
        for folder in folders {
            var rows = 0
            try DelimitedReader(path: TestPaths.data("sib200/annotated/\(folder)/train.tsv"), dialect: .tsv).forEach { row in
                rows += 1
                #expect(row["category"] != nil && row["text"] != nil)
            }
            #expect(rows == 701, "\(folder)")
        }
    }

    @Test func csvQuoting() throws {
        var rows: [[String]] = []
        var lines: [Int] = []
        try DelimitedReader(path: TestPaths.fixture("quoted.csv"), dialect: .csv).forEach { rows.append($0.fields); lines.append($0.line) }
        #expect(rows == [["1", "A cat, a hat", "He said \"hi\"", "0"], ["2", "Two\nlines", "plain", "1"], ["3", "x", "y", "2"]])
        #expect(lines == [2, 3, 5])
    }

    @Test func delimitedErrors() {
        let open = errorText { try DelimitedReader(path: TestPaths.fixture("unterminated.csv"), dialect: .csv).forEach { _ in } }
        #expect(open == TestPaths.fixture("unterminated.csv") + ":3: expected a closing quote before the end of the file")
        let short = errorText { try DelimitedReader(path: TestPaths.fixture("short_row.tsv"), dialect: .tsv).forEach { _ in } }
        #expect(short == TestPaths.fixture("short_row.tsv") + ":3: expected 3 columns as in the header, found 2")
    }

    @Test func jsonlErrorNamesLine() {
        var objects = 0
        let e = errorText { try JSONLReader(path: TestPaths.fixture("choices.jsonl")).forEach { _, _ in objects += 1 } }
        #expect(objects == 2)
        #expect(e == TestPaths.fixture("choices.jsonl") + ":4: invalid JSON: unexpected end of JSON")
    }

    @Test func squadOffsetsBecomeUTF8Ranges() throws {
        var questions: [SQuADQuestion] = []
        try SQuADReader(path: TestPaths.fixture("squad_valid.json")).forEach { questions.append($0) }
        #expect(questions.count == 2)
        // "am See" starts at character 13, byte 14 (ü is two bytes).
        #expect(questions[0].answers == [SpanAnswer(text: "am See", range: 14..<20)])
        #expect(questions[1].answers == [SpanAnswer(text: "Zürich", range: 0..<7)])
        let e = errorText { try SQuADReader(path: TestPaths.fixture("squad_offset.json")).forEach { _ in } }
        #expect(e == TestPaths.fixture("squad_offset.json") + ": data[0].paragraphs[0].qas[0].answers[0]: expected the context at answer_start 12 to read 'am See'")
    }

    @Test func xquadHas1190QuestionsPerLanguage() throws {
        for lang in ["en", "de", "es", "zh", "hi"] {
            var n = 0
            try SQuADReader(path: TestPaths.data("xquad/xquad.\(lang).json")).forEach { _ in n += 1 }
            #expect(n == 1190, "\(lang)")
        }
    }

    @Test func tatoebaPairs() throws {
        var pairs = 0
        try ParallelTextReader(sourcePath: TestPaths.data("tatoeba/tatoeba.deu-eng.deu"), targetPath: TestPaths.data("tatoeba/tatoeba.deu-eng.eng")).forEach { s, t, line in
            pairs += 1
            if line == 1 {
                #expect(s == "Maria sagte, sie wisse nicht, wo Tom sei.")
                #expect(t == "Mary said she didn't know where Tom was.")
            }
        }
        #expect(pairs == 1000)
        var lines = 0
        try PlainTextReader(path: TestPaths.data("tatoeba/tatoeba.swh-eng.swh")).forEach { _, number in lines += 1; #expect(number == lines) }
        #expect(lines == 390)
        let e = errorText { try ParallelTextReader(sourcePath: TestPaths.fixture("pair.deu"), targetPath: TestPaths.fixture("pair.eng")).forEach { _, _, _ in } }
        #expect(e == TestPaths.fixture("pair.eng") + ":3: expected a line translating \(TestPaths.fixture("pair.deu")):3, found the end of the file")
    }
}
