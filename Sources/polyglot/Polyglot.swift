import ArgumentParser
import Foundation
import Platform
import CHostCPU

@main
struct Polyglot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polyglot",
        abstract: "Multi-task and cross-lingual transfer learning: tokenize any script, train one shared model on many tasks, measure transfer to unseen languages and tasks.",
        discussion: """
        Threads: POLYGLOT_THREADS (default: every core) sets both Polyglot's worker pool and OpenBLAS.
        Data: commands that read task data take --data-root (default: POLYGLOT_DATA_ROOT, else data/).
        """,
        version: RuntimeInfo.polyglotVersion,
        subcommands: Polyglot.allSubcommands
    )

    static func main() {
        let missing = String(cString: polyglot_missing_cpu_features())
        if !missing.isEmpty {
            FileHandle.standardError.write(Data("error: this build of polyglot needs CPU extensions this machine lacks (\(missing)); rebuild with POLYGLOT_TARGET_CPU=x86-64 (see README)\n".utf8))
            Foundation.exit(1)
        }
        main(nil)
    }

    /// Subcommands, in the order `--help` lists them.
    static var allSubcommands: [ParsableCommand.Type] {
        [Info.self, Demo.self, DataCommand.self, TokenizerCommand.self, Train.self, Eval.self, Probe.self, Report.self, Compare.self, Embed.self, Export.self, Bench.self]
    }
}

/// Prints an error the way every command does: one line on stderr, exit status 1.
func fail(_ error: Error) -> Never {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
