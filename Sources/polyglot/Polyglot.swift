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
            StandardStreams.error.record("error: this build of polyglot needs CPU extensions this machine lacks (\(missing)); rebuild with POLYGLOT_TARGET_CPU=x86-64 (see README)\n")
            Foundation.exit(1)
        }
        do { try BLAS.load() } catch { fail(error) }
        // Under mpirun with more than one rank: join the job (Open MPI is loaded only then).
        do { try Distributed.start() } catch { fail(error) }
        if !StopSignal.followParent() {
            StandardStreams.error.record("error: the polyglot sweep that started this command has ended\n")
            Foundation.exit(1)
        }
        // As ParsableCommand.main, plus the end-of-command check of standard output and standard error.
        do {
            var command = try parseAsRoot(nil)
            if Distributed.isActive && !(command is DistributedCommand) {
                throw Distributed.Failure(description: "under mpirun only `polyglot train`, `polyglot eval` and `polyglot bench train` run as a job of ranks; start this command as one process")
            }
            try command.run()
            try StandardStreams.finish()
            Distributed.finish()
        } catch let error as PolyglotError {
            fail(error)
        } catch let error where exitCode(for: error) == .success {
            // --help and --version: their text goes through the same checked output.
            let message = fullMessage(for: error)
            do {
                if !message.isEmpty { try say(message) }
                try StandardStreams.finish()
            } catch { fail(error) }
            Foundation.exit(0)
        } catch {
            exit(withError: error)
        }
    }

    /// Subcommands, in the order `--help` lists them.
    static var allSubcommands: [ParsableCommand.Type] {
        [Info.self, Demo.self, DataCommand.self, TokenizerCommand.self, Train.self, Sweep.self, Eval.self, Probe.self, Report.self, Compare.self, Embed.self, Export.self, AdapterCommand.self, Bench.self]
    }
}

/// Prints an error the way every command does: one line on stderr, exit status 1. In a distributed job the
/// line names the rank, and every rank of the job ends (none waits for this one).
func fail(_ error: Error) -> Never {
    Distributed.fail("\(error)")
}

/// A command that runs as a job of ranks under mpirun (every other command refuses to).
protocol DistributedCommand {}

/// One line on standard output; a failed write throws (`standard output: cannot write: ...`).
func say(_ line: String) throws {
    try StandardStreams.output.line(line)
}

/// Text on standard output as is (no newline added).
func sayText(_ text: String) throws {
    try StandardStreams.output.write(text)
}

/// A progress line on standard error; a failure is recorded and ends the command with exit status 1.
func note(_ line: String) {
    StandardStreams.error.record(line + "\n")
}
