import ArgumentParser
import Foundation
import Models
import Platform

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a model as a Hugging Face folder (config.json, model.safetensors, tokenizer.json).",
        discussion: """
        The encoder is written as a BertModel; with --head naming a [CLS] sequence-classification head, as a \
        BertForSequenceClassification. A new output folder is written atomically; an earlier export (marked by its \
        .polyglot-output.json, holding nothing else) is replaced atomically. A folder holding anything else is refused \
        unless --force, which writes the export's files into it and deletes nothing. Never written: a symbolic link, a \
        device, a run folder, the model folder or a folder containing it.
        """
    )

    @Option(help: "Model folder (Polyglot checkpoint or Hugging Face folder).") var model: String
    @Option(help: "Export format; only hf.") var format = "hf"
    @Option(help: "Output folder.") var output: String
    @Option(help: "Sequence-classification head to export as BertForSequenceClassification.") var head: String?
    @Flag(help: "Write into an existing folder that holds files Polyglot did not write (nothing in it is deleted).") var force = false

    func validate() throws {
        guard format == "hf" else { throw ValidationError("--format must be hf, got \(format)") }
    }

    func run() throws {
        Threads.configure()
        do {
            let inputs = [CommandInput(model, flag: "--model")]
            // Refused before the model is read; checked again when written.
            _ = try OutputPolicy.checkFolder(output, kind: HFExport.outputKind, force: force, inputs: inputs)
            let (m, _, tokenizerJSON) = try ModelDirectory.load(URL(fileURLWithPath: model), maxBatch: 1, maxLength: 8)
            try HFExport.write(m, tokenizerJSON: tokenizerJSON, classificationHead: head, to: URL(fileURLWithPath: output),
                               force: force, inputs: inputs)
            try say("wrote \(output)")
        } catch {
            fail(error)
        }
    }
}
