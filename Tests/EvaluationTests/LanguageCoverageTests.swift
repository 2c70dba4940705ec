import Foundation
import Testing
import Platform
import Runs
import Tasks
import Evaluation
import Data
import Training

/// `polyglot eval` of a SIB-200 run on a data root holding SIB-200 languages nobody wrote a spec for, and the report
/// tables that group hundreds of languages.
@Suite(.serialized) struct LanguageCoverageTests {
    static var hasSIB200: Bool {
        ["eng_Latn", "deu_Latn", "ind_Latn", "yor_Latn", "ell_Grek"].allSatisfy {
            FileManager.default.fileExists(atPath: TinyRun.dataRoot + "/sib200/annotated/\($0)/test.tsv")
        }
    }

    /// A data root with slices of the shared SIB-200 files: English and German under their FLORES-200 codes,
    /// Indonesian text as `ace_Latn` (a generated spec, no data in the shared folder), Yoruba text as `zzz_Latn` and
    /// Greek text as `qaa` (no spec at all).
    static func dataRoot() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-langcov-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let copies: [(from: String, to: String, splits: [String])] = [
            ("eng_Latn", "eng_Latn", ["train", "dev", "test"]), ("deu_Latn", "deu_Latn", ["dev", "test"]), ("ind_Latn", "ace_Latn", ["test"]),
            ("yor_Latn", "zzz_Latn", ["test"]), ("ell_Grek", "qaa", ["test"])]
        for c in copies {
            let folder = root.appendingPathComponent("sib200/annotated/\(c.to)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for split in c.splits {
                let text = try String(contentsOfFile: TinyRun.dataRoot + "/sib200/annotated/\(c.from)/\(split).tsv", encoding: .utf8)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                try (lines.prefix(split == "train" ? 121 : 25).joined(separator: "\n") + "\n")
                    .write(to: folder.appendingPathComponent("\(split).tsv"), atomically: true, encoding: .utf8)
            }
        }
        return root
    }

    static let yaml = """
    name: langcov-tiny
    seed: 3
    model: {layers: 1, hidden: 32, heads: 2, intermediate: 64, max_positions: 48, dropout: 0.1}
    tokenizer: {vocab_size: 400, max_sentences: 400}
    data: {max_length: 48, max_train_examples: 120, max_eval_examples: 12}
    tasks:
      - {name: sib200, train_languages: [eng_Latn], eval_languages: [deu_Latn]}
    optimization: {batch_size: 8, max_steps: 6, warmup_steps: 2, lr: 0.003}
    evaluation: {every: 6}
    checkpoint: {every: 6}
    """

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    @Test(.enabled(if: hasSIB200, "sib200/annotated/{eng_Latn,deu_Latn,ind_Latn,yor_Latn,ell_Grek} not found under the data root (set POLYGLOT_DATA_ROOT to the shared data)"))
    func evalGroupsLanguagesWithoutSpecsByGlottologFamily() throws {
        let root = try Self.dataRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let e = try ExperimentLoader.decode(yaml: Self.yaml, file: "langcov.yaml")
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-langcov-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: run) }
        _ = try Trainer.start(e, experimentFile: "langcov.yaml", outputPath: run.path, options: TinyRun.trainOptions(dataRoot: root))
        // The experiment names its languages by FLORES-200 code; the run records their specs' codes.
        let recorded = try RunFolder(url: run).readExperiment()
        #expect(recorded.tasks.first?.trainLanguages == ["en"] && recorded.tasks.first?.evalLanguages == ["de"])

        var o = EvaluationOptions()
        o.locations = TinyRun.locations
        o.locations.dataRoot = root.path
        o.resamples = 50
        let log = Lines()
        o.log = { log.add($0) }
        let summary = try RunEvaluator.evaluate(run: run.path, options: o)
        let sib = try #require(summary.tasks.first)
        // The experiment's languages, then those only the data pattern found; FLORES-200 folders are their specs.
        #expect(sib.languages.map(\.language) == ["en", "de", "ace_Latn", "qaa", "zzz_Latn"])
        func row(_ code: String) throws -> LanguageScores { try #require(sib.languages.first { $0.language == code }) }
        #expect(try row("en").family == "Indo-European" && row("en").glottocode == "stan1293" && row("en").genus == "Germanic")
        #expect(try row("ace_Latn").family == "Austronesian" && row("ace_Latn").glottocode == "achi1257" && row("ace_Latn").genus == "")
        #expect(try row("ace_Latn").regime == .zeroShot && row("ace_Latn").examples == 12)
        // No spec: family unknown, the script of the text (Greek text under a code that names no script).
        #expect(try row("zzz_Latn").family == "unknown" && row("zzz_Latn").script == "Latn" && row("zzz_Latn").glottocode == nil)
        #expect(try row("qaa").family == "unknown" && row("qaa").script == "Grek")
        let warnings = log.all.filter { $0.hasPrefix("warning:") }
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.contains("'zzz_Latn'") && $0.contains("family unknown and script Latn") })
        #expect(warnings.contains { $0.contains("'qaa'") && $0.contains("script Grek") })

        let layout = ResultsLayout(root: run)
        // Family table: per family, languages with a score, mean, min, max.
        let families = ResultTables.groups(sib, by: ResultTables.familyName)
        #expect(families.map(\.group) == ["Austronesian", "Indo-European", "unknown"])
        #expect(families.map(\.languages) == [1, 2, 2])
        let unknown = try #require(families.last)
        let unknownScores = try [row("qaa"), row("zzz_Latn")].map { try #require($0.metrics["accuracy"]).estimate }
        #expect(abs(unknown.mean - (unknownScores[0] + unknownScores[1]) / 2) < 1e-12)
        #expect(unknown.min == unknownScores.min() && unknown.max == unknownScores.max())
        #expect(ResultTables.groups(sib, by: ResultTables.scriptName).map(\.group) == ["Grek", "Latn"])
        let report = try String(contentsOf: layout.report, encoding: .utf8)
        #expect(report.contains("### sib200 by family (accuracy)"))
        #expect(report.contains("### sib200 by script (accuracy)"))
        #expect(report.contains("| unknown "))
        #expect(report.contains("figures/families.svg"))
        let svg = try SVGInspector.parse(try String(contentsOf: layout.figure("families"), encoding: .utf8))
        #expect(svg.classes["bar"] == 3)
        // One row per task and language, with the language's metadata.
        let csv = try String(contentsOf: layout.languageTable, encoding: .utf8).split(separator: "\r\n").map(String.init)
        #expect(csv.first == "task,language,name,family,genus,script,glottocode,regime,split,metric,score,ci_low,ci_high,examples")
        #expect(csv.count == 6)
        #expect(csv.contains { $0.hasPrefix("sib200,ace_Latn,Acehnese (Latin script),Austronesian,,Latn,achi1257,zero-shot,test,accuracy,") })
        #expect(csv.contains { $0.hasPrefix("sib200,qaa,qaa,unknown,,Grek,,zero-shot,test,accuracy,") && $0.hasSuffix(",12") })

        // --languages takes FLORES-200 codes.
        o.languages = ["eng_Latn", "ace_Latn"]
        let asked = try RunEvaluator.evaluate(run: run.path, options: o)
        #expect(asked.tasks.first?.languages.map(\.language) == ["en", "ace_Latn"])
    }

    /// Above the per-language limit a task's languages are in the family tables and CSVs only.
    @Test func largeRunsReportByFamilyOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-langcov-large-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = ResultsLayout(root: dir)
        let families = (0..<40).map { "Family \($0)" }
        let languages = (0..<120).map { i in
            LanguageScores(language: "l\(i)", family: families[i % 40], regime: .zeroShot, split: "test", examples: 10,
                           metrics: ["accuracy": ConfidenceInterval(estimate: Double(i % 7) / 10, lower: 0, upper: 1, level: 0.95, resamples: 10)])
        }
        let task = TaskResults(task: "sib200", type: "classification", evaluation: "cross-lingual", head: "sib200", majorMetric: "accuracy",
                               metrics: ["accuracy"], sources: [], languages: languages)
        let summary = EvaluationSummary(run: "large", checkpoint: "best", seen: SeenLanguages(training: [:], selection: [], unlabelled: [], selectionMode: "source-dev"), tasks: [task],
                                        bootstrap: .init(resamples: 10, level: 0.95, seed: 0))
        try summary.write(layout)
        let out = try ReportBuilder.regenerate(layout)
        let names = Set(out.figures.map(\.lastPathComponent))
        #expect(names.contains("families.svg") && !names.contains("languages-by-family.svg"))
        let svg = try SVGInspector.parse(try String(contentsOf: layout.figure("families"), encoding: .utf8))
        #expect(svg.classes["bar"] == 40)
        let report = try String(contentsOf: layout.report, encoding: .utf8)
        #expect(report.contains("120 languages: see the family and script tables above"))
        #expect(!report.contains("| l7 "))
        #expect(report.contains("| Family 7 "))
        let csv = try String(contentsOf: layout.languageTable, encoding: .utf8)
        #expect(csv.split(separator: "\r\n").count == 121)
    }
}
