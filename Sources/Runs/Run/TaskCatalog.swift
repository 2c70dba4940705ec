import Data
import Foundation
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

    /// This catalog with every task's `data_pattern` languages found under `dataRoot` added to its data.
    public func discoveringLanguages(dataRoot: String) throws -> TaskCatalog {
        let found = try tasks.tasks.values.map { try $0.discoveringLanguages(dataRoot: dataRoot, languages: languages) }
        return TaskCatalog(tasks: TaskRegistry(tasks: found, directory: tasks.directory), languages: languages)
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

    /// The head a task trains: its own, or the one named by `shares_head`.
    public static func headName(_ spec: TaskSpec) -> String { spec.sharesHead ?? spec.name }

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
