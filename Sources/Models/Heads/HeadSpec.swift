import Platform

/// What a head computes from the encoder's hidden states.
public enum HeadKind: String, Codable, Sendable, CaseIterable {
    /// One label per sequence (pooled [CLS] or mean → dense → tanh → dropout → projection, as BERT).
    case sequenceClassification = "sequence_classification"
    /// The same head over a sentence pair encoded as one sequence with token types.
    case pairClassification = "pair_classification"
    /// One real value per sequence, mean squared error.
    case regression
    /// One label per token; labels sit on the first subword of each word, the rest carry the ignore index.
    case tokenTagging = "token_tagging"
    /// Extractive QA: start and end logits per token, best valid span.
    case spanQA = "span_qa"
    /// One score per (context, choice) sequence, softmax over each example's choices.
    case multipleChoice = "multiple_choice"
    /// Sentence embeddings (pooled, L2-normalized) trained with a symmetric in-batch InfoNCE loss.
    case embedding
    /// Late interaction (ColBERT MaxSim) over normalized token vectors, trained with an in-batch InfoNCE
    /// loss from queries to documents; scores label texts against texts for dual-encoder label matching.
    case lateInteraction = "late_interaction"
    /// TARS-style label matching: a binary classifier over "label [SEP] text" pairs; prediction is the
    /// best-scoring label, so tasks never trained on can be scored from their label names.
    case labelMatching = "label_matching"
    /// Masked language modelling through the encoder's tied MLM head (`cls.predictions.*`); one per model.
    case mlm
}

public enum Pooling: String, Codable, Sendable { case cls, mean }

/// A head's configuration, saved with checkpoints (heads.json). Keys are snake_case.
public struct HeadSpec: Codable, Equatable, Sendable {
    /// The head's name; tasks sharing a head name share its weights (every language of a task, say).
    public var name: String
    public var kind: HeadKind
    /// Class or tag names, in id order (classification, pair classification, tagging).
    public var labels: [String]
    public var pooling: Pooling
    public var dropout: Float
    /// Longest answer, in tokens (span QA).
    public var maxAnswerLength: Int
    /// Choices per example (multiple choice).
    public var numChoices: Int
    /// Softmax temperature of the contrastive loss (embedding).
    public var temperature: Float

    public init(name: String, kind: HeadKind, labels: [String] = [], pooling: Pooling? = nil, dropout: Float = 0.1,
                maxAnswerLength: Int = 30, numChoices: Int = 2, temperature: Float = 0.05) {
        self.name = name; self.kind = kind; self.labels = labels
        self.pooling = pooling ?? (kind == .embedding ? .mean : .cls)
        self.dropout = dropout; self.maxAnswerLength = maxAnswerLength; self.numChoices = numChoices
        self.temperature = temperature
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, labels, pooling, dropout
        case maxAnswerLength = "max_answer_length", numChoices = "num_choices", temperature
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(HeadKind.self, forKey: .kind)
        self.init(name: try c.decode(String.self, forKey: .name), kind: kind,
                  labels: try c.decodeIfPresent([String].self, forKey: .labels) ?? [],
                  pooling: try c.decodeIfPresent(Pooling.self, forKey: .pooling),
                  dropout: try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0.1,
                  maxAnswerLength: try c.decodeIfPresent(Int.self, forKey: .maxAnswerLength) ?? 30,
                  numChoices: try c.decodeIfPresent(Int.self, forKey: .numChoices) ?? 2,
                  temperature: try c.decodeIfPresent(Float.self, forKey: .temperature) ?? 0.05)
    }

    /// Outputs of the final projection.
    public var outputCount: Int {
        switch kind {
        case .sequenceClassification, .pairClassification, .tokenTagging: return labels.count
        case .regression, .multipleChoice, .labelMatching: return 1
        case .spanQA: return 2
        case .embedding, .lateInteraction: return 0
        case .mlm: return 0
        }
    }

    public func validate() throws {
        let key = "heads.\(name)"
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }) else {
            throw ConfigError(key: key + ".name", "\"\(name)\" must be non-empty letters, digits, '_' or '-' (it names weights)")
        }
        switch kind {
        case .sequenceClassification, .pairClassification, .tokenTagging:
            guard labels.count >= 2 else { throw ConfigError(key: key + ".labels", "needs at least 2 labels, found \(labels.count)") }
            guard Set(labels).count == labels.count else { throw ConfigError(key: key + ".labels", "has duplicates") }
        case .spanQA:
            guard maxAnswerLength >= 1 else { throw ConfigError(key: key + ".max_answer_length", "must be positive") }
        case .multipleChoice:
            guard numChoices >= 2 else { throw ConfigError(key: key + ".num_choices", "must be at least 2") }
        case .embedding, .lateInteraction:
            guard temperature > 0 else { throw ConfigError(key: key + ".temperature", "must be positive") }
        case .regression, .labelMatching, .mlm: break
        }
        guard dropout >= 0 && dropout < 1 else { throw ConfigError(key: key + ".dropout", "must be in [0, 1), found \(dropout)") }
    }
}
