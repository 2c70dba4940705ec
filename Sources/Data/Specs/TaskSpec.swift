import Foundation
import Platform

/// What a task asks of a model; decides the shape of its examples and which head it needs.
public enum TaskType: String, ConfigChoice {
    case classification
    case pairClassification = "pair-classification"
    case regression
    case tagging
    case spanQA = "span-qa"
    case multipleChoice = "multiple-choice"
    case retrieval
    case mlm

    /// Whether examples carry a label from a fixed label set (a tag per word for tagging).
    public var hasLabelSet: Bool {
        switch self {
        case .classification, .pairClassification, .tagging: return true
        default: return false
        }
    }

    /// The metrics of the type, in table order: what predictions are scored on (masked LM: what its dev pass
    /// measures); specs may only name these.
    public var metricNames: [String] {
        switch self {
        case .classification, .pairClassification: return ["accuracy", "macro_f1", "micro_f1"]
        case .regression: return ["pearson", "spearman", "mse"]
        case .tagging: return ["accuracy", "span_f1", "macro_f1"]
        case .spanQA: return ["exact_match", "f1"]
        case .multipleChoice: return ["accuracy"]
        case .retrieval: return ["accuracy", "accuracy_reverse", "mrr"]
        case .mlm: return ["mlm_accuracy", "perplexity"]
        }
    }

    public var allowedMetrics: Set<String> { Set(metricNames) }
}

/// How a task's files are laid out on disk (or `builtin`: generated through ICU, no files).
public enum DataFormat: String, ConfigChoice {
    case conllu
    case iob2
    case tsv
    case csv
    case jsonl
    case squad
    case parallel
    case text
    case builtin
}

public enum Split: String, ConfigChoice, Comparable {
    case train, dev, test
    public static func < (a: Split, b: Split) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One label of a task with the English description a label-matching head embeds, so a model can
/// score labels of tasks it never trained on.
public struct LabelSpec: Codable, Sendable, Equatable {
    public var name: String
    public var description: String

    public init(name: String, description: String) { self.name = name; self.description = description }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, description }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decode(String.self, forKey: .description)
    }
}

/// Which column (header name for TSV/CSV, field for JSONL, 0-based index for IOB2, `upos`/`xpos`/
/// `feats` for CoNLL-U tags) holds each part of an example.
public struct ColumnMapping: Codable, Sendable, Equatable {
    public var id: String?
    public var text: String?
    public var textPair: String?
    public var label: String?
    public var choices: [String]?
    /// Multiple-choice only: what is asked about the context (XCOPA's `cause` or `effect`).
    public var question: String?
    public var words: String?
    public var tags: String?

    public init(id: String? = nil, text: String? = nil, textPair: String? = nil, label: String? = nil,
                choices: [String]? = nil, question: String? = nil, words: String? = nil, tags: String? = nil) {
        self.id = id; self.text = text; self.textPair = textPair; self.label = label
        self.choices = choices; self.question = question; self.words = words; self.tags = tags
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, text, textPair = "text_pair", label, choices, question, words, tags
    }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        text = try c.decodeIfPresent(String.self, forKey: .text)
        textPair = try c.decodeIfPresent(String.self, forKey: .textPair)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        choices = try c.decodeIfPresent([String].self, forKey: .choices)
        question = try c.decodeIfPresent(String.self, forKey: .question)
        words = try c.decodeIfPresent(String.self, forKey: .words)
        tags = try c.decodeIfPresent(String.self, forKey: .tags)
    }
}

/// A data file named in a spec, relative to the data root: one path, or for the `parallel` format a
/// source/target pair whose line i translate each other.
public enum FileReference: Codable, Sendable, Equatable {
    case single(String)
    case parallel(source: String, target: String)

    public var paths: [String] {
        switch self {
        case .single(let p): return [p]
        case .parallel(let s, let t): return [s, t]
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case source, target }
    public init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer().decode(String.self) {
            self = .single(single)
            return
        }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self = .parallel(source: try c.decode(String.self, forKey: .source), target: try c.decode(String.self, forKey: .target))
    }
    public func encode(to encoder: Encoder) throws {
        switch self {
        case .single(let p):
            var c = encoder.singleValueContainer(); try c.encode(p)
        case .parallel(let s, let t):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(s, forKey: .source); try c.encode(t, forKey: .target)
        }
    }
}

