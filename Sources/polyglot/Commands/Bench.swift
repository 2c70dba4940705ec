import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks of Polyglot's own hot paths.",
        subcommands: [BenchTrain.self, BenchFinetune.self, BenchEmbed.self, BenchTokenize.self]
    )
}
