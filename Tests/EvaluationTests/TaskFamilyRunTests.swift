import Foundation
import Testing
import Platform
import Runs
import Tasks
import Training
import Evaluation
import Data

/// Synthetic tasks of every family trained from scratch in one run: span QA (a year hidden in a context
/// longer than one window), multiple choice (the choice of "good" words), retrieval (numbered sentences and
/// their translations), classification and tagging (the built-in suite). Checks that QA and multiple choice
/// beat their trivial baselines, that every family's dev metric in the trainer equals `eval`'s on the same
/// checkpoint and examples, and that the encoding report counts the windows.
enum FamilyRun {
    static let words = ["amber", "basil", "cedar", "dune", "ember", "fjord", "grove", "heath", "islet", "jade", "knoll", "loch",
                        "marsh", "nook", "oasis", "peak", "quay", "ridge", "shoal", "tarn"]
    static let good = ["bright", "kind", "warm", "calm", "fair", "glad"]
    static let bad = ["grim", "cold", "harsh", "dull", "sour", "bleak"]

    /// Writes the data files and task specs; returns (data root, tasks directory).
    static func prepare(_ dir: URL) throws -> (URL, URL) {
        let data = dir.appendingPathComponent("data"), tasks = dir.appendingPathComponent("tasks")
        for sub in ["qa", "mc", "bitext"] { try FileManager.default.createDirectory(at: data.appendingPathComponent(sub), withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(at: tasks, withIntermediateDirectories: true)
        var random = RandomStream(seed: 11, name: "family-run")
        func word() -> String { words[random.nextInt(below: words.count)] }

        for (split, count) in [("train", 240), ("dev", 48)] {
            // QA: 30-45 words with one year among them; the question never changes.
            var paragraphs: [Any] = []
            for i in 0..<count {
                var context = (0..<(30 + random.nextInt(below: 16))).map { _ in word() }
                let year = String(1900 + 5 * random.nextInt(below: 20))
                let at = 3 + random.nextInt(below: context.count - 3)
                context.insert(year, at: at)
                let text = context.joined(separator: " ")
                let start = context[..<at].map { $0.unicodeScalars.count + 1 }.reduce(0, +)
                paragraphs.append(["context": text, "qas": [["id": "\(split)-\(i)", "question": "which year is it",
                                                             "answers": [["text": year, "answer_start": start]]]]])
            }
            let squad: [String: Any] = ["version": "1.1", "data": [["title": "synthetic", "paragraphs": paragraphs]]]
            try JSONSerialization.data(withJSONObject: squad, options: [.sortedKeys]).write(to: data.appendingPathComponent("qa/\(split).json"))

            // Multiple choice: the right choice is made of good words.
            var lines: [String] = []
            for i in 0..<count {
                let right = (0..<3).map { _ in good[random.nextInt(below: good.count)] }.joined(separator: " ")
                let wrong = (0..<3).map { _ in bad[random.nextInt(below: bad.count)] }.joined(separator: " ")
                let label = random.nextInt(below: 2)
                let choices = label == 0 ? [right, wrong] : [wrong, right]
                let premise = (0..<5).map { _ in word() }.joined(separator: " ")
                let object: [String: Any] = ["idx": i, "premise": premise, "choice1": choices[0], "choice2": choices[1], "label": label]
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: data.appendingPathComponent("mc/\(split).jsonl"))

            // Retrieval: "<word> <number>" and its translation with the number spelled the same.
            var sources: [String] = [], targets: [String] = []
            for _ in 0..<count {
                let n = String(random.nextInt(below: 50))
                let w = word()
                sources.append("the \(w) number \(n)"); targets.append("\(n) ist die nummer von \(w)")
            }
            try Data((sources.joined(separator: "\n") + "\n").utf8).write(to: data.appendingPathComponent("bitext/\(split).src"))
            try Data((targets.joined(separator: "\n") + "\n").utf8).write(to: data.appendingPathComponent("bitext/\(split).tgt"))
        }
        try """
        name: syn-qa
        description: "Find the year in the context."
        type: span-qa
        format: squad
        metrics: [exact_match, f1]
        major_metric: f1
        data:
          en: {train: qa/train.json, dev: qa/dev.json}
        """.write(to: tasks.appendingPathComponent("syn-qa.yaml"), atomically: true, encoding: .utf8)
        try """
        name: syn-mc
        description: "Pick the choice made of good words."
        type: multiple-choice
        format: jsonl
        columns: {id: idx, text: premise, choices: [choice1, choice2], label: label}
        metrics: [accuracy]
        major_metric: accuracy
        data:
          en: {train: mc/train.jsonl, dev: mc/dev.jsonl}
        """.write(to: tasks.appendingPathComponent("syn-mc.yaml"), atomically: true, encoding: .utf8)
        try """
        name: syn-bitext
        description: "Find the translation."
        type: retrieval
        format: parallel
        metrics: [accuracy, mrr]
        major_metric: accuracy
        data:
          en: {train: {source: bitext/train.src, target: bitext/train.tgt}, dev: {source: bitext/dev.src, target: bitext/dev.tgt}}
        """.write(to: tasks.appendingPathComponent("syn-bitext.yaml"), atomically: true, encoding: .utf8)
        for name in ["cldr-dates-month", "cldr-date-fields"] {
            try FileManager.default.copyItem(at: TinyRun.root.appendingPathComponent("tasks/\(name).yaml"), to: tasks.appendingPathComponent("\(name).yaml"))
        }
        return (data, tasks)
    }

    static let yaml = """
    name: families
    seed: 7
    model: {layers: 2, hidden: 48, heads: 2, intermediate: 96, max_positions: 40, dropout: 0.0}
    tokenizer: {vocab_size: 400, max_sentences: 1500}
    data: {max_length: 32, max_train_examples: 240, max_eval_examples: 48}
    tasks:
      - {name: syn-qa, train_languages: [en]}
      - {name: syn-mc, train_languages: [en]}
      - {name: syn-bitext, train_languages: [en]}
      - {name: cldr-dates-month, train_languages: [en], eval_languages: [de]}
      - {name: cldr-date-fields, train_languages: [en]}
    optimization: {batch_size: 16, max_steps: 250, warmup_steps: 20, lr: 0.003}
    evaluation: {every: 250}
    checkpoint: {every: 250, keep_best: false}
    """

    struct Trained { let run: URL; let data: URL; let tasks: URL }

    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-families-\(getpid())")

    static let shared: Result<Trained, Error> = Result {
        let dir = folder
        atexit { try? FileManager.default.removeItem(at: FamilyRun.folder) }
        let (data, tasks) = try prepare(dir)
        let e = try ExperimentLoader.decode(yaml: yaml, file: "families.yaml")
        let o = TinyRun.trainOptions(tasks: tasks, dataRoot: data)
        let run = dir.appendingPathComponent("run")
        _ = try Trainer.start(e, experimentFile: "families.yaml", outputPath: run.path, options: o)
        return Trained(run: run, data: data, tasks: tasks)
    }
}

@Suite(.serialized) struct TaskFamilyRunTests {
    func evaluate(_ t: FamilyRun.Trained) throws -> EvaluationSummary {
        var o = EvaluationOptions()
        o.locations.tasksDirectory = t.tasks.path
        o.locations.languagesDirectory = TinyRun.root.appendingPathComponent("languages").path
        o.locations.dataRoot = t.data.path
        o.split = .dev
        o.checkpoint = "last"
        o.resamples = 50
        return try RunEvaluator.evaluate(run: t.run.path, options: o)
    }

    @Test func theTrainersDevMetricsAreEvalsOnTheSameCheckpoint() throws {
        let t = try FamilyRun.shared.get()
        let results = try JSONDecoder().decode(TrainingResults.self, from: Data(contentsOf: t.run.appendingPathComponent("results.json")))
        let summary = try evaluate(t)
        guard let last = results.last else { Issue.record("no evaluation recorded"); return }
        var compared = 0
        for task in summary.tasks {
            for l in task.languages {
                guard let dev = last.metrics[task.task]?["dev"]?[l.language] else { continue }
                for (metric, value) in dev {
                    guard let ci = l.metrics[metric] else { continue }
                    #expect(ci.estimate == value, "\(task.task) \(l.language) \(metric): trainer \(value), eval \(ci.estimate)")
                    compared += 1
                }
            }
        }
        // Every family: QA (exact match, F1), multiple choice, retrieval (accuracy, MRR), classification, tagging.
        #expect(Set(summary.tasks.map(\.task)) == ["syn-qa", "syn-mc", "syn-bitext", "cldr-dates-month", "cldr-date-fields"])
        #expect(compared >= 9)
    }

    @Test func spanQAAndMultipleChoiceBeatTheirTrivialBaselines() throws {
        let t = try FamilyRun.shared.get()
        let summary = try evaluate(t)
        let layout = ResultsLayout(root: t.run)
        // QA baseline: the context's first word, as long as the answers (one word).
        let qa = try PredictionRecord.read(layout.predictions(task: "syn-qa", language: "en"))
        let spec = try TaskSpec.load(path: t.tasks.appendingPathComponent("syn-qa.yaml").path)
        let dev = try DatasetLoader.load(task: spec, language: "en", split: .dev, dataRoot: t.data.path)
        let firstWords = dev.map { ex -> PredictionRecord in
            guard case .span(let q) = ex.input else { return PredictionRecord(id: ex.id, gold: .tags([]), predicted: .label("")) }
            let first = q.context.split(separator: " ").first.map(String.init) ?? ""
            return PredictionRecord(id: ex.id, gold: .tags(q.answers.map(\.text)), predicted: .label(first))
        }
        let baseline = try PredictionScoring(type: .spanQA, records: firstWords, source: "baseline").values(["f1"])["f1"]!
        let model = summary.tasks.first { $0.task == "syn-qa" }!.languages[0].metrics["f1"]!.estimate
        #expect(model > baseline + 0.5, "QA F1 \(model) vs first-word baseline \(baseline)")
        // Answers are the context's own text.
        #expect(qa.filter { $0.predicted.label.map { !$0.isEmpty && $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } } ?? false }.count > qa.count / 2)
        // Multiple choice: always choice 0.
        let mc = try PredictionRecord.read(layout.predictions(task: "syn-mc", language: "en"))
        let always0 = mc.filter { $0.gold.label == "0" }.count
        let right = mc.filter { $0.gold == $0.predicted }.count
        #expect(right > always0 + mc.count / 4, "multiple choice \(right)/\(mc.count) vs always-first \(always0)")
    }

    @Test func theEncodingReportCountsQuestionAnsweringWindows() throws {
        let t = try FamilyRun.shared.get()
        let results = try JSONDecoder().decode(TrainingResults.self, from: Data(contentsOf: t.run.appendingPathComponent("results.json")))
        let train = results.encoding?["syn-qa"]?["train"] ?? [:]
        // Every context is longer than one 32-token window: more windows than questions, most without the answer.
        #expect((train["windows"] ?? 0) > 240)
        #expect((train["windows-without-answer"] ?? 0) > 0)
        let summary = try evaluate(t)
        #expect(summary.tasks.first { $0.task == "syn-qa" }?.languages.first?.encoding?["windows"] ?? 0 > 48)
    }

    @Test func mixedBatchesTrainEveryFamilyInOneStep() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-families-mixed-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (data, tasks) = try FamilyRun.prepare(dir)
        let e = try ExperimentLoader.decode(yaml: FamilyRun.yaml, file: "families.yaml",
                                            overrides: ["sampler.batching=mixed", "optimization.max_steps=6", "optimization.warmup_steps=2", "evaluation.every=6", "checkpoint.every=6"])
        let o = TinyRun.trainOptions(tasks: tasks, dataRoot: data)
        let summary = try Trainer.start(e, experimentFile: "families.yaml", outputPath: dir.appendingPathComponent("run").path, options: o)
        #expect(summary.results.steps == 6)
        // A mixed step draws a task per example: over six steps of 16, every family's loss is logged.
        let steps = try TrainLog.read(dir.appendingPathComponent("run/train.jsonl")).filter { $0["type"] as? String == "step" }
        var seen = Set<String>()
        for s in steps { for k in (s["loss"] as? [String: Any] ?? [:]).keys { seen.insert(k) } }
        #expect(seen == ["syn-qa", "syn-mc", "syn-bitext", "cldr-dates-month", "cldr-date-fields"])
        #expect(steps.contains { ($0["loss"] as? [String: Any])?.count ?? 0 > 1 })
    }
}