/// The files of one language: each split is one file reference or a list (read one after another).
public struct SplitFiles: Codable, Sendable, Equatable {
    public var train: [FileReference]
    public var dev: [FileReference]
    public var test: [FileReference]

    public init(train: [FileReference] = [], dev: [FileReference] = [], test: [FileReference] = []) {
        self.train = train; self.dev = dev; self.test = test
    }

    public subscript(split: Split) -> [FileReference] {
        get {
            switch split {
            case .train: return train
            case .dev: return dev
            case .test: return test
            }
        }
        set {
            switch split {
            case .train: train = newValue
            case .dev: dev = newValue
            case .test: test = newValue
            }
        }
    }
    public var splits: [Split] { Split.allCases.filter { !self[$0].isEmpty } }

    enum CodingKeys: String, CodingKey, CaseIterable { case train, dev, test }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func refs(_ key: CodingKeys) throws -> [FileReference] {
            guard c.contains(key) else { return [] }
            // Element by element, so an error names the element's index.
            if var list = try? c.nestedUnkeyedContainer(forKey: key) {
                var out: [FileReference] = []
                while !list.isAtEnd { out.append(try list.decode(FileReference.self)) }
                return out
            }
            return [try c.decode(FileReference.self, forKey: key)]
        }
        train = try refs(.train); dev = try refs(.dev); test = try refs(.test)
    }
}

/// Where a task's files are for any language, found under the data root: one path per split relative to the data
/// root with `{language}` standing for the language's folder or file-name part (`sib200/annotated/{language}/test.tsv`).
/// The values found are language codes or FLORES-200 aliases (`eng_Latn` is `en`); one with no spec still evaluates.
public struct DataPattern: Codable, Sendable, Equatable {
    public var train: String?
    public var dev: String?
    public var test: String?

    public static let placeholder = "{language}"

    public init(train: String? = nil, dev: String? = nil, test: String? = nil) { self.train = train; self.dev = dev; self.test = test }

    public subscript(split: Split) -> String? {
        switch split {
        case .train: return train
        case .dev: return dev
        case .test: return test
        }
    }
    public var splits: [Split] { Split.allCases.filter { self[$0] != nil } }

    enum CodingKeys: String, CodingKey, CaseIterable { case train, dev, test }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        train = try c.decodeIfPresent(String.self, forKey: .train)
        dev = try c.decodeIfPresent(String.self, forKey: .dev)
        test = try c.decodeIfPresent(String.self, forKey: .test)
    }

    /// The path component holding `{language}` split around it: the folder before it, the text before and after
    /// it in the component, and the rest of the path after it. Nil unless the pattern has exactly one
    /// `{language}`, no other brace, and the placeholder's component is not `..`.
    static func parts(_ pattern: String) -> (folder: String, prefix: String, suffix: String, rest: String)? {
        guard pattern.components(separatedBy: placeholder).count == 2 else { return nil }
        let without = pattern.replacingOccurrences(of: placeholder, with: "")
        guard !without.contains("{"), !without.contains("}") else { return nil }
        let components = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let i = components.firstIndex(where: { $0.contains(placeholder) }) else { return nil }
        let pieces = components[i].components(separatedBy: placeholder)
        return (components[..<i].joined(separator: "/"), pieces[0], pieces[1], components[(i + 1)...].joined(separator: "/"))
    }

    /// Whether a value found in place of `{language}` can be a language code: two or three lowercase letters,
    /// then `_` or `-` subtags of letters and digits (`en`, `ace_Latn`, `zh-Hant`). Other entries are not languages.
    public static func isLanguageCode(_ value: String) -> Bool {
        let subtags = value.split(omittingEmptySubsequences: false) { $0 == "_" || $0 == "-" }
        guard let first = subtags.first, (2...3).contains(first.unicodeScalars.count),
              first.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) }) else { return false }
        return subtags.dropFirst().allSatisfy { t in
            (1...8).contains(t.unicodeScalars.count) && t.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        }
    }
}

