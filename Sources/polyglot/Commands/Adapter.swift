import ArgumentParser
import Engine
import Foundation
import Models
import Platform

/// `polyglot adapter …`: adapters and LoRA saved on their own.
struct AdapterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Save an adapter or LoRA a model carries as a folder of its own (adapter.json, adapter.safetensors).",
        subcommands: [AdapterExport.self]
    )
}

struct AdapterExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one adapter of a model (a run's checkpoint model folder) to a folder of its own.",
        discussion: """
        adapter.json names the adapter, its kind (bottleneck or lora), its configuration and the SHA-256 of the base \
        model it was trained on (the embeddings' and encoder's weights, no adapter, no head); adapter.safetensors holds \
        its weights under AdapterHub's names. A model built with an adapter of the same configuration loads it only \
        when its base weights hash the same. A new output folder is written atomically; an earlier adapter export is \
        replaced; a folder holding anything else is refused unless --force (nothing in it is deleted).
        """
    )

    @Option(help: "Model folder (a run's checkpoints/<name>/model).") var model: String
    @Option(help: "The adapter's name in the model (a strategy's adapter or LoRA is \"task\").") var adapter = "task"
    @Option(help: "Output folder.") var output: String
    @Flag(help: "Write into an existing folder that holds files Polyglot did not write (nothing in it is deleted).") var force = false

    func run() throws {
        Threads.configure()
        do {
            let inputs = [CommandInput(model, flag: "--model")]
            _ = try OutputPolicy.checkFolder(output, kind: AdapterFile.outputKind, force: force, inputs: inputs)
            let (m, _, _) = try ModelDirectory.load(URL(fileURLWithPath: model), maxBatch: 1, maxLength: 8)
            try AdapterFile.write(m, adapter: adapter, to: URL(fileURLWithPath: output), force: force, inputs: inputs)
            try say("wrote \(output)")
        } catch {
            fail(error)
        }
    }
}
