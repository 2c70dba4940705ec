import Foundation
import Platform

/// Turns a task's files (or the built-in suite) into examples. Readers stream underneath;
/// `forEach` hands examples out one at a time, `load` collects them.
public enum DatasetLoader {
    /// All examples of a task in one language and split. Built-in tasks need the language registry
    /// (for the ICU locale) and use `seed` when given, else the spec's seed.
    public static func load(task: TaskSpec, language: String, split: Split, dataRoot: String,
                            languages: LanguageRegistry? = nil, seed: UInt64? = nil, report: LoadReport? = nil) throws -> [Example] {
        var out: [Example] = []
        try forEach(task: task, language: language, split: split, dataRoot: dataRoot, languages: languages, seed: seed, report: report) {
            out.append($0)
        }
        return out
    }

    /// Every language's examples of one split (languages without the split are absent).
    public static func loadAll(task: TaskSpec, split: Split, dataRoot: String, languages: LanguageRegistry? = nil,
                               seed: UInt64? = nil) throws -> [String: [Example]] {
        var out: [String: [Example]] = [:]
        for code in task.languageCodes where task.splits(for: code).contains(split) {
            out[code] = try load(task: task, language: code, split: split, dataRoot: dataRoot, languages: languages, seed: seed)
        }
        return out
    }

    public static func forEach(task: TaskSpec, language: String, split: Split, dataRoot: String,
                               languages: LanguageRegistry? = nil, seed: UInt64? = nil, report: LoadReport? = nil,
                               _ body: (Example) throws -> Void) throws {
        if task.format == .builtin {
            guard task.languages?.contains(language) == true else {
                throw task.error("languages", "the task has no language '\(excerpt(language))'")
            }
            let spec = languages?[language] ?? LanguageSpec(
                code: language, iso639_3: "und", name: language, icuLocale: language.replacingOccurrences(of: "-", with: "_"),
                scripts: [], family: "", genus: "", dictionarySegmentation: false)
            for e in try BuiltinSuite.examples(task: task, language: spec, split: split, seed: seed) { try body(e) }
            return
        }
        guard let files = task.data?[language] else {
            throw task.error("data", "the task has no language '\(excerpt(language))'")
        }
        let refs = files[split]
        guard !refs.isEmpty else { throw task.error("data.\(language).\(split.rawValue)", "no \(split.rawValue) files for '\(language)'") }
        let labels = try LabelSet.of(task, dataRoot: dataRoot)
        let context = Context(task: task, language: language, labels: labels, dataRoot: dataRoot, split: split, report: report)
        for ref in refs {
            var count = 0
            try context.read(ref) { e in count += 1; try body(e) }
            // An empty file (or a header only, or comments only) is a mistake, never a valid split.
            if count == 0 {
                let shown = try context.paths(ref).joined(separator: " and ")
                if let articles = task.articleSplit?[split] {
                    throw FileError(path: shown, "expected at least one question in articles \(ArticleSplit.shown(articles)) (article_split.\(split.rawValue)), found none")
                }
                throw FileError(path: shown, "expected at least one example, found none (an empty file, or only a header or comments)")
            }
        }
    }

    struct Context {
        let task: TaskSpec
        let language: String
        let labels: LabelSet?
        let dataRoot: String
        let split: Split
        let report: LoadReport?

        func key(_ ref: FileReference) -> String {
            let refs = task.data?[language]?[split] ?? []
            let base = "data.\(language).\(split.rawValue)"
            return refs.count > 1 ? base + "[\(refs.firstIndex(of: ref) ?? 0)]" : base
        }

        /// The reference's files under the data root (confined to it unless the spec was loaded
        /// with outside paths allowed), each checked to be a regular file.
        func paths(_ ref: FileReference) throws -> [String] {
            switch ref {
            case .single(let p): return [try task.resolve(p, key: key(ref), dataRoot: dataRoot)]
            case .parallel(let s, let t):
                return [try task.resolve(s, key: key(ref) + ".source", dataRoot: dataRoot),
                        try task.resolve(t, key: key(ref) + ".target", dataRoot: dataRoot)]
            }
        }