/// SQuAD-format only: which articles (indices into the file's `data` list) each split keeps, as
/// half-open ranges written `[start, end]` (`train: [0, 36]` is articles 0..<36). The same ranges apply
/// to every language's file, so a parallel dataset (XQuAD) holds out the same articles everywhere.
public struct ArticleSplit: Codable, Sendable, Equatable {
    public var train: Range<Int>?
    public var dev: Range<Int>?
    public var test: Range<Int>?

    public init(train: Range<Int>? = nil, dev: Range<Int>? = nil, test: Range<Int>? = nil) {
        self.train = train; self.dev = dev; self.test = test
    }

    public subscript(split: Split) -> Range<Int>? {
        switch split {
        case .train: return train
        case .dev: return dev
        case .test: return test
        }
    }

    /// `[start, end)` as written in the spec.
    static func shown(_ r: Range<Int>) -> String { "[\(r.lowerBound), \(r.upperBound))" }

    enum CodingKeys: String, CodingKey, CaseIterable { case train, dev, test }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func range(_ key: CodingKeys) throws -> Range<Int>? {
            guard let bounds = try c.decodeIfPresent([Int].self, forKey: key) else { return nil }
            guard bounds.count == 2 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "expected two article indices [start, end], found \(bounds.count)")
            }
            guard bounds[0] >= 0, bounds[0] < bounds[1] else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "expected [start, end] with 0 <= start < end, found [\(bounds[0]), \(bounds[1])]")
            }
            return bounds[0]..<bounds[1]
        }
        train = try range(.train); dev = try range(.dev); test = try range(.test)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(train.map { [$0.lowerBound, $0.upperBound] }, forKey: .train)
        try c.encodeIfPresent(dev.map { [$0.lowerBound, $0.upperBound] }, forKey: .dev)
        try c.encodeIfPresent(test.map { [$0.lowerBound, $0.upperBound] }, forKey: .test)
    }
}

/// How a built-in (ICU-generated) task is produced.
public struct BuiltinTaskSpec: Codable, Sendable, Equatable {
    /// `dates`, `date-fields`, `numbers`, `regions`, `units` or `mlm` (raw text of all of them).
    public var generator: BuiltinGenerator
    /// The property predicted: `month`, `weekday`, `digits`, `last-digit`, `continent`, `dimension`;
    /// none for `date-fields` (tags) and `mlm`.
    public var target: BuiltinTarget?
    /// Examples per language and split (regions are capped by the regions that fall in the split).
    public var sizes: [Split: Int]
    /// The seed of the value streams and of the split hash, unless a caller overrides it.
    public var seed: UInt64

    public init(generator: BuiltinGenerator, target: BuiltinTarget?, sizes: [Split: Int], seed: UInt64 = 0) {
        self.generator = generator; self.target = target; self.sizes = sizes; self.seed = seed
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case generator, target, sizes, seed }
    enum SizeKeys: String, CodingKey, CaseIterable { case train, dev, test }
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        generator = try c.decode(BuiltinGenerator.self, forKey: .generator)
        target = try c.decodeIfPresent(BuiltinTarget.self, forKey: .target)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        let sizesDecoder = try c.superDecoder(forKey: .sizes)
        try sizesDecoder.rejectUnknownKeys(SizeKeys.self)
        let s = try sizesDecoder.container(keyedBy: SizeKeys.self)
        var sizes: [Split: Int] = [:]
        for key in SizeKeys.allCases {
            if let n = try s.decodeIfPresent(Int.self, forKey: key) {
                guard n >= 0 else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: s, debugDescription: "size must be >= 0, found \(n)")
                }
                sizes[Split(rawValue: key.rawValue)!] = n
            }
        }
        self.sizes = sizes
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(generator, forKey: .generator)
        try c.encodeIfPresent(target, forKey: .target)
        try c.encode(Dictionary(uniqueKeysWithValues: sizes.map { ($0.key.rawValue, $0.value) }), forKey: .sizes)
        try c.encode(seed, forKey: .seed)
    }
}

public enum BuiltinGenerator: String, ConfigChoice {
    case dates
    case dateFields = "date-fields"
    case numbers
    case regions
    case units
    case mlm
}

