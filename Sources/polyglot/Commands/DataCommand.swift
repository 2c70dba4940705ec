import ArgumentParser
import Data
import Foundation
import Platform

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Validate task and language specs and their files; print examples.",
        subcommands: [DataCheckCommand.self, DataShowCommand.self]
    )
}

/// Options shared by the data subcommands.
struct SpecLocations: ParsableArguments {
    @Option(help: "Root the spec paths are relative to (default: POLYGLOT_DATA_ROOT, else data/).")
    var dataRoot: String?
    @Option(help: "Folder of task specs.")
    var tasksDir = "tasks"
    @Option(help: "Folder of language specs.")
    var languagesDir = "languages"
    @Flag(help: "Let task specs name data files by absolute paths or outside the data root.")
    var allowOutsideDataRoot = false

    var resolvedDataRoot: String { RuntimeInfo.dataRoot(dataRoot) }
}

struct DataCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check specs and read every file they name; print per-language counts and label distributions.",
        discussion: "Without TASK arguments every spec in --tasks-dir is checked. Exits 1 if any task fails."
    )

    @OptionGroup var locations: SpecLocations
    @Argument(help: "Tasks to check (names of specs in --tasks-dir).")
    var tasks: [String] = []

    func run() throws {
        let languages: LanguageRegistry
        do { languages = try LanguageRegistry.load(directory: locations.languagesDir) } catch { fail(error) }
        try say("languages: \(languages.codes.count) specs in \(locations.languagesDir)")
        // Each spec is loaded on its own so one broken spec does not hide the others' results.
        var specs: [TaskSpec] = []
        var failures: [String] = []
        let paths: [String]
        if tasks.isEmpty {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: locations.tasksDir) else {
                fail(FileError(path: locations.tasksDir, "cannot list the folder"))
            }
            paths = names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(locations.tasksDir)/\($0)" }
        } else {
            paths = tasks.map { "\(locations.tasksDir)/\($0).yaml" }
        }
        for path in paths {
            do { specs.append(try TaskSpec.load(path: path, allowOutsideDataRoot: locations.allowOutsideDataRoot)) } catch { failures.append("\(error)") }
        }
        var all = specs
        if !tasks.isEmpty, let names = try? FileManager.default.contentsOfDirectory(atPath: locations.tasksDir) {
            for name in names where name.hasSuffix(".yaml") && !paths.contains("\(locations.tasksDir)/\(name)") {
                if let s = try? TaskSpec.load(path: "\(locations.tasksDir)/\(name)", allowOutsideDataRoot: locations.allowOutsideDataRoot) { all.append(s) }
            }
        }
        let registry = TaskRegistry(tasks: all, directory: locations.tasksDir)
        for spec in specs {
            try say("\n\(spec.name)  (\(spec.type.rawValue), \(spec.format.rawValue), major metric \(spec.majorMetric))")
            do {
                let spec = try spec.discoveringLanguages(dataRoot: locations.resolvedDataRoot, languages: languages)
                if !spec.discoveredLanguages.isEmpty {
                    try say("  data_pattern found \(spec.discoveredLanguages.count) more: \(spec.discoveredLanguages.joined(separator: " "))")
                }
                let summary = try DataCheck.run(task: spec, tasks: registry, languages: languages,
                                                dataRoot: locations.resolvedDataRoot) { s in
                    StandardStreams.output.record("  " + DataReport.line(s, type: spec.type) + "\n")
                }
                try say("  ok: \(summary.splits.count) language-splits, \(summary.splits.reduce(0) { $0 + $1.examples }) examples")
            } catch {
                try say("  FAILED: \(error)")
                failures.append("\(error)")
            }
        }
        if !failures.isEmpty {
            for f in failures { note("error: \(f)") }
            throw ExitCode(1)
        }
        try say("\nall \(specs.count) tasks ok")
    }
}

