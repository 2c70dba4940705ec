import Data
import Evaluation
import Foundation
import Runs
import Tasks
import Platform

/// The label-matching training task as a pair-classification task the trainer already knows: each labelled
/// text of the training classification tasks is paired with its gold label's text (`match`) and with
/// `negatives` other labels' texts of the same task (`other`), TARS-style; a label's text is its description
/// or, with `.localized`, its name in the text's language where the task has one (`LabelText`). The pair is written
/// (description, text) — the order `LabelMatchingEvaluator` scores — so once trained, the pair head is
/// rewritten as a label-matching head (`LabelMatchingConversion`) that can score any classification task
/// from its label descriptions.
///
/// With `.pooled` or `.lateInteraction` the task is instead a retrieval task of (text, gold label text)
/// pairs: the encoder learns, by in-batch contrastive training, to embed a text next to its label's text
/// (one pooled vector each, or token vectors compared by late interaction), and the evaluator predicts the
/// label whose text scores highest the same way (`LabelMatchingEvaluator`). No negatives are written: the
/// batch's other label texts are the negatives.
public struct LabelMatchingPairs: Sendable {
    public static let match = "match", other = "other"

    public enum Scoring: String, Codable, Sendable, CaseIterable {
        /// TARS: one sequence per (label text, text) pair, a binary head on it.
        case crossEncoder = "cross-encoder"
        /// Dual encoder: texts and label texts embedded apart as pooled vectors, compared by cosine.
        case pooled
        /// Dual encoder over token vectors: ColBERT's late interaction (`LateInteractionHead`).
        case lateInteraction = "late-interaction"
    }

    /// Name of the generated task (and of its head, which becomes the label-matching head).
    public var taskName = "label-matching"
    /// Wrong labels paired with each text.
    public var negatives = 2
    /// Texts per source task, language and split (training split, dev split).
    public var textsPerTask: [Split: Int] = [.train: 50, .dev: 20]
    public var seed: UInt64 = 0
    /// What stands for a label in a pair (`LabelText`); the evaluator must use the same.
    public var labelText = LabelText.description
    public var scoring = Scoring.crossEncoder

    public init() {}

    /// Writes `<folder>/<task>/<lang>/{train,dev}.jsonl` and the task spec `<specFolder>/<task>.yaml` (paths in
    /// the spec are relative to `folder`, the data root). Returns the number of pairs per split.
    @discardableResult
    public func write(sources: [TaskSpec], languages: [String], registry: LanguageRegistry,
                      dataRoot folder: URL, specFolder: URL) throws -> [Split: Int] {
        for s in sources where s.type != .classification {
            throw ConfigError(key: "tasks", "label matching learns from classification tasks; '\(s.name)' is \(s.type.rawValue)")
        }
        var rng = RandomStream(seed: seed, name: "label_matching_pairs")
        var counts: [Split: Int] = [:]
        var dataLines: [String] = []
        let fm = FileManager.default
        for lang in languages {
            var files: [String] = []
            for split in [Split.train, .dev] {
                // Tasks interleaved text by text, so a prefix (the trainer's per-language cap) keeps every task.
                var perTask: [[Example]] = []
                var labelSets: [LabelSet] = []
                var labelTexts: [[String]] = []
                var taskNames: [String] = []
                for s in sources where s.splits(for: lang).contains(split) {
                    guard let labels = try LabelSet.of(s, dataRoot: folder.path) else { continue }
                    let n = textsPerTask[split] ?? 0
                    perTask.append(Array(try DatasetLoader.load(task: s, language: lang, split: split, dataRoot: folder.path, languages: registry).prefix(n)))
                    labelSets.append(labels)
                    labelTexts.append(try labelText.texts(for: labels, task: s, language: registry[lang]))
                    taskNames.append(s.name)
                }
                var lines: [String] = []
                let longest = perTask.map(\.count).max() ?? 0
                for i in 0..<longest {
                    for (t, examples) in perTask.enumerated() where i < examples.count {
                        let ex = examples[i], labels = labelSets[t]
                        guard case .text(let text) = ex.input, let label = ex.label, let gold = labels.id(of: label) else { continue }
                        if scoring != .crossEncoder {
                            let object = ["id": "\(taskNames[t])/\(ex.id)", "text": text, "label": labelTexts[t][gold]]
                            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                            continue
                        }
                        var others = labels.names.indices.filter { $0 != gold }
                        rng.shuffle(&others)
                        let pairs = [(gold, LabelMatchingPairs.match)] + others.prefix(negatives).map { ($0, LabelMatchingPairs.other) }
                        for (j, (labelIndex, target)) in pairs.enumerated() {
                            let object: [String: String] = ["id": "\(taskNames[t])/\(ex.id)#\(j)", "description": labelTexts[t][labelIndex],
                                                            "text": text, "target": target]
                            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                            lines.append(String(decoding: data, as: UTF8.self))
                        }
                    }
                }
                guard !lines.isEmpty else { continue }
                let rel = "\(taskName)/\(lang)/\(split.rawValue).jsonl"
                let url = folder.appendingPathComponent(rel)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: url)
                files.append("    \(split.rawValue): \(rel)")
                counts[split, default: 0] += lines.count
            }
            if !files.isEmpty { dataLines.append("  \(lang):\n" + files.joined(separator: "\n")) }
        }
        guard !dataLines.isEmpty else { throw ConfigError(key: "tasks", "no labelled text to build label-matching pairs from") }
        let sourceNames = sources.map(\.name).joined(separator: ", ")
        let spec: String
        switch scoring {
        case .crossEncoder:
            spec = """
            # Generated by polyglot demo: (label description, text) pairs from \(sourceNames).
            name: \(taskName)
            description: "Does the label description fit the text? Pairs built from the training classification tasks."
            type: pair-classification
            format: jsonl
            columns: {id: id, text: description, text_pair: text, label: target}
            labels:
              - {name: \(LabelMatchingPairs.match), description: "the description is the text's label"}
              - {name: \(LabelMatchingPairs.other), description: "the description is another label of the same task"}
            metrics: [accuracy, macro_f1]
            major_metric: accuracy
            data:
            \(dataLines.joined(separator: "\n"))

            """
        case .pooled, .lateInteraction:
            spec = """
            # Generated by polyglot demo: (text, label text) pairs from \(sourceNames).
            name: \(taskName)
            description: "Embed a text next to its label's text. Pairs built from the training classification tasks."
            type: retrieval
            scoring: \(scoring == .pooled ? RetrievalScoring.pooled.rawValue : RetrievalScoring.lateInteraction.rawValue)
            format: jsonl
            columns: {id: id, text: text, text_pair: label}
            metrics: [accuracy, mrr]
            major_metric: accuracy
            data:
            \(dataLines.joined(separator: "\n"))

            """
        }
        try fm.createDirectory(at: specFolder, withIntermediateDirectories: true)
        try AtomicFile.write(Data(spec.utf8), to: specFolder.appendingPathComponent("\(taskName).yaml"))
        return counts
    }
}
