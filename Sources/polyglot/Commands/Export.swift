import ArgumentParser
import Foundation
import Models
import Platform

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a model as a Hugging Face folder (config.json, model.safetensors, tokenizer.json).",
        discussion: """
        The encoder is written in the family it was imported from (bert, roberta, xlm-roberta, camembert, distilbert: \
        that family's model_type, config keys and weight names; a model trained by Polyglot is a bert), or in the one \
        --model-type names. With --head naming a [CLS] sequence-classification head it is a …ForSequenceClassification \
        (BERT and RoBERTa families). --sentence-transformers adds modules.json, 1_Pooling/config.json, \
        sentence_bert_config.json and config_sentence_transformers.json (the model's own pooling, Normalize module, \
        max_seq_length and prompts, or --pooling, --normalize/--no-normalize, --max-seq-length). \
        A new output folder is written atomically; an earlier export (marked by its .polyglot-output.json, holding \
        nothing else) is replaced atomically. A folder holding anything else is refused unless --force, which writes the \
        export's files into it and deletes nothing. Never written: a symbolic link, a device, a run folder, the model \
        folder or a folder containing it.
        """
    )

    @Option(help: "Model folder (Polyglot checkpoint or Hugging Face folder).") var model: String
    @Option(help: "Export format; only hf.") var format = "hf"
    @Option(help: "Output folder.") var output: String
    @Option(help: "Sequence-classification head to export as …ForSequenceClassification.") var head: String?
    @Option(help: "Hugging Face model_type to write (bert, roberta, xlm-roberta, camembert, distilbert); default the model's own.")
    var modelType: String?
    @Flag(help: "Also write the sentence-transformers files (modules.json, 1_Pooling, sentence_bert_config.json, config_sentence_transformers.json).")
    var sentenceTransformers = false
    @Option(help: "sentence-transformers pooling: mean or cls (default the model's, else mean).") var pooling: String?
    @Flag(inversion: .prefixedNo, help: "sentence-transformers Normalize module (default the model's, else none).") var normalize: Bool?
    @Option(help: "sentence-transformers max_seq_length (default the model's, else its positions).") var maxSeqLength: Int?
    @Flag(help: "Write into an existing folder that holds files Polyglot did not write (nothing in it is deleted).") var force = false

    func validate() throws {
        guard format == "hf" else { throw ValidationError("--format must be hf, got \(format)") }
        if let modelType, !HFModelFamily.modelTypes.contains(modelType) {
            throw ValidationError("--model-type must be one of \(HFModelFamily.modelTypes.joined(separator: ", ")), got \(modelType)")
        }
        if let pooling, Pooling(rawValue: pooling) == nil { throw ValidationError("--pooling must be mean or cls, got \(pooling)") }
        if let maxSeqLength { try OptionRange.atLeast(2, maxSeqLength, "--max-seq-length") }
        if !sentenceTransformers && (pooling != nil || normalize != nil || maxSeqLength != nil) {
            throw ValidationError("--pooling, --normalize/--no-normalize and --max-seq-length describe the sentence-transformers files: add --sentence-transformers")
        }
    }

    func run() throws {
        Threads.configure()
        do {
            let inputs = [CommandInput(model, flag: "--model")]
            // Refused before the model is read; checked again when written.
            _ = try OutputPolicy.checkFolder(output, kind: HFExport.outputKind, force: force, inputs: inputs)
            let (m, _, tokenizerJSON) = try ModelDirectory.load(URL(fileURLWithPath: model), maxBatch: 1, maxLength: 8)
            var st: SentenceTransformersSettings?
            if sentenceTransformers {
                var s = m.config.sentenceTransformers ?? SentenceTransformersSettings()
                if let pooling { s.pooling = Pooling(rawValue: pooling) }
                if s.pooling == nil { s.pooling = .mean }
                if let normalize { s.normalize = normalize }
                s.maxSeqLength = maxSeqLength ?? s.maxSeqLength ?? m.config.encoder.maxPositions
                st = s
            }
            try HFExport.write(m, tokenizerJSON: tokenizerJSON, classificationHead: head, modelType: modelType,
                               sentenceTransformers: st, to: URL(fileURLWithPath: output), force: force, inputs: inputs)
            try say("wrote \(output)")
        } catch {
            fail(error)
        }
    }
}