        func checkExists(_ path: String, _ ref: FileReference) throws {
            try task.requireRegularFile(path, key: key(ref))
        }

        /// A text field must hold text: empty or blank is an error naming the line and the column.
        func nonEmpty(_ text: String, column: String, path: String, line: Int) throws -> String {
            if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
                throw FileError(path: path, line: line, "expected text in '\(excerpt(column))', found an empty field")
            }
            return text
        }

        /// Maps a raw label through label_map and checks it against the label set.
        func label(_ raw: String, at path: String, line: Int) throws -> String {
            let mapped = task.labelMap?[raw] ?? raw
            if let labels, !labels.contains(mapped) {
                let shown = mapped == raw ? "'\(excerpt(raw))'" : "'\(excerpt(raw))' (mapped to '\(excerpt(mapped))')"
                throw task.error("labels", "label \(shown) at \(path):\(line) is not in the label set")
            }
            return mapped
        }

        func tags(_ tags: [String], at path: String, line: Int) throws {
            guard let labels else { return }
            for t in tags where !labels.contains(t) {
                throw task.error("labels", "tag '\(excerpt(t))' at \(path):\(line) is not in the label set")
            }
        }

        func read(_ ref: FileReference, _ body: (Example) throws -> Void) throws {
            let resolved = try paths(ref)
            for p in resolved { try checkExists(p, ref) }
            let columns = task.columns ?? ColumnMapping()
            switch (task.format, ref) {
            case (.conllu, .single):
                let p = resolved[0]
                let column = columns.tags ?? "upos"
                try CoNLLUReader(path: p).forEach { s in
                    if task.type == .mlm {
                        try body(Example(id: s.id, language: language, input: .text(s.text), parallelKey: s.id))
                        return
                    }
                    let tags = s.words.map { column == "xpos" ? $0.xpos : (column == "feats" ? $0.feats : $0.upos) }
                    try self.tags(tags, at: p, line: s.line)
                    let tagged = TaggedText(text: s.text, words: s.words.map(\.form), tags: tags,
                                            wordRanges: s.words.map { s.tokenRanges[$0.token] })
                    try body(Example(id: s.id, language: language, input: .tagged(tagged), parallelKey: s.id))
                }
            case (.iob2, .single):
                let p = resolved[0]
                let wordColumn = Int(columns.words ?? "0") ?? 0
                let tagColumn = task.type == .tagging ? columns.tags.flatMap { Int($0) } : nil
                let reader = IOBReader(path: p, wordColumn: wordColumn, tagColumn: tagColumn,
                                       transitions: task.repair == true ? .repair : .strict)
                let repaired = try reader.forEach { s in
                    let tagged = TaggedText(text: s.text, words: s.words, tags: s.tags, wordRanges: s.wordRanges)
                    if task.type == .mlm {
                        try body(Example(id: s.id, language: language, input: .text(tagged.text), parallelKey: s.id))
                        return
                    }
                    try self.tags(s.tags, at: p, line: s.line)
                    try body(Example(id: s.id, language: language, input: .tagged(tagged), parallelKey: s.id))
                }
                if repaired > 0 { report?.addRepairedTags(repaired, file: p) }
            case (.tsv, .single(let rel)), (.csv, .single(let rel)):
                let p = resolved[0]
                let reader = DelimitedReader(path: p, dialect: task.format == .tsv ? .tsv : .csv)
                try reader.forEach(header: { header in try checkHeader(Set(header), path: p) }) { row in
                    try emit(fields: { row[$0] }, path: p, relative: rel, line: row.line, body)
                }
            case (.jsonl, .single(let rel)):
                let p = resolved[0]
                try JSONLReader(path: p).forEach { object, line in
                    try emit(fields: { JSONLReader.string(object[$0]) }, list: { object[$0] as? [Any] },
                             kind: { object[$0].map(JSONLReader.kind(of:)) }, path: p, relative: rel, line: line, body)
                }
            case (.squad, .single):
                let p = resolved[0]
                var lastContext = ""
                // Under article_split, the split keeps only its range of the file's articles (all are still checked).
                let articles = task.articleSplit?[split]
                let checkCount: (Int) throws -> Void = { count in
                    if let articles, articles.upperBound > count {
                        throw task.error("article_split.\(split.rawValue)", "\(ArticleSplit.shown(articles)) reaches past the \(count) articles of \(p)")
                    }
                }
                try SQuADReader(path: p).forEach(articles: articles, articleCount: checkCount) { q in
                    if task.type == .mlm {
                        if q.context != lastContext {
                            try body(Example(id: q.id, language: language, input: .text(q.context), parallelKey: q.id))
                        }
                        lastContext = q.context
                        return
                    }
                    try body(Example(id: q.id, language: language,
                                     input: .span(SpanQuestion(context: q.context, question: q.question, answers: q.answers)),
                                     parallelKey: q.id))
                }
            case (.parallel, .parallel(let source, _)):
                try ParallelTextReader(sourcePath: resolved[0], targetPath: resolved[1]).forEach { s, t, line in
                    let id = "\(source):\(line)"
                    let input: ExampleInput = task.type == .mlm ? .text(s) : .translation(source: s, target: t)
                    try body(Example(id: id, language: language, input: input, parallelKey: id))
                }
            case (.text, .single(let rel)):
                try PlainTextReader(path: resolved[0]).forEach { line, number in
                    try body(Example(id: "\(rel):\(number)", language: language, input: .text(line)))
                }
            default:
                throw task.error(key(ref), "a \(task.format.rawValue) task cannot read this file reference")
            }
        }

