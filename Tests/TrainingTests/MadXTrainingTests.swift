import Engine
import Foundation
import Models
import Platform
import Testing
@testable import Runs
@testable import Training

/// MAD-X end to end on a tiny model: language adapters trained by masked LM on one base and exported; a
/// task adapter trained on the source language's adapter, which stays frozen; evaluation that swaps each
/// language's adapter in, falls back to the source's where there is none and says so.
@Suite struct MadXTrainingTests {
    /// The base every adapter shares: a tiny model (its own tokenizer) checkpointed before any step.
    static func base(_ dir: URL, seed: Int = 3) throws -> String {
        let file = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "madx-base")
        defer { try? FileManager.default.removeItem(at: file) }
        let status = try TrainingRunSupport.runToEnd(["train", file.path, "--output", dir.path, "--set", "seed=\(seed)",
                                                      "--set", "optimization.max_steps=0", "--set", "optimization.warmup_steps=0"])
        #expect(status == 0)
        return dir.appendingPathComponent("checkpoints/last/model").path
    }

    static func onBase(_ base: String, tasks: String, strategy: String, steps: Int = 12) -> String {
        """
        name: madx
        seed: 5
        model: {source: polyglot, path: \(base), dropout: 0.1}
        tokenizer: {source: model}
        data: {max_length: 32, max_train_examples: 200, max_eval_examples: 40}
        tasks: \(tasks)
        optimization: {batch_size: 8, max_steps: \(steps), warmup_steps: 2, lr: 0.003}
        evaluation: {every: 6}
        checkpoint: {every: 6}
        strategy: \(strategy)
        """
    }

    func weights(_ model: URL) throws -> [String: [Float]] {
        let file = try SafetensorsFile(url: model.appendingPathComponent("weights.safetensors"))
        var out: [String: [Float]] = [:]
        for e in file.entries { out[e.name] = try file.floats(e.name) }
        return out
    }

    @Test func languageAdaptersStackUnderTheTaskAdapterAndSwapPerLanguage() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let root = TrainingRunSupport.temporaryRun("madx")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let base = try Self.base(root.appendingPathComponent("base"))
        let adapters = root.appendingPathComponent("adapters")
        try FileManager.default.createDirectory(at: adapters, withIntermediateDirectories: true)

        // A language adapter per language: Pfeiffer with the invertible adapter, trained by masked LM on its text.
        for lang in ["en", "de"] {
            let yaml = Self.onBase(base, tasks: "[{name: cldr-mlm, train_languages: [\(lang)], select: true}]",
                                   strategy: "{kind: adapters, adapter: {reduction_factor: 2, invertible: true}}")
            let file = root.appendingPathComponent("la-\(lang).yaml"), run = root.appendingPathComponent("la-\(lang)")
            try Data(yaml.utf8).write(to: file)
            #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", run.path]) == 0)
            let exported = try AdapterTrainingTests.polyglot(["adapter", "export", "--model", run.appendingPathComponent("checkpoints/last/model").path,
                                                              "--output", adapters.appendingPathComponent(lang).path])
            #expect(exported.status == 0, "\(exported.stderr)")
        }

        // The task adapter on English's language adapter; German has its own, French none.
        let yaml = Self.onBase(base, tasks: "[{name: cldr-dates-month, train_languages: [en], eval_languages: [de, fr]}]",
                               strategy: "{kind: madx, language_adapters: \(adapters.path), adapter: {reduction_factor: 4}}")
        let file = root.appendingPathComponent("task.yaml"), run = root.appendingPathComponent("task")
        try Data(yaml.utf8).write(to: file)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", run.path]) == 0)
        let trained = try weights(run.appendingPathComponent("checkpoints/last/model"))
        let start = try weights(URL(fileURLWithPath: base))
        let english = try SafetensorsFile(url: adapters.appendingPathComponent("en").appendingPathComponent(AdapterFile.weightsFile))
        var languageWeights = 0, taskChanged = 0
        for (name, values) in trained {
            if name.contains(".adapters.language.") || name.hasPrefix("invertible_adapters.language.") {
                // Frozen, and back to the source's after every dev evaluation (which swapped German's in).
                let source = name.replacingOccurrences(of: ".language.", with: ".task.")
                #expect(Bool(values == (try english.floats(source))), "\(name) is not English's language adapter")
                languageWeights += 1
            } else if name.contains(".adapters.task.") {
                taskChanged += 1
            } else if !name.hasPrefix("heads."), let before = start[name] {
                #expect(Bool(values == before), "the base weight \(name) changed")
            }
        }
        #expect(languageWeights > 0 && taskChanged > 0)
        #expect(trained.keys.contains { $0.hasPrefix("invertible_adapters.language.") })
        let records = try TrainLog.read(run.appendingPathComponent("train.jsonl"))
        let parameters = try #require(records.first { $0["type"] as? String == "parameters" })
        let taskFloats = trained.filter { $0.key.contains(".adapters.task.") || $0.key.hasPrefix("heads.") }.reduce(0) { $0 + $1.value.count }
        #expect(parameters["strategy"] as? String == "madx" && parameters["trainable"] as? Int == taskFloats)

        // Evaluation: each language with its own adapter, French with English's, recorded and reported.
        #expect(try TrainingRunSupport.runToEnd(["eval", run.path, "--max-examples", "30"]) == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("summary.json"))) as? [String: Any]
        let task = try #require((summary?["tasks"] as? [[String: Any]])?.first)
        var used: [String: (String, Bool)] = [:]
        for l in task["languages"] as? [[String: Any]] ?? [] {
            let a = l["adapter"] as? [String: Any]
            used[l["language"] as? String ?? "?"] = (a?["adapter_language"] as? String ?? "none", a?["fallback"] as? Bool ?? false)
        }
        func uses(_ l: String, _ adapter: String, fallback: Bool) -> Bool { used[l].map { $0 == (adapter, fallback) } ?? false }
        #expect(uses("en", "en", fallback: false) && uses("de", "de", fallback: false) && uses("fr", "en", fallback: true), "\(used)")
        let report = try String(contentsOf: run.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("## Adapters") && report.contains("en (fallback)"), "\(report.prefix(600))")
        let swapped = try Data(contentsOf: run.appendingPathComponent("predictions/cldr-dates-month/de.jsonl"))

        // --adapter fixes the language slot for every language: German's adapter gives the same German predictions.
        let fixed = try TrainingRunSupport.runCapturing(["eval", run.path, "--max-examples", "30", "--languages", "de",
                                                         "--adapter", "language=\(adapters.appendingPathComponent("de").path)"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(try Data(contentsOf: run.appendingPathComponent("predictions/cldr-dates-month/de.jsonl")) == swapped)
        let again = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("summary.json"))) as? [String: Any]
        let loaded = try #require((again?["adapters"] as? [[String: Any]])?.first)
        #expect(loaded["slot"] as? String == "language" && loaded["name"] as? String == "task")

        // A slot the model lacks, and a malformed argument: one line each.
        let noSlot = try TrainingRunSupport.runCapturing(["eval", run.path, "--adapter", "lang=\(adapters.appendingPathComponent("de").path)"])
        #expect(noSlot.status != 0 && noSlot.stderr.contains("does not match the model's adapter \"lang\""), "\(noSlot.stderr)")
        let malformed = try TrainingRunSupport.runCapturing(["eval", run.path, "--adapter", "language"])
        #expect(malformed.status != 0 && malformed.stderr.contains("SLOT=DIR"), "\(malformed.stderr)")

        // A language adapter trained on another base: refused, naming its file and key.
        let other = try Self.base(root.appendingPathComponent("other-base"), seed: 4)
        let stranger = Self.onBase(other, tasks: "[{name: cldr-dates-month, train_languages: [en]}]",
                                   strategy: "{kind: madx, language_adapters: {en: \(adapters.appendingPathComponent("en").path)}}")
        let strangerFile = root.appendingPathComponent("stranger.yaml")
        try Data(stranger.utf8).write(to: strangerFile)
        let refused = try TrainingRunSupport.runCapturing(["train", strangerFile.path, "--output", root.appendingPathComponent("stranger").path])
        #expect(refused.status != 0 && refused.stderr.contains("base_model_sha256") && refused.stderr.contains(AdapterFile.headerFile), "\(refused.stderr)")
    }

    @Test func madxKeysAreChecked() throws {
        func message(_ overrides: [String]) -> String {
            do { _ = try ExperimentLoader.decode(yaml: TrainingRunSupport.tiny, file: "x.yaml", overrides: overrides).validate(file: "x.yaml"); return "" }
            catch { return "\(error)" }
        }
        let oneSource = ["tasks=[{name: cldr-dates-month, train_languages: [en]}]"]
        #expect(message(["strategy.kind=madx"] + oneSource).contains("strategy.language_adapters: missing"))
        #expect(message(["strategy.language_adapters=/tmp"]).contains("for kind 'madx'"))
        #expect(message(["strategy.kind=madx", "strategy.language_adapters={de: /tmp/de}"] + oneSource).contains("no adapter for the source language 'en'"))
        #expect(message(["strategy.kind=madx", "strategy.language_adapters={en: /tmp/en}",
                         "tasks=[{name: cldr-dates-month, train_languages: [en, de]}]"]).contains("one source language"))
        #expect(message(["strategy.kind=madx", "strategy.language_adapters={en: /tmp/en}", "strategy.adapter={invertible: true}"] + oneSource)
            .contains("strategy.adapter.invertible"))
        #expect(message(["strategy.kind=madx", "strategy.language_adapters={en: /tmp/en}", "strategy.ewc=1"] + oneSource).contains("strategy.kind"))
    }
}