public enum BuiltinTarget: String, ConfigChoice {
    case month, weekday, digits
    case lastDigit = "last-digit"
    case continent, dimension
}

/// How a span-QA task's answers are normalized before exact match and F1: the official SQuAD v1.1 script's
/// way (XQuAD, TyDi QA GoldP as XTREME scores them) or MLQA's, per language (MLQA).
public enum AnswerNormalizationChoice: String, ConfigChoice {
    case squad, mlqa
}

/// How a retrieval task compares a query with a candidate.
public enum RetrievalScoring: String, ConfigChoice {
    /// Cosine of pooled sentence vectors (a dual encoder, as LaBSE or Sentence-BERT).
    case pooled
    /// Late interaction over token vectors (ColBERT's MaxSim).
    case lateInteraction = "late-interaction"
}

/// One task, as written in `tasks/<name>.yaml`.
public struct TaskSpec: Codable, Sendable, Equatable {
    public var name: String
    public var description: String
    public var type: TaskType
    public var format: DataFormat
    public var columns: ColumnMapping?
    /// The label set in order (its index is the class id); for tagging, the tags.
    public var labels: [LabelSpec]?
    /// Alternatively a file under the data root with one label per line (`name<TAB>description`).
    public var labelsFile: String?
    /// Raw values in the files mapped to label names (`0: entailment`).
    public var labelMap: [String: String]?
    public var metrics: [String]
    /// The metric used for model selection and early stopping.
    public var majorMetric: String
    /// Files per language (BCP-47 code of a spec in `languages/`).
    public var data: [String: SplitFiles]?
    /// Files of any further language found under the data root (`discoveringLanguages`); `data` wins for its languages.
    public var dataPattern: DataPattern?
    /// The languages `dataPattern` added to `data` (set by `discoveringLanguages`, not part of the YAML).
    public var discoveredLanguages: [String] = []
    /// Languages of a built-in task.
    public var languages: [String]?
    public var builtin: BuiltinTaskSpec?
    /// The task whose head evaluates this one (a parallel test set of an existing task, e.g. PUD).
    public var sharesHead: String?
    /// Retrieval only: how the trained head scores (default pooled).
    public var scoring: RetrievalScoring?
    /// IOB2 only: turn an I-X that does not continue an X span into B-X (counted) instead of failing.
    public var repair: Bool?
    /// Span QA only: `squad` (default) or `mlqa`.
    public var answerNormalization: AnswerNormalizationChoice?
    /// SQuAD only: each split keeps the articles in its range of the split's file(s).
    public var articleSplit: ArticleSplit?

    /// Whether data paths may be absolute or leave the data root (`--allow-outside-data-root`); set
    /// by whoever loads the spec, not part of the YAML.
    public var allowsPathsOutsideDataRoot = false

