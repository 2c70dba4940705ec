import Data
import Foundation
import Models
import Platform
import Text
import Runs

extension FuzzTarget {
    /// Every target, by the name `--target=` and `make fuzz` use (the corpus folder has the same name).
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "safetensors", run: safetensorsHeader),
        FuzzTarget(name: "tokenizer", run: tokenizerJSON),
        FuzzTarget(name: "conllu", run: conllu),
        FuzzTarget(name: "tsv", run: { delimited($0, dialect: .tsv) }),
        FuzzTarget(name: "csv", run: { delimited($0, dialect: .csv) }),
        FuzzTarget(name: "jsonl", run: jsonl),
        FuzzTarget(name: "squad", run: squad),
        FuzzTarget(name: "iob2", run: iob2),
        FuzzTarget(name: "task-yaml", run: taskYAML),
        FuzzTarget(name: "language-yaml", run: languageYAML),
        FuzzTarget(name: "experiment-yaml", run: experimentYAML),
        FuzzTarget(name: "sweep-yaml", run: sweepYAML),
    ]
}

/// The safetensors header and layout check, on the input as a whole file image (no mapping needed).
func safetensorsHeader(_ bytes: UnsafeRawBufferPointer) {
    guard let parsed = try? SafetensorsFile.parseHeader(bytes, path: "fuzz.safetensors") else { return }
    // What parseHeader promises: every tensor lies inside the data section, in order, without overlap.
    var cursor = 0
    for e in parsed.entries {
        precondition(e.begin == cursor && e.end >= e.begin, "safetensors: entries do not tile the data section")
        cursor = e.end
    }
    precondition(parsed.dataOffset + cursor == bytes.count, "safetensors: entries do not cover the file")
}

/// tokenizer.json: the model, normalizer, pre-tokenizer, post-processor and added tokens, then a few
/// fixed texts through the loaded pipeline (a configuration that loads must also encode and decode).
func tokenizerJSON(_ bytes: UnsafeRawBufferPointer) {
    let path = Scratch.write(bytes, as: "tokenizer.json")
    guard let tokenizer = try? Tokenizer.load(from: URL(fileURLWithPath: path)) else { return }
    for text in tokenizerSamples {
        guard let encoding = try? tokenizer.encode(text) else { continue }
        _ = try? tokenizer.decode(encoding.ids)
    }
    _ = try? tokenizer.encode(pair: tokenizerSamples[0], tokenizerSamples[1])
    _ = try? tokenizer.encode(words: ["Zürich", "", "naïve", "日本語"])
}

let tokenizerSamples = [
    "Hello, world! The café's naïve résumé costs $3.50.",
    "  Ünïcödé   spaces\tand\nlines  ",
    "東京は日本の首都です。สวัสดีครับ",
    "[CLS] [MASK] <s> </s> <unk> ▁piece ##suffix",
    "",
]

func conllu(_ bytes: UnsafeRawBufferPointer) {
    let path = Scratch.write(bytes, as: "input.conllu")
    try? CoNLLUReader(path: path).forEach { sentence in
        // Token ranges index the sentence text.
        let count = sentence.text.utf8.count
        for r in sentence.tokenRanges { precondition(r.lowerBound >= 0 && r.upperBound <= count, "conllu: token range outside the text") }
        for w in sentence.words { precondition(w.token >= 0 && w.token < sentence.tokens.count, "conllu: word without its token") }
    }
}

func delimited(_ bytes: UnsafeRawBufferPointer, dialect: DelimitedReader.Dialect) {
    let path = Scratch.write(bytes, as: dialect == .tsv ? "input.tsv" : "input.csv")
    let reader = DelimitedReader(path: path, dialect: dialect)
    _ = try? reader.header()
    var names: [String] = []
    try? reader.forEach(header: { names = $0 }) { row in
        for name in names { _ = row[name] }
    }
}

func jsonl(_ bytes: UnsafeRawBufferPointer) {
    let path = Scratch.write(bytes, as: "input.jsonl")
    try? JSONLReader(path: path).forEach { object, _ in _ = object.count }
}

func squad(_ bytes: UnsafeRawBufferPointer) {
    let path = Scratch.write(bytes, as: "input.json")
    try? SQuADReader(path: path).forEach { question in
        let count = question.context.utf8.count
        for a in question.answers { precondition(a.range.upperBound <= count, "squad: answer range outside the context") }
    }
}

/// Column files as the task specs read them: UNER's `id word tag` strictly, the same with repair,
/// and words only with a WikiANN language prefix.
func iob2(_ bytes: UnsafeRawBufferPointer) {
    let path = Scratch.write(bytes, as: "input.iob2")
    func check(_ s: IOBSentence) {
        let count = s.text.utf8.count
        for r in s.wordRanges { precondition(r.lowerBound >= 0 && r.upperBound <= count, "iob2: word range outside the text") }
    }
    try? IOBReader(path: path, wordColumn: 1, tagColumn: 2).forEach(check)
    try? IOBReader(path: path, wordColumn: 1, tagColumn: 2, transitions: .repair).forEach(check)
    try? IOBReader(path: path, wordColumn: 0, tagColumn: nil, stripLanguagePrefix: true).forEach(check)
}

