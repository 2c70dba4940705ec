import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Platform
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

@Suite struct ExperimentLoaderTests {
    static let minimal = """
    name: tiny
    seed: 7
    model:
      layers: 3
      hidden: 96
      heads: 4
    tasks:
      - name: cldr-dates-month
        train_languages: [en, de]
        eval_languages: [fr]
      - name: cldr-mlm
        train_languages: [en]
    optimization:
      lr: 3.0e-4
      clip_norm: null
    """

    func configError(_ body: () throws -> Void) -> ConfigError? {
        do { try body(); return nil } catch let e as ConfigError { return e } catch { Issue.record("unexpected \(error)"); return nil }
    }

    @Test func omittedFieldsComeFromTheDefaultsAndGivenOnesOverrideThem() throws {
        let e = try ExperimentLoader.decode(yaml: Self.minimal, file: "tiny.yaml")
        #expect(e.name == "tiny" && e.seed == 7)
        #expect(e.model.layers == 3 && e.model.hidden == 96 && e.model.heads == 4)
        #expect(e.model.intermediate == 256 && e.model.source == .scratch && e.model.path == nil)
        #expect(e.optimization.lr == 3e-4 && e.optimization.clipNorm == nil)
        #expect(e.optimization.beta2 == 0.999 && e.optimization.eps == 1e-8)
        #expect(e.tasks.count == 2)
        #expect(e.tasks[0].trainLanguages == ["en", "de"] && e.tasks[0].evalLanguages == ["fr"])
        #expect(e.tasks[1].evalLanguages == [] && e.tasks[1].weight == 1 && e.tasks[1].select == nil)
        #expect(e.sampler.kind == .temperature && e.sampler.batching == .taskPerStep)
        #expect(e.evaluation.selection == .sourceDev)
    }

    @Test func theDefaultsDocumentDecodesAndEveryKeyIsInTheSchema() throws {
        // The defaults must name exactly the schema's keys: decoding them strictly proves none is unknown,
        // and the resolved YAML of the decoded defaults has the same keys in the same order.
        let e = try ExperimentLoader.decode(yaml: "tasks: []")
        let resolved = try ExperimentLoader.resolvedYAML(e)
        func keys(_ yaml: String) -> [String] {
            yaml.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
        }
        #expect(keys(resolved) == keys(ExperimentDefaults.document))
    }

    @Test func resolvedYAMLRoundTripsExactly() throws {
        let e = try ExperimentLoader.decode(yaml: Self.minimal, file: "tiny.yaml",
                                            overrides: ["optimization.eps=1.5e-7", "optimization.lr=0.00012345678901234"])
        let text = try ExperimentLoader.resolvedYAML(e)
        let again = try ExperimentLoader.decode(yaml: text, file: "resolved.yaml")
        #expect(again == e)
        #expect(text.contains("clip_norm: null"))
        #expect(text.contains("select: null"))
    }

    @Test func resolvedYAMLKeepsEveryDigitOfAFloat() throws {
        // Found by the experiment fuzz target: Yams writes a Double without an exponent to 15 significant
        // digits, so these read back from a run's experiment.yaml as other values and a resumed run differed.
        let e = try ExperimentLoader.decode(yaml: Self.minimal, file: "tiny.yaml",
                                            overrides: ["optimization.lr=0.00092233720368547758081",
                                                        "optimization.weight_decay=0.1234567890123456789",
                                                        "optimization.eps=1e-05"])
        #expect(e.optimization.lr == 0.00092233720368547758081)
        let text = try ExperimentLoader.resolvedYAML(e)
        let again = try ExperimentLoader.decode(yaml: text, file: "resolved.yaml")
        #expect(again.optimization.lr == e.optimization.lr)
        #expect(again.optimization.weightDecay == e.optimization.weightDecay)
        #expect(again.optimization.eps == 1e-05)
        #expect(again == e)
    }

    @Test func unknownKeysAreErrorsNamingTheDottedKeyFileAndLine() {
        let yaml = Self.minimal + "\n  learning_rate: 0.1\n"
        let e = configError { _ = try ExperimentLoader.decode(yaml: yaml, file: "bad.yaml") }
        #expect(e?.key == "optimization.learning_rate")
        #expect(e?.file == "bad.yaml:16")
        #expect(e?.message.contains("unknown key") == true)
        let top = configError { _ = try ExperimentLoader.decode(yaml: "nmae: x\ntasks: []", file: "top.yaml") }
        #expect(top?.key == "nmae" && top?.file == "top.yaml:1")
        let inTask = configError { _ = try ExperimentLoader.decode(yaml: "tasks:\n  - name: a\n    train_languages: [en]\n    langs: [de]\n", file: "t.yaml") }
        #expect(inTask?.key == "tasks.0.langs")
        #expect(inTask?.file == "t.yaml:4")
    }

