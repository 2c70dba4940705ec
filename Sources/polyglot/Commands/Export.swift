import ArgumentParser
import Foundation
import Models
import Platform

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a model as a Hugging Face folder (config.json, model.safetensors, tokenizer.json).",
        discussion: """
        The encoder is written as a BertModel; with --head naming a [CLS] sequence-classification head, as a \
        BertForSequenceClassification. The output folder is replaced atomically.
        """
    )

    @Option(help: "Model folder (Polyglot checkpoint or Hugging Face folder).") var model: String
    @Option(help: "Export format; only hf.") var format = "hf"
    @Option(help: "Output folder.") var output: String
    @Option(help: "Sequence-classification head to export as BertForSequenceClassification.") var head: String?

    func run() throws {
        guard format == "hf" else { throw ValidationError("--format must be hf, got \(format)") }
        Threads.configure()
        do {
            let (m, _, tokenizerJSON) = try ModelDirectory.load(URL(fileURLWithPath: model), maxBatch: 1, maxLength: 8)
            try HFExport.write(m, tokenizerJSON: tokenizerJSON, classificationHead: head, to: URL(fileURLWithPath: output))
            print("wrote \(output)")
        } catch {
            fail(error)
        }
    }
}
