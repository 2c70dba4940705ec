import Foundation
import Platform
import Testing
@testable import Data
#if canImport(Glibc)
import Glibc
#endif

/// A temporary data root and tasks folder for hand-made specs and files.
struct ScratchData {
    let base: String
    var root: String { base + "/data" }
    var tasks: String { base + "/tasks" }

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-bounded-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base + "/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/tasks", withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: base) }

    @discardableResult
    func file(_ relative: String, _ text: String) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes `tasks/<name>.yaml` and returns its path.
    func spec(_ name: String, _ body: String) throws -> String {
        let path = tasks + "/\(name).yaml"
        try ("name: \(name)\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A one-tag CoNLL-U tagging task reading `file` as its English test split.
    func conlluTagging(_ name: String, file: String) throws -> String {
        try spec(name, """
            type: tagging
            format: conllu
            labels: [{name: NOUN, description: "a noun"}]
            metrics: [accuracy]
            major_metric: accuracy
            data:
              en: {test: \(file)}
            """)
    }

    /// A two-label classification task over `data` (a YAML mapping of languages to splits).
    func classification(_ name: String, format: String = "tsv", data: String, extra: String = "") throws -> String {
        try spec(name, """
            type: classification
            format: \(format)
            columns: {text: text, label: label}
            labels:
              - {name: a, description: "the first label"}
              - {name: b, description: "the second label"}
            metrics: [accuracy]
            major_metric: accuracy
            data:
              \(data)
            \(extra)
            """)
    }

    func load(_ spec: TaskSpec, split: Split = .test) throws -> [Example] {
        try DatasetLoader.load(task: spec, language: "en", split: split, dataRoot: root)
    }
}

/// Runs `body` on another thread and gives up after `seconds` (nil), so a read that would block on a
/// FIFO fails the test instead of hanging the suite.
func finishesWithin(_ seconds: Double, _ body: @escaping @Sendable () throws -> Void) -> String? {
    final class Box: @unchecked Sendable { var text: String? }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        do { try body(); box.text = "ok" } catch { box.text = "\(error)" }
        done.signal()
    }
    guard done.wait(timeout: .now() + seconds) == .success else { return nil }
    return box.text
}