        /// Checks that every named column is in a TSV/CSV header.
        func checkHeader(_ header: Set<String>, path: String) throws {
            let c = task.columns ?? ColumnMapping()
            let named: [(String, String?)] = [("id", c.id), ("text", c.text), ("text_pair", c.textPair), ("label", c.label),
                                              ("question", c.question)]
            for (key, column) in named {
                if let column, !header.contains(column) {
                    throw task.error("columns.\(key)", "unknown column '\(excerpt(column))' (\(path):1 has: \(Self.listing(header)))")
                }
            }
            for (i, column) in (c.choices ?? []).enumerated() where !header.contains(column) {
                throw task.error("columns.choices[\(i)]", "unknown column '\(excerpt(column))' (\(path):1 has: \(Self.listing(header)))")
            }
        }

        /// A header's column names for a message: a few, each a short excerpt.
        static func listing(_ header: Set<String>) -> String {
            let names = header.sorted()
            let shown = names.prefix(8).map { excerpt($0) }.joined(separator: ", ")
            return names.count > 8 ? shown + ", … (\(names.count) columns)" : shown
        }

        /// Builds an example from named fields (a TSV/CSV row or a JSONL object). `kind` describes a
        /// field that is there but not text (a JSONL list, object or null); nil when it is absent.
        /// Without an id column the id is `<relative>:<line>`, the path as the spec writes it (the same
        /// whatever the data root), so ids stay unique across a split's list of files.
        func emit(fields: (String) -> String?, list: (String) -> [Any]? = { _ in nil }, kind: (String) -> String? = { _ in nil },
                  path: String, relative: String, line: Int, _ body: (Example) throws -> Void) throws {
            let c = task.columns ?? ColumnMapping()
            func field(_ key: String, _ column: String?) throws -> String {
                guard let column else { throw task.error("columns.\(key)", "missing") }
                guard let value = fields(column) else {
                    // TSV/CSV headers are checked up front, so this is a JSONL record lacking the field.
                    if let found = kind(column) {
                        throw FileError(path: path, line: line, "expected text in '\(excerpt(column))' (columns.\(key)), found \(found)")
                    }
                    throw FileError(path: path, line: line, "expected the field '\(excerpt(column))' (columns.\(key)), found none")
                }
                return value
            }
            let parallelKey = try c.id.map { try field("id", $0) }
            let id = parallelKey.map { "\($0)" } ?? "\(relative):\(line)"
            let text = try nonEmpty(try field("text", c.text), column: c.text ?? "text", path: path, line: line)
            var example = Example(id: id, language: language, input: .text(text), parallelKey: parallelKey)
            switch task.type {
            case .classification:
                example.label = try label(try field("label", c.label), at: path, line: line)
            case .pairClassification:
                example.input = .textPair(text, try nonEmpty(try field("text_pair", c.textPair), column: c.textPair ?? "", path: path, line: line))
                example.label = try label(try field("label", c.label), at: path, line: line)
            case .regression:
                if c.textPair != nil { example.input = .textPair(text, try nonEmpty(try field("text_pair", c.textPair), column: c.textPair ?? "", path: path, line: line)) }
                let raw = try field("label", c.label)
                guard let v = Double(raw.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw FileError(path: path, line: line, "expected a number in column '\(excerpt(c.label ?? ""))', found '\(excerpt(raw))'")
                }
                example.value = v
            case .multipleChoice:
                var choices: [String] = []
                let named = c.choices ?? []
                if named.count == 1, let array = list(named[0]) {
                    // One JSONL field holding the choices: every element must be text.
                    for (i, element) in array.enumerated() {
                        let shown = "\(named[0])[\(i)]"
                        guard let choice = JSONLReader.string(element) else {
                            throw FileError(path: path, line: line, "expected text in '\(excerpt(shown))', found \(JSONLReader.kind(of: element))")
                        }
                        choices.append(try nonEmpty(choice, column: shown, path: path, line: line))
                    }
                    if choices.count < 2 {
                        throw FileError(path: path, line: line, "expected at least two choices in '\(excerpt(named[0]))', found \(choices.count)")
                    }
                } else if named.count == 1 {
                    // The spec check lets one choice column through only for JSONL, as a list.
                    let found = kind(named[0]) ?? (fields(named[0]) == nil ? "none" : "a single value")
                    throw FileError(path: path, line: line, "expected a list of choices in '\(excerpt(named[0]))' (columns.choices), found \(found)")
                } else {
                    for (i, column) in named.enumerated() {
                        choices.append(try nonEmpty(try field("choices[\(i)]", column), column: column, path: path, line: line))
                    }
                }
                let question = try c.question.map { try nonEmpty(try field("question", $0), column: $0, path: path, line: line) }
                let raw = try field("label", c.label)
                let mapped = task.labelMap?[raw] ?? raw
                guard let k = Int(mapped), k >= 0, k < choices.count, String(k) == mapped else {
                    let shown = mapped == raw ? "'\(excerpt(raw))'" : "'\(excerpt(raw))' (mapped to '\(excerpt(mapped))')"
                    throw FileError(path: path, line: line, "expected the index of a choice (0..<\(choices.count)) in '\(excerpt(c.label ?? "label"))', found \(shown)")
                }
                example.input = .choices(context: text, question: question, choices: choices)
                example.label = String(k)
            case .retrieval:
                example.input = .translation(source: text, target: try nonEmpty(try field("text_pair", c.textPair), column: c.textPair ?? "", path: path, line: line))
            case .mlm:
                break
            case .tagging, .spanQA:
                throw task.error("type", "\(task.type.rawValue) cannot be read from \(task.format.rawValue)")
            }
            try body(example)
        }
    }
}

/// What loading noticed without failing: tags repaired under a task's `repair: true`. Shared by the
/// caller and the loader (a reference), so `data check` and the trainer can report the counts.
public final class LoadReport: @unchecked Sendable {
    private let lock = NSLock()
    private var repaired: [String: Int] = [:]
    public init() {}

    func addRepairedTags(_ count: Int, file: String) {
        lock.lock(); defer { lock.unlock() }
        repaired[file, default: 0] += count
    }

    /// IOB2 tags turned from I-X into B-X, per file.
    public var repairedTags: [String: Int] { lock.lock(); defer { lock.unlock() }; return repaired }
    public var totalRepairedTags: Int { repairedTags.values.reduce(0, +) }
}
