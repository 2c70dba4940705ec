import ArgumentParser
import Evaluation
import Foundation
import Runs
import Tasks
import Platform

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild report.md, tables and SVG figures of a run (or sweep.md, sweep.csv and figures of a sweep) from its results files.",
        discussion: """
        Reads summary.json, probes/ and train.jsonl (no model needed) and writes report.md, tables/<task>.csv and \
        figures/*.svg. --with adds other runs of the same tasks (trained from other source languages) as rows of the \
        source × target transfer matrix. Given a sweep folder (`polyglot sweep`), it aggregates the sweep's finished runs \
        again: aggregate.json, sweep.md, sweep.csv and figures/.
        """
    )

    @Argument(help: "The run folder (results/<run>), or a sweep folder.") var runFolder: String
    @Option(name: .customLong("with"), parsing: .upToNextOption, help: "Other evaluated runs whose rows join the transfer matrix.")
    var others: [String] = []

    func run() throws {
        do {
            if SweepFolder.isSweepFolder(runFolder) {
                let folder = SweepFolder(url: URL(fileURLWithPath: runFolder, isDirectory: true))
                try SweepAggregate.build(folder, plan: try folder.readPlan()).write(to: folder)
                try say("report: \(folder.markdownFile.path)")
                try say("table: \(folder.csvFile.path)")
                return
            }
            try OutputPolicy.requireRunFolder(runFolder)
            let out = try ReportBuilder.regenerate(ResultsLayout(path: runFolder), others: others.map { ResultsLayout(path: $0) })
            if let training = out.training { try say("run: \(training)") }
            try say("report: \(out.report.path)")
            for f in out.figures { try say("figure: \(f.path)") }
            for t in out.tables { try say("table: \(t.path)") }
        } catch {
            fail(error)
        }
    }
}