    /// The file the spec was read from, for error messages (not part of the YAML).
    public var sourcePath: String = ""

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, type, format, columns, labels
        case labelsFile = "labels_file", labelMap = "label_map", metrics
        case majorMetric = "major_metric", data, dataPattern = "data_pattern", languages, builtin, sharesHead = "shares_head", scoring, repair, answerNormalization = "answer_normalization"
        case articleSplit = "article_split"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        type = try c.decode(TaskType.self, forKey: .type)
        format = try c.decode(DataFormat.self, forKey: .format)
        columns = try c.decodeIfPresent(ColumnMapping.self, forKey: .columns)
        labels = try c.decodeIfPresent([LabelSpec].self, forKey: .labels)
        labelsFile = try c.decodeIfPresent(String.self, forKey: .labelsFile)
        labelMap = try c.decodeIfPresent([String: String].self, forKey: .labelMap)
        metrics = try c.decode([String].self, forKey: .metrics)
        majorMetric = try c.decode(String.self, forKey: .majorMetric)
        data = try c.decodeIfPresent([String: SplitFiles].self, forKey: .data)
        dataPattern = try c.decodeIfPresent(DataPattern.self, forKey: .dataPattern)
        languages = try c.decodeIfPresent([String].self, forKey: .languages)
        builtin = try c.decodeIfPresent(BuiltinTaskSpec.self, forKey: .builtin)
        sharesHead = try c.decodeIfPresent(String.self, forKey: .sharesHead)
        scoring = try c.decodeIfPresent(RetrievalScoring.self, forKey: .scoring)
        repair = try c.decodeIfPresent(Bool.self, forKey: .repair)
        answerNormalization = try c.decodeIfPresent(AnswerNormalizationChoice.self, forKey: .answerNormalization)
        articleSplit = try c.decodeIfPresent(ArticleSplit.self, forKey: .articleSplit)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(description, forKey: .description)
        try c.encode(type, forKey: .type)
        try c.encode(format, forKey: .format)
        try c.encodeIfPresent(columns, forKey: .columns)
        try c.encodeIfPresent(labels, forKey: .labels)
        try c.encodeIfPresent(labelsFile, forKey: .labelsFile)
        try c.encodeIfPresent(labelMap, forKey: .labelMap)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(majorMetric, forKey: .majorMetric)
        try c.encodeIfPresent(data, forKey: .data)
        try c.encodeIfPresent(dataPattern, forKey: .dataPattern)
        try c.encodeIfPresent(languages, forKey: .languages)
        try c.encodeIfPresent(builtin, forKey: .builtin)
        try c.encodeIfPresent(sharesHead, forKey: .sharesHead)
        try c.encodeIfPresent(scoring, forKey: .scoring)
        try c.encodeIfPresent(repair, forKey: .repair)
        try c.encodeIfPresent(answerNormalization, forKey: .answerNormalization)
        try c.encodeIfPresent(articleSplit, forKey: .articleSplit)
    }

    /// Reads and checks a spec file on its own (references to languages and files are checked by
    /// `TaskRegistry` and `DataCheck`).
    /// `allowOutsideDataRoot` lets its data paths be absolute or leave the data root.
    public static func load(path: String, allowOutsideDataRoot: Bool = false) throws -> TaskSpec {
        var spec = try SpecDecoding.decode(TaskSpec.self, path: path)
        spec.sourcePath = path
        spec.allowsPathsOutsideDataRoot = allowOutsideDataRoot
        try spec.validate()
        return spec
    }

    /// The full path of a file the spec names at `key` (a data file, `labels_file`). Paths are
    /// relative to the data root and stay inside it: an absolute path, or one whose `..` climbs out,
    /// is refused unless the spec was loaded with `allowOutsideDataRoot`.
    public func resolve(_ relative: String, key: String, dataRoot: String) throws -> String {
        guard !relative.isEmpty else { throw error(key, "expected a file path, found an empty string") }
        if !allowsPathsOutsideDataRoot {
            if relative.hasPrefix("/") {
                throw error(key, "'\(excerpt(relative))' is an absolute path; data paths are relative to the data root (--allow-outside-data-root allows others)")
            }
            var depth = 0
            for part in relative.split(separator: "/", omittingEmptySubsequences: true) {
                if part == ".." {
                    depth -= 1
                    if depth < 0 {
                        throw error(key, "'\(excerpt(relative))' leaves the data root; data paths stay inside it (--allow-outside-data-root allows others)")
                    }
                } else if part != "." {
                    depth += 1
                }
            }
        }
        return relative.hasPrefix("/") ? relative : (dataRoot as NSString).appendingPathComponent(relative)
    }

    /// Throws an error naming the spec and `key` unless `path` is a regular file (a FIFO, a device,
    /// a socket or a folder each get their own message).
    public func requireRegularFile(_ path: String, key: String) throws {
        do { try InputFile.checkRegular(path) } catch let e as FileError {
            throw error(key, e.message == "file not found" ? "file not found: \(path)" : "\(path) \(e.message)")
        }
    }

    /// The task's labels in class-id order (nil for types without a label set).
    public func labelSet(dataRoot: String) throws -> LabelSet? { try LabelSet.of(self, dataRoot: dataRoot) }

    /// The languages the task has data for, sorted.
    public var languageCodes: [String] {
        if format == .builtin { return languages ?? [] }
        return (data ?? [:]).keys.sorted()
    }

    /// Splits available for a language.
    public func splits(for language: String) -> [Split] {
        if format == .builtin {
            guard languages?.contains(language) == true, let b = builtin else { return [] }
            return Split.allCases.filter { (b.sizes[$0] ?? 0) > 0 }
        }
        return data?[language]?.splits ?? []
    }

    func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: sourcePath, key: key, message)
    }

    /// Checks that depend only on the spec itself.
    public func validate() throws {
        if !sourcePath.isEmpty {
            let stem = ((sourcePath as NSString).lastPathComponent as NSString).deletingPathExtension
            if stem != name { throw error("name", "'\(excerpt(name))' does not match the file name '\(excerpt(stem))'") }
        }
        guard !metrics.isEmpty else { throw error("metrics", "at least one metric is required") }
        if scoring != nil && type != .retrieval { throw error("scoring", "only retrieval tasks choose a scoring; this task is \(type.rawValue)") }
        if answerNormalization != nil && type != .spanQA {
            throw error("answer_normalization", "only span-qa tasks normalize answers; this task is \(type.rawValue)")
        }
        if repair != nil && format != .iob2 { throw error("repair", "only iob2 tasks repair tag transitions; this task is \(format.rawValue)") }
        if articleSplit != nil && format != .squad { throw error("article_split", "only squad tasks split by article; this task is \(format.rawValue)") }
        for (i, m) in metrics.enumerated() where !type.allowedMetrics.contains(m) {
            throw error("metrics[\(i)]", "'\(excerpt(m))' is not a metric for \(type.rawValue) (expected one of: \(type.allowedMetrics.sorted().joined(separator: ", ")))")
        }
        guard metrics.contains(majorMetric) else {
            throw error("major_metric", "'\(excerpt(majorMetric))' is not listed in metrics")
        }
        if let labels {
            var seen = Set<String>()
            for (i, l) in labels.enumerated() {
                if l.name.isEmpty { throw error("labels[\(i)].name", "empty label name") }
                if !seen.insert(l.name).inserted { throw error("labels[\(i)].name", "duplicate label '\(excerpt(l.name))'") }
                if l.description.trimmingCharacters(in: .whitespaces).isEmpty {
                    throw error("labels[\(i)].description", "every label needs a short English description")
                }
            }
        }
        if labels != nil && labelsFile != nil { throw error("labels_file", "give either labels or labels_file, not both") }
        if type.hasLabelSet && labels == nil && labelsFile == nil {
            throw error("labels", "a \(type.rawValue) task needs a label set (labels or labels_file)")
        }
        if let labelMap, let labels {
            let names = Set(labels.map(\.name))
            for (raw, mapped) in labelMap.sorted(by: { $0.key < $1.key }) where !names.contains(mapped) {
                throw error("label_map.\(raw)", "label '\(excerpt(mapped))' is not in the label set")
            }
        }
        if format == .builtin {
            guard let builtin else { throw error("builtin", "a builtin task needs a builtin section") }
            guard let languages, !languages.isEmpty else { throw error("languages", "a builtin task lists its languages") }
            if data != nil { throw error("data", "a builtin task has no files") }
            if dataPattern != nil { throw error("data_pattern", "a builtin task has no files") }
            try BuiltinSuite.checkSpec(self, builtin)
        } else {
            if builtin != nil { throw error("builtin", "only a task with format builtin has a builtin section") }
            if languages != nil { throw error("languages", "a task with files lists its languages as the keys of data") }
            if let dataPattern { try checkDataPattern(dataPattern) }
            let data = self.data ?? [:]
            if data.isEmpty && dataPattern == nil { throw error("data", "no data files (give data, data_pattern or both)") }
            for (lang, files) in data.sorted(by: { $0.key < $1.key }) {
                if files.splits.isEmpty { throw error("data.\(lang)", "no split (train, dev, test) given") }
                for split in files.splits {
                    for (i, ref) in files[split].enumerated() {
                        let key = "data.\(lang).\(split.rawValue)" + (files[split].count > 1 ? "[\(i)]" : "")
                        switch (ref, format) {
                        case (.parallel, .parallel), (.single, .conllu), (.single, .iob2), (.single, .tsv), (.single, .csv),
                             (.single, .jsonl), (.single, .squad), (.single, .text):
                            break
                        case (.single, _):
                            throw error(key, "the parallel format needs a source and a target file")
                        case (.parallel, _):
                            throw error(key, "source/target pairs are only for the parallel format")
                        }
                    }
                }
            }
            try ReaderSupport.checkColumns(self)
            if let articleSplit { try checkArticleSplit(articleSplit, data: data, pattern: dataPattern) }
        }
    }

    func checkDataPattern(_ p: DataPattern) throws {
        if format == .parallel { throw error("data_pattern", "the parallel format needs source/target pairs; list them under data") }
        if p.splits.isEmpty { throw error("data_pattern", "no split (train, dev, test) given") }
        for split in p.splits {
            guard let pattern = p[split] else { continue }
            guard DataPattern.parts(pattern) != nil else {
                throw error("data_pattern.\(split.rawValue)", "expected a path with {language} once, in one folder or file name, and no other braces, found '\(excerpt(pattern))'")
            }
            if !allowsPathsOutsideDataRoot && pattern.hasPrefix("/") {
                throw error("data_pattern.\(split.rawValue)", "'\(excerpt(pattern))' is an absolute path; data paths are relative to the data root (--allow-outside-data-root allows others)")
            }
        }
    }

    /// This spec with `data` extended by every language `data_pattern` finds under `dataRoot` (languages are
    /// named by their spec's code when the value found is a code or FLORES-200 alias, else by the value itself);
    /// languages already in `data` keep their listed files. A pattern folder that does not exist finds nothing.
    public func discoveringLanguages(dataRoot: String, languages: LanguageRegistry) throws -> TaskSpec {
        guard let pattern = dataPattern else { return self }
        var out = self
        var data = self.data ?? [:]
        var found: [String: SplitFiles] = [:]
        for split in pattern.splits {
            guard let p = pattern[split], let parts = DataPattern.parts(p) else { continue }
            let key = "data_pattern.\(split.rawValue)"
            let folder = try resolve(parts.folder.isEmpty ? "." : parts.folder, key: key, dataRoot: dataRoot)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names.sorted() where name.count > parts.prefix.count + parts.suffix.count
                && name.hasPrefix(parts.prefix) && name.hasSuffix(parts.suffix) {
                let value = String(name.dropFirst(parts.prefix.count).dropLast(parts.suffix.count))
                guard DataPattern.isLanguageCode(value) else { continue }
                let relative = p.replacingOccurrences(of: DataPattern.placeholder, with: value)
                guard (try? InputFile.checkRegular(try resolve(relative, key: key, dataRoot: dataRoot))) != nil else { continue }
                let code = languages.canonical(value) ?? value
                if data[code] != nil { continue }
                found[code, default: SplitFiles()][split] = [.single(relative)]
            }
        }
        for (code, files) in found { data[code] = files }
        out.data = data
        out.discoveredLanguages = found.keys.sorted()
        return out
    }

    /// Every split some language has files for needs a range, no range is given for a split no
    /// language has, and the ranges do not overlap (an article in two splits would leak).
    func checkArticleSplit(_ a: ArticleSplit, data: [String: SplitFiles], pattern: DataPattern?) throws {
        for split in Split.allCases {
            let users = data.filter { !$0.value[split].isEmpty }.keys.sorted() + (pattern?[split] == nil ? [] : ["data_pattern"])
            if let first = users.first, a[split] == nil {
                throw error("article_split", "no \(split.rawValue) range, but '\(excerpt(first))' has \(split.rawValue) files")
            }
            if users.isEmpty && a[split] != nil {
                throw error("article_split.\(split.rawValue)", "no language has \(split.rawValue) files")
            }
        }
        let given = Split.allCases.compactMap { s in a[s].map { (s, $0) } }
        for (i, (s, r)) in given.enumerated() {
            for (t, q) in given[..<i] where r.overlaps(q) {
                throw error("article_split.\(s.rawValue)", "\(ArticleSplit.shown(r)) overlaps \(t.rawValue)'s \(ArticleSplit.shown(q)); a split's articles must not be in another split")
            }
        }
    }
}
