import Foundation
import Platform

/// Counts of one (task, language, split).
public struct SplitSummary: Sendable, Equatable {
    public var language: String
    public var split: Split
    public var examples: Int
    /// Label (classification), tag (tagging) or choice index (multiple-choice) → count.
    public var labelCounts: [String: Int]
    /// Words for tagging, answers for span QA; 0 otherwise.
    public var units: Int
    /// The dominant script of all the split's text.
    public var script: String
    /// IOB2 tags repaired (I-X turned into B-X) under the task's `repair: true`.
    public var repairedTags: Int = 0
}

public struct TaskSummary: Sendable {
    public var task: String
    public var splits: [SplitSummary]
}

/// Validates a task end to end: its spec, the languages it names, every file it names (each read
/// completely, so a malformed line anywhere fails with its file and line), the labels found against
/// the label set, and for built-in tasks that each language's text is in that language's script.
public enum DataCheck {
    public static func run(task: TaskSpec, tasks: TaskRegistry, languages: LanguageRegistry, dataRoot: String,
                           onSplit: (SplitSummary) -> Void = { _ in }) throws -> TaskSummary {
        try task.validate()
        try tasks.checkReferences(task, languages: languages)
        if let file = task.labelsFile {
            let path = try task.resolve(file, key: "labels_file", dataRoot: dataRoot)
            try task.requireRegularFile(path, key: "labels_file")
        }
        // Every file is checked to exist before any is read, so a missing file is reported at once.
        for (lang, files) in (task.data ?? [:]).sorted(by: { $0.key < $1.key }) {
            for split in files.splits {
                for (i, ref) in files[split].enumerated() {
                    let key = "data.\(lang).\(split.rawValue)" + (files[split].count > 1 ? "[\(i)]" : "")
                    let parts: [(String, String)]
                    switch ref {
                    case .single(let p): parts = [(p, key)]
                    case .parallel(let s, let t): parts = [(s, key + ".source"), (t, key + ".target")]
                    }
                    for (p, k) in parts {
                        let full = try task.resolve(p, key: k, dataRoot: dataRoot)
                        try task.requireRegularFile(full, key: k)
                    }
                }
            }
        }
        var summaries: [SplitSummary] = []
        for (index, lang) in task.languageCodes.enumerated() {
            for split in task.splits(for: lang) {
                var s = SplitSummary(language: lang, split: split, examples: 0, labelCounts: [:], units: 0, script: "")
                var scripts = ScriptTally()
                var ids = Set<String>()
                let report = LoadReport()
                try DatasetLoader.forEach(task: task, language: lang, split: split, dataRoot: dataRoot, languages: languages,
                                          report: report) { e in
                    // Ids key predictions and results, so two examples must never share one.
                    if !ids.insert(e.id).inserted {
                        throw task.error(task.format == .builtin ? "languages[\(index)]" : "data.\(lang).\(split.rawValue)",
                                         "two \(split.rawValue) examples have the id '\(excerpt(e.id))'")
                    }
                    s.examples += 1
                    if let label = e.label { s.labelCounts[label, default: 0] += 1 }
                    switch e.input {
                    case .tagged(let t):
                        s.units += t.words.count
                        for tag in t.tags { s.labelCounts[tag, default: 0] += 1 }
                    case .span(let q): s.units += q.answers.count
                    default: break
                    }
                    scripts.add(e.ownText)
                }
                let dominant = scripts.dominant
                s.script = dominant?.iso15924 ?? "Zyyy"
                s.repairedTags = report.totalRepairedTags
                if task.format == .builtin, let spec = languages[lang] {
                    if s.examples == 0 {
                        throw task.error("languages[\(index)]", "the generator made no \(split.rawValue) examples for '\(excerpt(lang))'")
                    }
                    if let dominant, !spec.acceptedScripts.contains(dominant) {
                        throw task.error("languages[\(index)]", "generated \(split.rawValue) text for '\(excerpt(lang))' is mostly \(dominant.iso15924), expected \(spec.scripts.joined(separator: "/")) (\(spec.sourcePath))")
                    }
                }
                onSplit(s)
                summaries.append(s)
            }
        }
        return TaskSummary(task: task.name, splits: summaries)
    }
}
