import ArgumentParser
import Foundation
import Platform
import Text

/// `polyglot bench tokenize`: encode throughput of a tokenizer.json on text files (one sentence a
/// line), measured like the peers' script: ids only, no special tokens, best of the runs.
struct BenchTokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode throughput (MB/s of UTF-8 text, tokens/s) of a tokenizer on text files, best of --runs.",
        discussion: "Each run starts with empty word caches, as a fresh process would."
    )
    @Option(help: "tokenizer.json path.") var tokenizer: String
    @Option(name: .customLong("input"), parsing: .upToNextOption, help: "Text files, one sentence a line.") var inputs: [String]
    @Option(help: "Worker threads (default: POLYGLOT_THREADS, else every core).") var threads: Int?
    @Option(help: "Timed runs; the best is reported.") var runs = 3
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if let threads { try OptionRange.positive(threads, "--threads") }
        try OptionRange.positive(runs, "--runs")
    }

    func run() throws {
        do {
            Threads.configure(threads)
            let tok = try Tokenizer.load(from: URL(fileURLWithPath: tokenizer))
            var lines: [String] = []
            for path in inputs { lines += try readTextLines(path, policy: .replace) }
            let bytes = lines.reduce(0) { $0 + $1.utf8.count }
            var best = Double.infinity
            var tokens = 0
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                let ids = try tok.encodeIDsBatch(lines)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                best = min(best, seconds)
                tokens = ids.reduce(0) { $0 + $1.count }
            }
            let mbps = Double(bytes) / 1e6 / best
            let tps = Double(tokens) / best
            if json {
                let o: [String: Any] = ["mb_per_second": mbps, "tokens_per_second": tps, "megabytes": Double(bytes) / 1e6, "tokens": tokens,
                                        "sentences": lines.count, "threads": Threads.count, "seconds": best]
                try say(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
            } else {
                try say(String(format: "polyglot threads=%d MB/s=%.2f tokens/s=%.0f (%.1f MB, %d tokens)", Threads.count, mbps, tps, Double(bytes) / 1e6, tokens))
            }
        } catch { fail(error) }
    }
}
