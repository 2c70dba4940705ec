/// Maps Hugging Face BERT-family weight names onto Polyglot's and back. Polyglot's encoder uses BERT's
/// names without a prefix (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`,
/// PyTorch's [out, in] layout). Each family has one mapping (`sanitize`) from its names to BERT's: strip the
/// model prefix, rename TF-era LayerNorm `gamma`/`beta` (BERT, RoBERTa) or DistilBERT's layer names
/// (`transformer.layer.N.attention.q_lin` → `encoder.layer.N.attention.self.query`, ...); `role(of:family:)` then
/// sorts the task-specific weights (pooler, MLM head, classifier) into their roles. `hfName(_:family:)` is the
/// inverse, for export.
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
        /// Not a weight name of the family.
        case unknown
    }

    /// The MLM head's weights (what `Engine.MLMHead` registers), BERT's names.
    public static let mlmNames = [
        "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
        "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias", "cls.predictions.bias",
    ]

    /// The prefix of a task model's body (`BertForSequenceClassification` → `bert.`).
    public static func modelPrefix(_ family: HFModelFamily) -> String {
        switch family {
        case .bert: return "bert."
        case .roberta: return "roberta."
        case .distilbert: return "distilbert."
        }
    }

    /// DistilBERT's names inside `transformer.layer.N.` and BERT's inside `encoder.layer.N.`.
    static let distilBertLayer: [(hf: String, bert: String)] = [
        ("attention.q_lin.", "attention.self.query."), ("attention.k_lin.", "attention.self.key."),
        ("attention.v_lin.", "attention.self.value."), ("attention.out_lin.", "attention.output.dense."),
        ("sa_layer_norm.", "attention.output.LayerNorm."), ("ffn.lin1.", "intermediate.dense."),
        ("ffn.lin2.", "output.dense."), ("output_layer_norm.", "output.LayerNorm."),
    ]
    /// DistilBERT's MLM head (`DistilBertForMaskedLM`) and BERT's.
    static let distilBertMLM: [(hf: String, bert: String)] = [
        ("vocab_transform.", "cls.predictions.transform.dense."),
        ("vocab_layer_norm.", "cls.predictions.transform.LayerNorm."),
        ("vocab_projector.", "cls.predictions.decoder."),
    ]

    /// A family's checkpoint name under BERT's naming (prefix stripped); names that have no BERT
    /// counterpart come back with only the prefix stripped.
    public static func sanitize(_ hfName: String, family: HFModelFamily) -> String {
        var name = hfName
        for prefix in [modelPrefix(family), "model."] where name.hasPrefix(prefix) {
            name.removeFirst(prefix.count)
            break
        }
        switch family {
        case .bert, .roberta:
            return renameGammaBeta(name)
        case .distilbert:
            if let (layer, rest) = layerSplit(name, prefix: "transformer.layer.") {
                for (hf, bert) in distilBertLayer where rest.hasPrefix(hf) {
                    return "encoder.layer.\(layer)." + bert + rest.dropFirst(hf.count)
                }
                return name
            }
            for (hf, bert) in distilBertMLM where name.hasPrefix(hf) { return bert + name.dropFirst(hf.count) }
            return name
        }
    }

    /// The name a family's bare model (`BertModel`, `RobertaModel`, `DistilBertModel`) gives a Polyglot
    /// encoder weight: the inverse of `sanitize` for the encoder's names.
    public static func hfName(_ name: String, family: HFModelFamily) -> String {
        guard family == .distilbert, let (layer, rest) = layerSplit(name, prefix: "encoder.layer.") else { return name }
        for (hf, bert) in distilBertLayer where rest.hasPrefix(bert) {
            return "transformer.layer.\(layer)." + hf + rest.dropFirst(bert.count)
        }
        return name
    }

    /// `<prefix>N.rest` → (N, rest).
    static func layerSplit(_ name: String, prefix: String) -> (Int, Substring)? {
        guard name.hasPrefix(prefix) else { return nil }
        let tail = name.dropFirst(prefix.count)
        guard let dot = tail.firstIndex(of: "."), let layer = Int(tail[..<dot]) else { return nil }
        return (layer, tail[tail.index(after: dot)...])
    }

    public static func role(of hfName: String, family: HFModelFamily = .bert) -> Role {
        let name = sanitize(hfName, family: family)
        if name == "embeddings.position_ids" || name == "embeddings.token_type_ids" {
            return .unused(reason: "buffer, recomputed at run time")
        }
        if family == .distilbert && name.hasPrefix("embeddings.token_type_embeddings.") { return .unknown }
        if name.hasPrefix("embeddings.") || name.hasPrefix("encoder.layer.") {
            return .encoder(name)
        }
        if family == .distilbert {
            // DistilBertForSequenceClassification: pre_classifier → ReLU → classifier on [CLS]; Polyglot's
            // pooled heads use tanh (BERT's pooler), so these weights cannot fill one.
            if ["pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"].contains(name) {
                return .unused(reason: "DistilBERT classifier (ReLU on [CLS]); Polyglot's [CLS] heads use tanh")
            }
        } else if name.hasPrefix("pooler.dense.") {
            return .pooler(name)
        }
        if family == .bert && name.hasPrefix("cls.seq_relationship.") { return .unused(reason: "next-sentence-prediction head") }
        if name.hasPrefix("cls.predictions.") {
            let rest = String(name.dropFirst("cls.predictions.".count))
            if rest == "decoder.weight" { return .unused(reason: "decoder tied to the word embeddings") }
            if rest == "decoder.bias" { return .mlm("cls.predictions.bias") }
            return mlmNames.contains(name) ? .mlm(name) : .unknown
        }
        if family == .roberta && name.hasPrefix("lm_head.") {
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
        let classifier = family == .roberta
            ? ["classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight", "classifier.out_proj.bias"]
            : ["classifier.weight", "classifier.bias"]
        if family != .distilbert && classifier.contains(name) { return .classifier(name) }
        return .unknown
    }

    static func renameGammaBeta(_ name: String) -> String {
        guard name.contains("LayerNorm.") || name.contains("layer_norm.") else { return name }
        if name.hasSuffix(".gamma") { return String(name.dropLast(".gamma".count)) + ".weight" }
        if name.hasSuffix(".beta") { return String(name.dropLast(".beta".count)) + ".bias" }
        return name
    }

    /// The encoder's weight names for a config, in HF BERT order: what an import must find and an
    /// export writes (Polyglot's names; `hfName` gives the family's).
    public static func encoderNames(layers: Int, tokenTypes: Bool = true) -> [String] {
        var names = [
            "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
            "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
        ]
        if !tokenTypes { names.remove(at: 2) }
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

    /// Expected HF shapes of the encoder's weights for a config, under Polyglot's names (position rows
    /// include RoBERTa's offset; DistilBERT has no token-type table).
    public static func encoderShapes(_ c: HFBertConfig) -> [String: [Int]] {
        let h = c.hiddenSize, f = c.intermediateSize
        var s: [String: [Int]] = [
            "embeddings.word_embeddings.weight": [c.vocabSize, h],
            "embeddings.position_embeddings.weight": [c.maxPositionEmbeddings, h],
            "embeddings.LayerNorm.weight": [h], "embeddings.LayerNorm.bias": [h],
        ]
        if c.typeVocabSize > 0 { s["embeddings.token_type_embeddings.weight"] = [c.typeVocabSize, h] }
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