@Suite struct BoundedInputTests {
    @Test func fifoDataFileIsRefusedAtOnce() throws {
        let s = try ScratchData()
        defer { s.remove() }
        #expect(mkfifo(s.root + "/pipe.tsv", 0o644) == 0)
        let path = try s.classification("piped", data: "en: {test: pipe.tsv}")
        let spec = try TaskSpec.load(path: path)
        let root = s.root
        let e = finishesWithin(5) { _ = try DatasetLoader.load(task: spec, language: "en", split: .test, dataRoot: root) }
        #expect(e == "\(path): data.en.test: \(root)/pipe.tsv is a FIFO (named pipe), expected a regular file")
        let check = finishesWithin(5) {
            _ = try DataCheck.run(task: spec, tasks: TaskRegistry(tasks: [spec]), languages: TestPaths.languageRegistry, dataRoot: root)
        }
        #expect(check == e)
        // A spec that is itself a FIFO, and a tokenizer-sized JSON path that is one: refused, not waited on.
        let specFIFO = s.tasks + "/fifo.yaml"
        #expect(mkfifo(specFIFO, 0o644) == 0)
        #expect(finishesWithin(5) { _ = try TaskSpec.load(path: specFIFO) } == "\(specFIFO): is a FIFO (named pipe), expected a regular file")
        let tasks = s.tasks
        #expect(finishesWithin(5) { _ = try TaskRegistry.load(directory: tasks, languages: TestPaths.languageRegistry) }
                == "\(specFIFO): is a FIFO (named pipe), expected a regular file")
    }

    @Test func devicesAndLongLinesStopAtTheLimit() throws {
        let s = try ScratchData()
        defer { s.remove() }
        // /dev/zero (allowed outside the root here) is refused before it is read.
        let zeroPath = try s.classification("zero", data: "en: {test: /dev/zero}")
        let zero = try TaskSpec.load(path: zeroPath, allowOutsideDataRoot: true)
        let root = s.root
        #expect(finishesWithin(5) { _ = try DatasetLoader.load(task: zero, language: "en", split: .test, dataRoot: root) }
                == "\(zeroPath): data.en.test: /dev/zero is a character device, expected a regular file")
        // A 2 MB file without a line break stops at the 1 MiB line limit.
        try s.file("flat.tsv", String(repeating: "x", count: 2_000_000))
        let flat = try TaskSpec.load(path: try s.classification("flat", data: "en: {test: flat.tsv}"))
        #expect(errorText { _ = try s.load(flat) } == "\(root)/flat.tsv:1: line longer than the limit of 1 MiB (a file without line breaks, or not a text file?)")
        // The same for every line-based format: CoNLL-U, JSONL.
        try s.file("flat.conllu", String(repeating: "y", count: 2_000_000))
        let conllu = try TaskSpec.load(path: try s.spec("flatud", """
            type: mlm
            format: conllu
            metrics: [mlm_accuracy]
            major_metric: mlm_accuracy
            data:
              en: {test: flat.conllu}
            """))
        #expect(errorText { _ = try s.load(conllu) } == "\(root)/flat.conllu:1: line longer than the limit of 1 MiB (a file without line breaks, or not a text file?)")
    }

    @Test func dataPathsStayInsideTheDataRoot() throws {
        let s = try ScratchData()
        defer { s.remove() }
        try s.file("ok.tsv", "text\tlabel\nhello\ta\n")
        try FileManager.default.createDirectory(atPath: s.root + "/sub", withIntermediateDirectories: true)
        let outside = s.base + "/outside.tsv"
        try "text\tlabel\nbonjour\tb\n".write(toFile: outside, atomically: true, encoding: .utf8)

        let passwd = try s.classification("passwd", data: "en: {test: /etc/passwd}")
        #expect(errorText { _ = try s.load(try TaskSpec.load(path: passwd)) }
                == "\(passwd): data.en.test: '/etc/passwd' is an absolute path; data paths are relative to the data root (--allow-outside-data-root allows others)")
        let climbing = try s.classification("climbing", data: "en: {test: sub/../../../x.tsv, dev: ../outside.tsv}")
        #expect(errorText { _ = try s.load(try TaskSpec.load(path: climbing)) }
                == "\(climbing): data.en.test: 'sub/../../../x.tsv' leaves the data root; data paths stay inside it (--allow-outside-data-root allows others)")
        #expect(errorText { _ = try s.load(try TaskSpec.load(path: climbing), split: .dev) }
                == "\(climbing): data.en.dev: '../outside.tsv' leaves the data root; data paths stay inside it (--allow-outside-data-root allows others)")
        // `..` that stays inside is fine; the flag allows the others.
        let inside = try s.classification("inside", data: "en: {test: sub/../ok.tsv, dev: ../outside.tsv, train: \(outside)}")
        #expect(try s.load(try TaskSpec.load(path: inside)).map(\.texts) == [["hello"]])
        let allowed = try TaskSpec.load(path: inside, allowOutsideDataRoot: true)
        #expect(try s.load(allowed, split: .dev).map(\.texts) == [["bonjour"]])
        #expect(try s.load(allowed, split: .train).map(\.texts) == [["bonjour"]])
        // The registry threads the flag to every spec; DataCheck applies the same rule.
        #expect(try TaskRegistry.load(directory: s.tasks, languages: TestPaths.languageRegistry, allowOutsideDataRoot: true)["inside"]?.allowsPathsOutsideDataRoot == true)
        let spec = try TaskSpec.load(path: climbing)
        #expect(errorText { _ = try DataCheck.run(task: spec, tasks: TaskRegistry(tasks: [spec]), languages: TestPaths.languageRegistry, dataRoot: s.root) }?
                    .contains("leaves the data root") == true)
        // labels_file too.
        let labels = try s.spec("labelsout", """
            type: classification
            format: tsv
            columns: {text: text, label: label}
            labels_file: /etc/hostname
            metrics: [accuracy]
            major_metric: accuracy
            data:
              en: {test: ok.tsv}
            """)
        #expect(errorText { _ = try s.load(try TaskSpec.load(path: labels)) }
                == "\(labels): labels_file: '/etc/hostname' is an absolute path; data paths are relative to the data root (--allow-outside-data-root allows others)")
    }

    /// Reading a foreign file (allowed by the flag) shows at most short excerpts of it.
    @Test func errorsShowShortExcerptsOnly() throws {
        let s = try ScratchData()
        defer { s.remove() }
        let secret = String(repeating: "s3cr3t-", count: 40)
        let foreign = s.base + "/foreign.tsv"
        try "\(secret)\tother\nx\ty\n".write(toFile: foreign, atomically: true, encoding: .utf8)
        let spec = try TaskSpec.load(path: try s.classification("foreign", data: "en: {test: \(foreign)}"), allowOutsideDataRoot: true)
        let e = try #require(errorText { _ = try s.load(spec) })
        #expect(!e.contains(secret))
        #expect(e.contains("'text'") && e.contains(String(secret.unicodeScalars.prefix(40)) + "…"), "\(e)")
        // A label that is not in the set, a regression value that is no number: excerpts.
        let long = String(repeating: "ä", count: 200)
        try s.file("labels.tsv", "text\tlabel\nhello\t\(long)\n")
        let labelled = try TaskSpec.load(path: try s.classification("labelled", data: "en: {test: labels.tsv}"))
        let le = try #require(errorText { _ = try s.load(labelled) })
        #expect(le.contains("'" + String(repeating: "ä", count: 40) + "…'") && !le.contains(String(repeating: "ä", count: 41)), "\(le)")
        try s.file("values.tsv", "text\tlabel\nhello\t\(long)\n")
        let regression = try TaskSpec.load(path: try s.spec("values", """
            type: regression
            format: tsv
            columns: {text: text, label: label}
            metrics: [pearson]
            major_metric: pearson
            data:
              en: {test: values.tsv}
            """))
        #expect(errorText { _ = try s.load(regression) }
                == "\(s.root)/values.tsv:2: expected a number in column 'label', found '\(String(repeating: "ä", count: 40))…'")
    }

    @Test func emptyFilesAndEmptyTextsAreErrors() throws {
        let s = try ScratchData()
        defer { s.remove() }
        let root = s.root
        try s.file("header.tsv", "text\tlabel\n")
        let header = try TaskSpec.load(path: try s.classification("header", data: "en: {test: header.tsv}"))
        #expect(errorText { _ = try s.load(header) }
                == "\(root)/header.tsv: expected at least one example, found none (an empty file, or only a header or comments)")
        let check = errorText {
            _ = try DataCheck.run(task: header, tasks: TaskRegistry(tasks: [header]), languages: TestPaths.languageRegistry, dataRoot: root)
        }
        #expect(check == "\(root)/header.tsv: expected at least one example, found none (an empty file, or only a header or comments)")
        try s.file("empty.jsonl", "\n\n")
        let jsonl = try TaskSpec.load(path: try s.classification("emptyjsonl", format: "jsonl", data: "en: {test: empty.jsonl}"))
        #expect(errorText { _ = try s.load(jsonl) }?.hasPrefix("\(root)/empty.jsonl: expected at least one example") == true)
        try s.file("empty.conllu", "# only a comment\n")
        let conllu = try TaskSpec.load(path: try s.conlluTagging("emptyud", file: "empty.conllu"))
        #expect(errorText { _ = try s.load(conllu) }?.hasPrefix("\(root)/empty.conllu:1: expected word lines after the comments") == true)
        try s.file("nothing.conllu", "")
        let nothing = try TaskSpec.load(path: try s.conlluTagging("nothingud", file: "nothing.conllu"))
        #expect(errorText { _ = try s.load(nothing) }?.hasPrefix("\(root)/nothing.conllu: expected at least one example") == true)
        // A row whose text column is empty or blank.
        try s.file("blank.tsv", "text\tlabel\nhello\ta\n \tb\n")
        let blank = try TaskSpec.load(path: try s.classification("blank", data: "en: {test: blank.tsv}"))
        #expect(errorText { _ = try s.load(blank) } == "\(root)/blank.tsv:3: expected text in 'text', found an empty field")
        try s.file("blank.jsonl", "{\"text\": \"\", \"label\": \"a\"}\n")
        let blankJSONL = try TaskSpec.load(path: try s.classification("blankjsonl", format: "jsonl", data: "en: {test: blank.jsonl}"))
        #expect(errorText { _ = try s.load(blankJSONL) } == "\(root)/blank.jsonl:1: expected text in 'text', found an empty field")
    }

    @Test func iob2IsStrictUnlessTheSpecRepairs() throws {
        let s = try ScratchData()
        defer { s.remove() }
        try s.file("ner.iob2", "Paris\tB-LOC\nis\tO\nbig\tI-LOC\n\nNew\tI-LOC\nYork\tI-LOC\nand\tO\nBob\tI-PER\n")
        func spec(_ name: String, repair: String) throws -> String {
            try s.spec(name, """
                type: tagging
                format: iob2
                columns: {words: "0", tags: "1"}
                labels:
                  - {name: O, description: "outside"}
                  - {name: B-LOC, description: "a place starts"}
                  - {name: I-LOC, description: "a place goes on"}
                  - {name: B-PER, description: "a person starts"}
                  - {name: I-PER, description: "a person goes on"}
                metrics: [span_f1]
                major_metric: span_f1
                data:
                  en: {test: ner.iob2}
                \(repair)
                """)
        }
        let strict = try TaskSpec.load(path: try spec("strict", repair: ""))
        #expect(errorText { _ = try s.load(strict) }
                == "\(s.root)/ner.iob2:3: expected B-LOC before I-LOC, found it after O (IOB2; set 'repair: true' in the task spec to turn such tags into B-)")
        let repairing = try TaskSpec.load(path: try spec("repairing", repair: "repair: true"))
        let report = LoadReport()
        let examples = try DatasetLoader.load(task: repairing, language: "en", split: .test, dataRoot: s.root, report: report)
        let tags = examples.compactMap { e -> [String]? in if case .tagged(let t) = e.input { return t.tags }; return nil }
        #expect(tags == [["B-LOC", "O", "B-LOC"], ["B-LOC", "I-LOC", "O", "B-PER"]])
        #expect(report.totalRepairedTags == 3)
        #expect(report.repairedTags == ["\(s.root)/ner.iob2": 3])
        // `data check` counts them per split.
        let summary = try DataCheck.run(task: repairing, tasks: TaskRegistry(tasks: [repairing]), languages: TestPaths.languageRegistry, dataRoot: s.root)
        #expect(summary.splits.map(\.repairedTags) == [3])
        // Only iob2 tasks may say repair.
        let wrong = try s.classification("wrongrepair", data: "en: {test: x.tsv}", extra: "repair: true")
        #expect(errorText { _ = try TaskSpec.load(path: wrong) } == "\(wrong): repair: only iob2 tasks repair tag transitions; this task is tsv")
    }

    @Test func duplicateYAMLKeysAreErrors() throws {
        let s = try ScratchData()
        defer { s.remove() }
        try s.file("a.tsv", "text\tlabel\nhello\ta\n")
        // The second `test` would silently replace the first.
        let split = try s.classification("dupsplit", data: "en:\n    test: a.tsv\n    test: b.tsv")
        #expect(errorText { _ = try TaskSpec.load(path: split) } == "\(split):13: data.en.test: duplicate key: given twice in the same mapping (the first would be ignored)")
        let top = try s.spec("duptop", "type: mlm\ntype: classification\n")
        #expect(errorText { _ = try TaskSpec.load(path: top) } == "\(top):3: type: duplicate key: given twice in the same mapping (the first would be ignored)")
        let inList = try s.spec("duplist", "labels:\n  - {name: a, name: b}\n")
        #expect(errorText { _ = try TaskSpec.load(path: inList) } == "\(inList):3: labels.0.name: duplicate key: given twice in the same mapping (the first would be ignored)")
        // Language specs go through the same function.
        let lang = s.tasks + "/xx.yaml"
        try "code: xx\ncode: xx\n".write(toFile: lang, atomically: true, encoding: .utf8)
        #expect(errorText { _ = try LanguageSpec.load(path: lang) } == "\(lang):2: code: duplicate key: given twice in the same mapping (the first would be ignored)")
    }

    @Test func aliasesThatExpandBeyondTheNodeLimitAreRefused() throws {
        let s = try ScratchData()
        defer { s.remove() }
        // 9 levels of ten aliases each: under 400 bytes, 10^9 nodes once expanded.
        var yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            yaml += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let bomb = try s.spec("aliasbomb", "type: mlm\n" + yaml)
        #expect(errorText { _ = try TaskSpec.load(path: bomb) }
                == "\(bomb): has more than \(YAMLDocument.maxNodes) YAML nodes once its aliases are expanded; refused (a spec or experiment has a few hundred)")
        // A few aliases (a list written once and reused) stay fine.
        let reuse = try s.spec("aliasreuse", "type: mlm\nl0: &langs [en, de]\n")
        #expect(errorText { _ = try YAMLDocument.compose(try YAMLDocument.read(path: reuse), origin: reuse) } == nil)
    }

    @Test func enumErrorsListTheValidValues() throws {
        let s = try ScratchData()
        defer { s.remove() }
        let type = try s.spec("badtype", "type: classifcation\nformat: tsv\nmetrics: [accuracy]\nmajor_metric: accuracy\n")
        #expect(errorText { _ = try TaskSpec.load(path: type) }
                == "\(type): type: 'classifcation' is not one of: classification, pair-classification, regression, tagging, span-qa, multiple-choice, retrieval, mlm")
        let format = try s.spec("badformat", "type: mlm\nformat: tssv\nmetrics: [mlm_accuracy]\nmajor_metric: mlm_accuracy\n")
        #expect(errorText { _ = try TaskSpec.load(path: format) }
                == "\(format): format: 'tssv' is not one of: conllu, iob2, tsv, csv, jsonl, squad, parallel, text, builtin")
        let scoring = try s.spec("badscoring", "type: retrieval\nformat: parallel\nscoring: maxsim\nmetrics: [mrr]\nmajor_metric: mrr\n")
        #expect(errorText { _ = try TaskSpec.load(path: scoring) } == "\(scoring): scoring: 'maxsim' is not one of: pooled, late-interaction")
        let generator = try s.spec("badgen", "type: mlm\nformat: builtin\nbuiltin: {generator: colours, sizes: {test: 1}}\nlanguages: [en]\nmetrics: [mlm_accuracy]\nmajor_metric: mlm_accuracy\n")
        #expect(errorText { _ = try TaskSpec.load(path: generator) }
                == "\(generator): builtin.generator: 'colours' is not one of: dates, date-fields, numbers, regions, units, mlm")
        let target = try s.spec("badtarget", "type: classification\nformat: builtin\nbuiltin: {generator: dates, target: year, sizes: {test: 1}}\nlanguages: [en]\nmetrics: [accuracy]\nmajor_metric: accuracy\n")
        #expect(errorText { _ = try TaskSpec.load(path: target) }
                == "\(target): builtin.target: 'year' is not one of: month, weekday, digits, last-digit, continent, dimension")
    }

    @Test func duplicateJSONKeysInDataFilesAreErrors() throws {
        let s = try ScratchData()
        defer { s.remove() }
        try s.file("dup.jsonl", "{\"text\": \"hello\", \"label\": \"a\"}\n{\"text\": \"x\", \"label\": \"a\", \"label\": \"b\"}\n")
        let jsonl = try TaskSpec.load(path: try s.classification("dupjsonl", format: "jsonl", data: "en: {test: dup.jsonl}"))
        #expect(errorText { _ = try s.load(jsonl) } == "\(s.root)/dup.jsonl:2: invalid JSON: duplicate key label")
        try s.file("dup.json", "{\"data\": [{\"title\": \"t\", \"paragraphs\": [{\"context\": \"c\", \"context\": \"d\", \"qas\": []}]}]}")
        let squad = try TaskSpec.load(path: try s.spec("dupsquad", """
            type: span-qa
            format: squad
            metrics: [f1]
            major_metric: f1
            data:
              en: {test: dup.json}
            """))
        #expect(errorText { _ = try s.load(squad) } == "\(s.root)/dup.json:1: invalid JSON: duplicate key data[0].paragraphs[0].context")
    }
}