    @Test func wrongTypesAndBadChoicesNameTheKey() {
        let e1 = configError { _ = try ExperimentLoader.decode(yaml: Self.minimal, file: "x.yaml", overrides: ["model.layers=two"]) }
        #expect(e1?.key == "model.layers" && e1?.file == "--set")
        #expect(e1?.message.contains("an integer") == true)
        let e2 = configError { _ = try ExperimentLoader.decode(yaml: Self.minimal + "\nsampler:\n  kind: random\n", file: "x.yaml") }
        #expect(e2?.key == "sampler.kind")
        #expect(e2?.message.contains("uniform, proportional, temperature, specified") == true)
        let e3 = configError { _ = try ExperimentLoader.decode(yaml: "tasks:\n  - train_languages: [en]\n", file: "x.yaml") }
        #expect(e3?.key == "tasks.0.name")
        #expect(e3?.message.contains("missing") == true)
        #expect(throws: FileError.self) { _ = try ExperimentLoader.decode(yaml: "a: [1, 2", file: "broken.yaml") }
        #expect(throws: FileError.self) { _ = try ExperimentLoader.decode(yaml: "- 1\n- 2\n", file: "list.yaml") }
    }

    /// A key given twice would silently drop the first (a whole task list, a split); it is an error
    /// naming the file, the line of the second and the dotted key.
    @Test func duplicateKeysAreErrors() throws {
        let top = configError { _ = try ExperimentLoader.decode(yaml: Self.minimal + "\nseed: 1\nseed: 2\n", file: "dup.yaml") }
        #expect(top?.key == "seed")
        #expect(top?.message == "duplicate key: given twice in the same mapping (the first would be ignored)")
        let lines = (Self.minimal + "\nseed: 1\nseed: 2\n").split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(top?.file == "dup.yaml:\(lines - 2)")
        let nested = configError {
            _ = try ExperimentLoader.decode(yaml: "tasks:\n  - name: a\n    train_languages: [en]\n    train_languages: [de]\n", file: "t.yaml")
        }
        #expect(nested?.key == "tasks.0.train_languages" && nested?.file == "t.yaml:4")
        // A syntax error names the position, not the text.
        let broken = "a: [1, 2\nsecret: " + String(repeating: "x", count: 500)
        do { _ = try ExperimentLoader.decode(yaml: broken, file: "broken.yaml"); Issue.record("accepted") } catch let e as FileError {
            #expect(e.path == "broken.yaml" && e.line != nil && !e.description.contains(String(repeating: "x", count: 41)), "\(e)")
        }
        // Experiment files are read bounded, regular files only.
        let dir = temporaryFolder("experiment-fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("e.yaml").path
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: FileError(path: fifo, "is a FIFO (named pipe), expected a regular file")) { _ = try ExperimentLoader.load(file: fifo) }
    }

    /// Every closed set of words lists its choices when a word is not one of them.
    @Test func enumErrorsListTheValidValues() {
        let cases: [(String, String, String)] = [
            ("model.source=bert", "model.source", "scratch, polyglot, hf"),
            ("tokenizer.algorithm=wordpiece", "tokenizer.algorithm", "unigram"),
            ("optimization.optimizer=adam", "optimization.optimizer", "adamw, sgd"),
            ("sampler.batching=interleaved", "sampler.batching", "task-per-step, mixed"),
            ("strategy.kind=freeze-all", "strategy.kind", ", "),
        ]
        for (assignment, key, listed) in cases {
            let e = configError { _ = try ExperimentLoader.decode(yaml: Self.minimal, file: "x.yaml", overrides: [assignment]) }
            #expect(e?.key == key, "\(assignment): \(String(describing: e))")
            #expect(e?.message.contains("is not one of: ") == true && e?.message.contains(listed) == true, "\(String(describing: e))")
        }
    }

    @Test func overridesAreTypedBySchemaAndReachListEntriesByIndexOrName() throws {
        let e = try ExperimentLoader.decode(yaml: Self.minimal, file: "x.yaml", overrides: [
            "seed=99", "optimization.max_steps=12", "tasks.cldr-mlm.weight=2.5", "tasks.0.eval_languages=[ja, th]",
            "evaluation.selection=target-dev", "data_root=/tmp/data", "checkpoint.every=5",
        ])
        #expect(e.seed == 99 && e.optimization.maxSteps == 12)
        #expect(e.tasks[1].weight == 2.5 && e.tasks[0].evalLanguages == ["ja", "th"])
        #expect(e.evaluation.selection == .targetDev && e.dataRoot == "/tmp/data" && e.checkpoint.every == 5)
        let unknown = configError { _ = try ExperimentLoader.decode(yaml: Self.minimal, file: "x.yaml", overrides: ["optimization.lrr=1"]) }
        #expect(unknown?.key == "optimization.lrr" && unknown?.file == "--set")
        let range = configError { _ = try ExperimentLoader.decode(yaml: Self.minimal, overrides: ["tasks.5.weight=1"]) }
        #expect(range?.key == "tasks.5")
        let noName = configError { _ = try ExperimentLoader.decode(yaml: Self.minimal, overrides: ["tasks.pos.weight=1"]) }
        #expect(noName?.key == "tasks.pos")
        let scalar = configError { _ = try ExperimentLoader.decode(yaml: Self.minimal, overrides: ["seed.x=1"]) }
        #expect(scalar?.key == "seed")
        let malformed = configError { _ = try ExperimentLoader.decode(yaml: Self.minimal, overrides: ["seed"]) }
        #expect(malformed?.file == "--set")
    }
}
