import ArgumentParser
import Evaluation
import Foundation
import Runs
import Tasks
import Platform

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two evaluated runs per task and language with a paired bootstrap test.",
        discussion: """
        Both runs must have been evaluated (polyglot eval). Examples are matched by id in predictions/<task>/<lang>.jsonl (or .jsonl.gz); \
        the major metric is recomputed on resamples of the shared examples for both runs at once, giving A − B, its \
        95% interval and a two-sided p-value.
        """
    )

    @Argument(help: "Run A.") var runA: String
    @Argument(help: "Run B.") var runB: String
    @Option(help: "Bootstrap resamples.") var resamples = 1000
    @Option(help: "Bootstrap seed.") var seed: UInt64 = 0
    @Option(help: "Also write the comparison as JSON to this file (a new file; an existing one only with --force).") var json: String?
    @Flag(help: "Replace an existing --json file Polyglot did not write (never a link or a device).") var force = false

    func validate() throws {
        try OptionRange.positive(resamples, "--resamples")
    }

    func run() throws {
        do {
            if let json { try OutputPolicy.checkFile(json, flag: "--json", force: force) }
            let c = try RunComparison.compare(ResultsLayout(path: runA), ResultsLayout(path: runB), resamples: resamples, seed: seed)
            try sayText(c.markdown())
            if let json {
                try OutputPolicy.writeFile(try ResultsJSON.encoder(pretty: true).encode(c), to: json, flag: "--json", force: force)
            }
        } catch {
            fail(error)
        }
    }
}