/// The languages the task and experiment targets check references against.
let knownLanguages = LanguageRegistry(languages: ["en", "de", "da", "fr", "zh"].map {
    LanguageSpec(code: $0, iso639_3: "xxx", name: $0, icuLocale: $0, scripts: ["Latn"], family: "f", genus: "g",
                 dictionarySegmentation: false)
}, directory: "languages")

func taskYAML(_ bytes: UnsafeRawBufferPointer) {
    // The file name must match the spec's name, else every input stops at that check.
    let name = specFileStem(bytes, key: "name") ?? "fuzz"
    let path = Scratch.write(bytes, as: name + ".yaml")
    defer { Scratch.remove(name + ".yaml") }
    guard let spec = try? TaskSpec.load(path: path) else { return }
    _ = spec.languageCodes
    for code in spec.languageCodes { _ = spec.splits(for: code) }
    let registry = TaskRegistry(tasks: [spec], directory: "tasks")
    _ = try? registry.checkReferences(spec, languages: knownLanguages)
}

func languageYAML(_ bytes: UnsafeRawBufferPointer) {
    let code = specFileStem(bytes, key: "code") ?? "fuzz"
    let path = Scratch.write(bytes, as: code + ".yaml")
    defer { Scratch.remove(code + ".yaml") }
    guard let spec = try? LanguageSpec.load(path: path) else { return }
    let registry = LanguageRegistry(languages: [spec], directory: "languages")
    _ = registry.family(of: spec.code)
    _ = registry.language(iso639_3: spec.iso639_3)
}

/// The value of a top-level `key: value` line when it is a plain file-name stem (letters, digits,
/// `-`, `_`), so the spec's own name check passes and the rest of the validation is reached.
func specFileStem(_ bytes: UnsafeRawBufferPointer, key: String) -> String? {
    guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) where line.hasPrefix(key + ":") {
        var value = line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
        let allowed = !value.isEmpty && value.utf8.count <= 64 && value.utf8.allSatisfy {
            ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95
        }
        return allowed ? value : nil
    }
    return nil
}

/// What the experiment target's catalog offers (names of the shipped tasks, a few languages).
let experimentCatalog: [String: TaskAvailability] = [
    "ud-pos": TaskAvailability(trainLanguages: ["en", "de"], devLanguages: ["en", "de", "fr"], isMaskedLM: false),
    "sib200": TaskAvailability(trainLanguages: ["en", "de", "fr"], devLanguages: ["en", "de", "fr", "zh"], isMaskedLM: false),
    "cldr-mlm": TaskAvailability(trainLanguages: ["en", "de", "fr"], devLanguages: ["en", "de", "fr"], isMaskedLM: true),
    "cldr-dates-month": TaskAvailability(trainLanguages: ["en", "de"], devLanguages: ["en", "de", "fr"], isMaskedLM: false),
]

/// An experiment file as `train` reads it: defaults, strict decoding, validation against a catalog,
/// and the resolved YAML a run folder keeps, which must read back as the same experiment (resume
/// depends on it).
func experimentYAML(_ bytes: UnsafeRawBufferPointer) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    guard let experiment = try? ExperimentLoader.decode(yaml: text, file: "fuzz.yaml") else { return }
    guard (try? experiment.validate(file: "fuzz.yaml")) != nil else { return }
    guard (try? experiment.validateTasks(file: "fuzz.yaml", catalog: { experimentCatalog[$0] },
                                         knownTasks: Array(experimentCatalog.keys))) != nil else { return }
    _ = experiment.selectionTaskNames(isMaskedLM: { experimentCatalog[$0]?.isMaskedLM ?? false })
    let resolved: String
    do { resolved = try ExperimentLoader.resolvedYAML(experiment) } catch {
        fatalError("experiment: a valid experiment cannot be written as YAML: \(error)")
    }
    let again: Experiment
    do { again = try ExperimentLoader.decode(yaml: resolved, file: "resolved.yaml") } catch {
        fatalError("experiment: the resolved YAML of a valid experiment does not read back: \(error)\n\(resolved)")
    }
    precondition(again == experiment, "experiment: the resolved YAML reads back as a different experiment\n\(resolved)")
}

/// A sweep file: a valid one lists its points the same way twice, and its plan reads back from JSON unchanged.
func sweepYAML(_ bytes: UnsafeRawBufferPointer) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    guard let spec = try? SweepSpec.parse(yaml: text, file: "/fuzz/sweep.yaml") else { return }
    let points: [SweepPoint], plan: SweepPlan
    do {
        points = try spec.points()
        plan = try SweepPlan(spec: spec, experimentSHA256: "0")
    } catch {
        fatalError("sweep: a sweep file that parsed cannot list its points: \(error)")
    }
    precondition(points == plan.points && !points.isEmpty, "sweep: points differ between two listings")
    precondition(points.count <= SweepSpec.maxPoints + 1, "sweep: more points than the limit")
    precondition(plan.baselinePoint != nil, "sweep: the plan has no baseline point")
    do {
        let again = try JSONDecoder().decode(SweepPlan.self, from: try JSONEncoder().encode(plan))
        precondition(again == plan, "sweep: the plan reads back from JSON as another plan")
    } catch {
        fatalError("sweep: the plan does not round-trip through JSON: \(error)")
    }
}
