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
        var out = experiment
        for i in out.tasks.indices {
            out.tasks[i].trainLanguages = out.tasks[i].trainLanguages.map { languages.canonical($0) ?? $0 }
            out.tasks[i].evalLanguages = out.tasks[i].evalLanguages.map { languages.canonical($0) ?? $0 }
        }
        return out
    }

    /// Checks the experiment against the catalog (names, languages, trainable types, selection metrics)
    /// and returns the task specs in experiment order.
    public func resolve(_ experiment: Experiment, file: String?) throws -> [TaskSpec] {
        try experiment.validateTasks(file: file, catalog: availability, knownTasks: tasks.names)
        var specs: [TaskSpec] = []
        for (i, entry) in experiment.tasks.enumerated() {
            guard let spec = tasks[entry.name] else { throw ConfigError(file: file, key: "tasks.\(i).name", "unknown task '\(entry.name)'") }
            guard TaskFamilies.trainableTypes.contains(spec.type) else {
                throw ConfigError(file: file, key: "tasks.\(i).name",
                                  "task '\(entry.name)' is \(spec.type.rawValue); polyglot train trains \(TaskFamilies.trainableTypes.map(\.rawValue).sorted().joined(separator: ", "))")
            }
            specs.append(spec)
        }
        if specs.filter({ $0.type == .mlm }).count > 1, let i = specs.lastIndex(where: { $0.type == .mlm }) {
            throw ConfigError(file: file, key: "tasks.\(i).name", "at most one masked-LM task per experiment (the MLM head is tied to the encoder)")
        }
        for name in experiment.selectionTaskNames(isMaskedLM: { tasks[$0]?.type == .mlm }) {
            guard let spec = tasks[name], let i = experiment.tasks.firstIndex(where: { $0.name == name }) else { continue }
            let selectable = TaskCatalog.selectableMetrics(spec.type)
            guard selectable.contains(spec.majorMetric) else {
                throw ConfigError(file: file, key: "tasks.\(i).name",
                                  "task '\(name)' selects on \(spec.majorMetric), which a \(spec.type.rawValue) task does not score (it scores \(selectable.sorted().joined(separator: ", ")))")
            }
        }
        return specs
    }
}
