/// Maps Hugging Face BERT-family weight names onto Polyglot's. Polyglot's encoder already uses BERT's
/// names without a prefix (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`,
/// PyTorch's [out, in] layout), so the mapping strips the model prefix, renames TF-era LayerNorm
/// `gamma`/`beta`, and sorts the task-specific weights (pooler, MLM head, classifier) into their roles.
public enum HFWeightNames {
    public enum Role: Equatable, Sendable {
        /// A weight of the shared encoder, under its Polyglot name.
        case encoder(String)
        /// BERT's pooler (dense + tanh over [CLS]): `pooler.dense.weight` / `.bias`.
        case pooler(String)
        /// The MLM head, under its Polyglot name (BERT's: `cls.predictions.transform.dense.weight`, `cls.predictions.bias`, ...).
        case mlm(String)
        /// A sequence-classification head (`classifier.weight`, RoBERTa's `classifier.dense.*` / `classifier.out_proj.*`).
        case classifier(String)
        /// Known and deliberately unused: buffers (`position_ids`), the next-sentence head, a decoder tied to the embeddings.
        case unused(reason: String)
        /// Not a BERT-family weight name.
        case unknown
    }

    /// The MLM head's weights (what `Engine.MLMHead` registers), BERT's names.
    public static let mlmNames = [
        "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
        "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias", "cls.predictions.bias",
    ]

    public static func role(of hfName: String) -> Role {
        var name = hfName
        for prefix in ["bert.", "roberta.", "model."] where name.hasPrefix(prefix) {
            name.removeFirst(prefix.count)
            break
        }
        name = renameGammaBeta(name)
        if name == "embeddings.position_ids" || name == "embeddings.token_type_ids" {
            return .unused(reason: "buffer, recomputed at run time")
        }
        if name.hasPrefix("embeddings.") || name.hasPrefix("encoder.layer.") {
            return .encoder(name)
        }
        if name.hasPrefix("pooler.dense.") { return .pooler(name) }
        if name.hasPrefix("cls.seq_relationship.") { return .unused(reason: "next-sentence-prediction head") }
        if name.hasPrefix("cls.predictions.") {
            let rest = String(name.dropFirst("cls.predictions.".count))
            if rest == "decoder.weight" { return .unused(reason: "decoder tied to the word embeddings") }
            if rest == "decoder.bias" { return .mlm("cls.predictions.bias") }
            return mlmNames.contains(name) ? .mlm(name) : .unknown
        }
        if name.hasPrefix("lm_head.") {
            let rest = String(name.dropFirst("lm_head.".count))
            switch rest {
            case "dense.weight", "dense.bias": return .mlm("cls.predictions.transform." + rest)
            case "layer_norm.weight": return .mlm("cls.predictions.transform.LayerNorm.weight")
            case "layer_norm.bias": return .mlm("cls.predictions.transform.LayerNorm.bias")
            case "bias", "decoder.bias": return .mlm("cls.predictions.bias")
            case "decoder.weight": return .unused(reason: "decoder tied to the word embeddings")
            default: return .unknown
            }
        }
        if ["classifier.weight", "classifier.bias", "classifier.dense.weight", "classifier.dense.bias",
            "classifier.out_proj.weight", "classifier.out_proj.bias"].contains(name) {
            return .classifier(name)
        }
        return .unknown
    }

    static func renameGammaBeta(_ name: String) -> String {
        guard name.contains("LayerNorm.") || name.contains("layer_norm.") else { return name }
        if name.hasSuffix(".gamma") { return String(name.dropLast(".gamma".count)) + ".weight" }
        if name.hasSuffix(".beta") { return String(name.dropLast(".beta".count)) + ".bias" }
        return name
    }

    /// The encoder's weight names for a config, in HF BERT order: what an import must find and an
    /// export writes.
    public static func encoderNames(layers: Int) -> [String] {
        var names = [
            "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
            "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
        ]
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            for s in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                names += [p + s + ".weight", p + s + ".bias"]
            }
            names += [p + "attention.output.LayerNorm.weight", p + "attention.output.LayerNorm.bias"]
            names += [p + "intermediate.dense.weight", p + "intermediate.dense.bias"]
            names += [p + "output.dense.weight", p + "output.dense.bias"]
            names += [p + "output.LayerNorm.weight", p + "output.LayerNorm.bias"]
        }
        return names
    }

    /// Expected HF shapes of the encoder's weights for a config (position rows include RoBERTa's offset).
    public static func encoderShapes(_ c: HFBertConfig) -> [String: [Int]] {
        let h = c.hiddenSize, f = c.intermediateSize
        var s: [String: [Int]] = [
            "embeddings.word_embeddings.weight": [c.vocabSize, h],
            "embeddings.position_embeddings.weight": [c.maxPositionEmbeddings, h],
            "embeddings.token_type_embeddings.weight": [c.typeVocabSize, h],
            "embeddings.LayerNorm.weight": [h], "embeddings.LayerNorm.bias": [h],
        ]
        for l in 0..<c.numHiddenLayers {
            let p = "encoder.layer.\(l)."
            for n in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                s[p + n + ".weight"] = [h, h]; s[p + n + ".bias"] = [h]
            }
            s[p + "attention.output.LayerNorm.weight"] = [h]; s[p + "attention.output.LayerNorm.bias"] = [h]
            s[p + "intermediate.dense.weight"] = [f, h]; s[p + "intermediate.dense.bias"] = [f]
            s[p + "output.dense.weight"] = [h, f]; s[p + "output.dense.bias"] = [h]
            s[p + "output.LayerNorm.weight"] = [h]; s[p + "output.LayerNorm.bias"] = [h]
        }
        return s
    }
}
