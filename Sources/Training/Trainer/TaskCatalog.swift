import Data
import Foundation
import Models
import Platform

/// The task and language specs an experiment draws on, and what each task offers.
public struct TaskCatalog: Sendable {
    public let tasks: TaskRegistry
    public let languages: LanguageRegistry

    public init(tasks: TaskRegistry, languages: LanguageRegistry) { self.tasks = tasks; self.languages = languages }

    /// `allowOutsideDataRoot` lets the task specs name data files outside the data root.
    public static func load(tasksDirectory: String = "tasks", languagesDirectory: String = "languages",
                            allowOutsideDataRoot: Bool = false) throws -> TaskCatalog {
        let languages = try LanguageRegistry.load(directory: languagesDirectory)
        return TaskCatalog(tasks: try TaskRegistry.load(directory: tasksDirectory, languages: languages,
                                                        allowOutsideDataRoot: allowOutsideDataRoot), languages: languages)
    }

    /// Languages with training data and with dev data, for experiment validation.
    public func availability(_ name: String) -> TaskAvailability? {
        guard let spec = tasks[name] else { return nil }
        var train = Set<String>(), dev = Set<String>()
        for lang in spec.languageCodes {
            let splits = spec.splits(for: lang)
            if splits.contains(.train) { train.insert(lang) }
            if splits.contains(.dev) { dev.insert(lang) }
        }
        return TaskAvailability(trainLanguages: train, devLanguages: dev, isMaskedLM: spec.type == .mlm)
    }

    /// Task types the trainer has batches, losses and dev metrics for.
    public static let trainableTypes: Set<TaskType> = [.classification, .pairClassification, .regression, .tagging, .mlm, .retrieval]

    /// Checks the experiment against the catalog (names, languages, trainable types, selection metrics)
    /// and returns the task specs in experiment order.
    public func resolve(_ experiment: Experiment, file: String?) throws -> [TaskSpec] {
        try experiment.validateTasks(file: file, catalog: availability, knownTasks: tasks.names)
        var specs: [TaskSpec] = []
        for (i, entry) in experiment.tasks.enumerated() {
            let spec = tasks[entry.name]!
            guard TaskCatalog.trainableTypes.contains(spec.type) else {
                throw ConfigError(file: file, key: "tasks.\(i).name",
                                  "task '\(entry.name)' is \(spec.type.rawValue); polyglot train trains \(TaskCatalog.trainableTypes.map(\.rawValue).sorted().joined(separator: ", "))")
            }
            specs.append(spec)
        }
        let mlmCount = specs.filter { $0.type == .mlm }.count
        if mlmCount > 1 {
            let i = specs.lastIndex { $0.type == .mlm }!
            throw ConfigError(file: file, key: "tasks.\(i).name", "at most one masked-LM task per experiment (the MLM head is tied to the encoder)")
        }
        let selected = experiment.selectionTaskNames { tasks[$0]?.type == .mlm }
        for name in selected {
            let spec = tasks[name]!
            guard DevMetrics.supported.contains(spec.majorMetric) else {
                let i = experiment.tasks.firstIndex { $0.name == name }!
                throw ConfigError(file: file, key: "tasks.\(i).name",
                                  "task '\(name)' selects on \(spec.majorMetric), which the trainer does not compute (it computes \(DevMetrics.supported.sorted().joined(separator: ", ")))")
            }
        }
        return specs
    }

    /// The head a task trains: its own, or the one named by `shares_head`.
    public static func headName(_ spec: TaskSpec) -> String { spec.sharesHead ?? spec.name }

    public static func headSpec(_ spec: TaskSpec, labels: LabelSet?) -> HeadSpec {
        let kind: HeadKind
        switch spec.type {
        case .classification: kind = .sequenceClassification
        case .pairClassification: kind = .pairClassification
        case .regression: kind = .regression
        case .tagging: kind = .tokenTagging
        case .mlm: kind = .mlm
        case .spanQA: kind = .spanQA
        case .multipleChoice: kind = .multipleChoice
        case .retrieval: kind = spec.scoring == .lateInteraction ? .lateInteraction : .embedding
        }
        return HeadSpec(name: headName(spec), kind: kind, labels: labels?.names ?? [])
    }

    /// Files a task reads for the given languages and splits (resolved against the data root), for checksums.
    public static func files(of spec: TaskSpec, languages: [String], splits: [Split], dataRoot: String) -> [String] {
        var out: [String] = []
        if !spec.sourcePath.isEmpty { out.append(spec.sourcePath) }
        if let labelsFile = spec.labelsFile { out.append((dataRoot as NSString).appendingPathComponent(labelsFile)) }
        for lang in languages {
            guard let files = spec.data?[lang] else { continue }
            for split in splits {
                for ref in files[split] {
                    for p in ref.paths { out.append(p.hasPrefix("/") ? p : (dataRoot as NSString).appendingPathComponent(p)) }
                }
            }
        }
        return out
    }
}