struct DataShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print examples of a task in one language."
    )

    @OptionGroup var locations: SpecLocations
    @Argument(help: "Task name.")
    var task: String
    @Option(help: "Language code (BCP-47, as in languages/).")
    var lang: String
    @Option(help: "Split: train, dev or test (default: the first the language has).")
    var split: String?
    @Option(name: .short, help: "Number of examples.")
    var n = 5
    @Option(help: "Seed for built-in tasks (default: the spec's).")
    var seed: UInt64?

    func validate() throws {
        try OptionRange.positive(n, "-n")
    }

    func run() throws {
        do {
            let languages = try LanguageRegistry.load(directory: locations.languagesDir)
            let spec = try TaskSpec.load(path: "\(locations.tasksDir)/\(task).yaml", allowOutsideDataRoot: locations.allowOutsideDataRoot)
                .discoveringLanguages(dataRoot: locations.resolvedDataRoot, languages: languages)
            let lang = languages.canonical(self.lang) ?? self.lang
            let splits = spec.splits(for: lang)
            guard !splits.isEmpty else { throw ConfigError(file: spec.sourcePath, key: "data", "no language '\(lang)' (has: \(spec.languageCodes.joined(separator: ", ")))") }
            let chosen: Split
            if let split {
                guard let s = Split(rawValue: split), splits.contains(s) else {
                    throw ConfigError(key: "--split", "'\(split)' is not a split of \(task)/\(lang) (has: \(splits.map(\.rawValue).joined(separator: ", ")))")
                }
                chosen = s
            } else {
                chosen = splits[0]
            }
            var shown = 0
            struct Enough: Error {}
            do {
                try DatasetLoader.forEach(task: spec, language: lang, split: chosen, dataRoot: locations.resolvedDataRoot,
                                          languages: languages, seed: seed) { e in
                    if shown == n { throw Enough() }
                    try say("[\(shown + 1)] " + DataReport.render(e).map { "\($0.0): \($0.1)" }.joined(separator: "\n    "))
                    shown += 1
                }
            } catch is Enough {}
        } catch let e as ExitCode { throw e } catch { fail(error) }
    }
}

/// Text layout of examples and counts for the CLI. `render` returns (field, value) rows so another
/// view of an example (e.g. its tokens) is one more row.
enum DataReport {
    static func render(_ e: Example) -> [(String, String)] {
        var rows: [(String, String)] = [("id", e.id)]
        switch e.input {
        case .text(let t): rows.append(("text", t))
        case .textPair(let a, let b): rows += [("text", a), ("text_pair", b)]
        case .tagged(let t):
            rows.append(("text", t.text))
            rows.append(("words", zip(t.words, t.tags).map { "\($0)/\($1)" }.joined(separator: " ")))
        case .span(let q):
            rows += [("question", q.question), ("context", q.context)]
            rows.append(("answers", q.answers.map { "\($0.text) @\($0.range.lowerBound)..<\($0.range.upperBound)" }.joined(separator: " | ")))
        case .choices(let context, let question, let choices):
            rows.append(("context", context))
            if let question { rows.append(("question", question)) }
            for (i, c) in choices.enumerated() { rows.append(("choice \(i)", c)) }
        case .translation(let s, let t): rows += [("source", s), ("target", t)]
        }
        if let label = e.label { rows.append(("label", label)) }
        if let value = e.value { rows.append(("value", String(value))) }
        return rows
    }

    static func line(_ s: SplitSummary, type: TaskType) -> String {
        let head = "\(s.language.padding(toLength: 4, withPad: " ", startingAt: 0)) \(s.split.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(String(s.examples).leftPad(6)) examples"
        var tail = ""
        switch type {
        case .tagging: tail = " \(s.units) words"
        case .spanQA: tail = " \(s.units) answers"
        default: break
        }
        let labels = s.labelCounts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let repaired = s.repairedTags > 0 ? "  (\(s.repairedTags) IOB2 tag\(s.repairedTags == 1 ? "" : "s") repaired)" : ""
        return head + tail + "  [\(s.script)]" + (labels.isEmpty ? "" : "  " + labels) + repaired
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
