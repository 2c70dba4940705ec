import Foundation

/// Sequential transfer: an experiment with `stages` trains them one after another from one model. Each
/// stage is also an experiment of its own (`stage(_:)`): the shared keys (model, tokenizer, data,
/// checkpoint, seed) with the stage's tasks, sampler, optimization, strategy and evaluation, and no stages.
/// An experiment without stages is its own single stage.
extension Experiment {
    /// Whether the experiment lists stages.
    public var isStaged: Bool { !stages.isEmpty }

    /// Stages trained: the listed ones, or the experiment itself.
    public var stageCount: Int { max(1, stages.count) }

    /// Stage `index` (0-based) as an experiment without stages; the experiment itself when it has none.
    public func stage(_ index: Int) -> Experiment {
        guard isStaged else { return self }
        let s = stages[index]
        var e = self
        e.tasks = s.tasks
        e.sampler = s.sampler
        e.optimization = s.optimization
        e.strategy = s.strategy
        e.evaluation = s.evaluation
        e.stages = []
        return e
    }

    /// What names a key of stage `index` in errors: `stages.<index>.`, or nothing without stages.
    public func stageKey(_ index: Int) -> String { isStaged ? "stages.\(index)." : "" }

    /// The experiment as far as its first `count` stages (the stages a `stage-<count>` checkpoint has seen).
    public func throughStage(_ count: Int) -> Experiment {
        var e = self
        e.stages = Array(stages.prefix(max(1, count)))
        return e
    }

    /// Every stage as an experiment of its own, in order.
    public var stageExperiments: [Experiment] { (0..<stageCount).map(stage) }

    /// The name reports give stage `index` (0-based): its `name`, else `stage <index + 1>`.
    public func stageName(_ index: Int) -> String {
        (isStaged ? stages[index].name : nil) ?? "stage \(index + 1)"
    }

    /// Optimizer steps of every stage together (the steps of a run that no stage stops early).
    public var totalMaxSteps: Int { stageExperiments.reduce(0) { $0 + $1.optimization.maxSteps } }

    /// Every task the experiment trains, once, in order of first appearance: a task listed in several stages
    /// has the union of their training languages and of their evaluation languages (those it trains on
    /// left out), its first entry's other settings. Without stages, `tasks` itself. What evaluation reads
    /// to know a task's languages.
    public var allTasks: [TaskEntry] {
        guard isStaged else { return tasks }
        var out: [TaskEntry] = []
        for stage in stages {
            for entry in stage.tasks {
                guard let i = out.firstIndex(where: { $0.name == entry.name }) else { out.append(entry); continue }
                for l in entry.trainLanguages where !out[i].trainLanguages.contains(l) { out[i].trainLanguages.append(l) }
                for l in entry.evalLanguages where !out[i].evalLanguages.contains(l) { out[i].evalLanguages.append(l) }
            }
        }
        for i in out.indices {
            let trained = out[i].trainLanguages
            out[i].evalLanguages.removeAll { trained.contains($0) }
        }
        return out
    }
}
