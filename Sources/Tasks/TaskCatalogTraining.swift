import Data
import Foundation
import Platform
import Runs

extension TaskCatalog {
    /// The dev metrics a task type can select on: what its predictions score, masked LM's own.
    public static func selectableMetrics(_ type: TaskType) -> Set<String> {
        type == .mlm ? MaskedLMTask.metrics : Set(PredictionScoring.metrics(for: type))
    }

    /// The experiment with every task's training and evaluation languages named by their spec's code: a FLORES-200
    /// alias (`eng_Latn`) becomes the code (`en`), so the run folder, the sampler and the reports see one name per
    /// language. A code no spec knows is left as written (a task may still have data for it).
    public func canonicalizingLanguages(_ experiment: Experiment) -> Experiment {
        func canonical(_ entries: [TaskEntry]) -> [TaskEntry] {
            entries.map { entry in
                var out = entry
                out.trainLanguages = entry.trainLanguages.map { languages.canonical($0) ?? $0 }
                out.evalLanguages = entry.evalLanguages.map { languages.canonical($0) ?? $0 }
                return out
            }
        }
        var out = experiment
        out.tasks = canonical(out.tasks)
        for i in out.stages.indices { out.stages[i].tasks = canonical(out.stages[i].tasks) }
        return out
    }

    /// Checks the experiment against the catalog (names, languages, trainable types, selection metrics)
    /// and returns the task specs of each stage in experiment order (one list without stages).
    public func resolve(_ experiment: Experiment, file: String?) throws -> [[TaskSpec]] {
        try experiment.validateTasks(file: file, catalog: availability, knownTasks: tasks.names)
        var out: [[TaskSpec]] = []
        var maskedLM: String?
        for (j, stage) in experiment.stageExperiments.enumerated() {
            let prefix = experiment.isStaged ? "stages.\(j)." : ""
            var specs: [TaskSpec] = []
            for (i, entry) in stage.tasks.enumerated() {
                guard let spec = tasks[entry.name] else { throw ConfigError(file: file, key: prefix + "tasks.\(i).name", "unknown task '\(entry.name)'") }
                guard TaskFamilies.trainableTypes.contains(spec.type) else {
                    throw ConfigError(file: file, key: prefix + "tasks.\(i).name",
                                      "task '\(entry.name)' is \(spec.type.rawValue); polyglot train trains \(TaskFamilies.trainableTypes.map(\.rawValue).sorted().joined(separator: ", "))")
                }
                if spec.type == .mlm {
                    if let other = maskedLM, other != spec.name {
                        throw ConfigError(file: file, key: prefix + "tasks.\(i).name",
                                          "at most one masked-LM task per experiment (the MLM head is tied to the encoder); \(other) is one already")
                    }
                    maskedLM = spec.name
                }
                specs.append(spec)
            }
            for name in stage.selectionTaskNames(isMaskedLM: { tasks[$0]?.type == .mlm }) {
                guard let spec = tasks[name], let i = stage.tasks.firstIndex(where: { $0.name == name }) else { continue }
                let selectable = TaskCatalog.selectableMetrics(spec.type)
                guard selectable.contains(spec.majorMetric) else {
                    throw ConfigError(file: file, key: prefix + "tasks.\(i).name",
                                      "task '\(name)' selects on \(spec.majorMetric), which a \(spec.type.rawValue) task does not score (it scores \(selectable.sorted().joined(separator: ", ")))")
                }
            }
            out.append(specs)
        }
        return out
    }
}
