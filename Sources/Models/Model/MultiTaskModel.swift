import Engine
import Platform

/// A batch of token sequences, row-major [batch, length].
public struct TokenBatch {
    public var ids: [Int32]
    public var attentionMask: [Int32]
    public var tokenTypeIDs: [Int32]?
    public var languageIDs: [Int32]?
    public var batch: Int
    public var length: Int

    public init(ids: [Int32], attentionMask: [Int32], tokenTypeIDs: [Int32]? = nil, languageIDs: [Int32]? = nil, batch: Int, length: Int) {
        self.ids = ids; self.attentionMask = attentionMask; self.tokenTypeIDs = tokenTypeIDs; self.languageIDs = languageIDs
        self.batch = batch; self.length = length
    }

    /// Sequences `rows` of the batch, at its padded length.
    public func sequences(_ rows: Range<Int>) -> TokenBatch {
        let tokens = (rows.lowerBound * length)..<(rows.upperBound * length)
        return TokenBatch(ids: Array(ids[tokens]), attentionMask: Array(attentionMask[tokens]),
                          tokenTypeIDs: tokenTypeIDs.map { Array($0[tokens]) }, languageIDs: languageIDs.map { Array($0[tokens]) },
                          batch: rows.count, length: length)
    }

    /// Pads variable-length sequences (`pad` ids, mask 0) to the longest one.
    public init(sequences: [[Int32]], tokenTypes: [[Int32]]? = nil, pad: Int32 = 0) {
        let t = Swift.max(1, sequences.map(\.count).max() ?? 1)
        var ids = [Int32](repeating: pad, count: sequences.count * t)
        var mask = [Int32](repeating: 0, count: sequences.count * t)
        var types: [Int32]? = tokenTypes == nil ? nil : [Int32](repeating: 0, count: sequences.count * t)
        for (i, s) in sequences.enumerated() {
            for (j, id) in s.enumerated() { ids[i * t + j] = id; mask[i * t + j] = 1 }
            if let tt = tokenTypes?[i] { for (j, v) in tt.enumerated() where j < t { types![i * t + j] = v } }
        }
        self.init(ids: ids, attentionMask: mask, tokenTypeIDs: types, batch: sequences.count, length: t)
    }
}

/// One shared encoder and a named set of heads, all weights in one `ParameterStore`. Tasks refer to
/// heads by name, so several tasks (every language of a task) can share one head.
public final class MultiTaskModel {
    public let config: ModelConfig
    public let store: ParameterStore
    public let encoder: TransformerEncoder
    public let headSpecs: [HeadSpec]
    public let heads: [String: TaskHead]
    /// Checkpoint tensors kept for export but unused by Polyglot (BERT's pooler of an imported model).
    public var extraTensors: [String: (shape: [Int], values: [Float])] = [:]
    /// Draws the heads' dropout seeds; named "head_dropout", so it is independent of the encoder's.
    public var headDropoutStream: RandomStream
    private let dHiddenBuf = ScratchBuffer()

    /// Builds the encoder and heads and allocates (initializes) the weights from `seed`. `initialize: false`
    /// leaves them zero for a loader that sets every one or initializes the rest (`store.initialize`).
    public init(config: ModelConfig, heads specs: [HeadSpec], maxBatch: Int, maxLength: Int, seed: UInt64 = 0,
                initialize: Bool = true) throws {
        try config.validate()
        var seen = Set<String>()
        for s in specs {
            try s.validate()
            guard seen.insert(s.name).inserted else { throw ConfigError(key: "heads.\(s.name)", "head defined twice") }
        }
        guard specs.filter({ $0.kind == .mlm }).count <= 1 else { throw ConfigError(key: "heads", "at most one MLM head (it is tied to the encoder)") }
        self.config = config
        store = ParameterStore(seed: seed)
        encoder = try TransformerEncoder(config: config.encoder, store: store, maxBatch: maxBatch, maxLength: maxLength,
                                         adapters: config.adapters ?? AdapterSetup())
        var built: [String: TaskHead] = [:]
        for s in specs {
            built[s.name] = s.kind == .mlm
                ? try MaskedLMTaskHead(s, encoder: encoder)
                : try TaskHeads.make(s, hiddenSize: config.encoder.hiddenSize, store: store, initializerRange: config.encoder.initializerRange)
        }
        heads = built
        headSpecs = specs
        headDropoutStream = RandomStream(seed: seed, name: "head_dropout")
        try store.allocate(initialize: initialize)
    }

    public func head(_ name: String) throws -> TaskHead {
        guard let h = heads[name] else {
            throw ConfigError(key: "head", "no head named \"\(name)\" (have: \(heads.keys.sorted().joined(separator: ", ")))")
        }
        return h
    }

    /// Forward-only passes (`encode(_:training: false)`, embeddings, probes): packed sequences, no saved
    /// activations, a workspace sized by the largest batch. Created at first use.
    public private(set) lazy var inference = EncoderInference(encoder)

    /// Runs the encoder; the hidden states [batch, length, D] are valid until the next forward. Without
    /// training the real tokens go through the inference pass (same values, pad rows zero) unless a mask is
    /// not of the form 1…1 0…0.
    public func encode(_ batch: TokenBatch, training: Bool) throws -> Tensor {
        try encode(batch, training: training, forBackward: false)
    }

    /// `forBackward` keeps the padded forward, whose saved activations `encoder.backward` needs.
    func encode(_ batch: TokenBatch, training: Bool, forBackward: Bool, rowOffset: Int = 0) throws -> Tensor {
        if !training && !forBackward, let hidden = try inference.forwardPadded(tokenIDs: batch.ids, attentionMask: batch.attentionMask,
                                                              tokenTypeIDs: batch.tokenTypeIDs, languageIDs: batch.languageIDs,
                                                              batch: batch.batch, length: batch.length) {
            return hidden
        }
        return try encoder.forward(tokenIDs: batch.ids, attentionMask: batch.attentionMask, tokenTypeIDs: batch.tokenTypeIDs,
                                   languageIDs: batch.languageIDs, batch: batch.batch, length: batch.length, training: training,
                                   rowOffset: rowOffset)
    }

    /// One task's loss on a batch. With `backward` the gradients of the head and the encoder are added
    /// to the store's (the caller zeroes them and steps the optimizer). `rowOffset`: the batch is rows
    /// rowOffset… of a whole batch of the same length (a distributed rank's share), whose dropout masks it
    /// takes its part of; with training, each call draws the same dropout seeds whatever the batch.
    public func loss(head name: String, batch: TokenBatch, targets: HeadTargets, candidateMask: [Int32]? = nil,
                     training: Bool, backward: Bool, rowOffset: Int = 0) throws -> Float {
        let head = try self.head(name)
        let hidden = try encode(batch, training: training, forBackward: backward, rowOffset: rowOffset)
        let input = HeadInput(hidden: hidden, attentionMask: batch.attentionMask, candidateMask: candidateMask, rowOffset: rowOffset)
        let dHidden = backward ? dHiddenBuf.tensor(hidden.shape) : nil
        let seed: UInt64? = training ? headDropoutStream.next() : nil
        let loss = try head.loss(input, targets: targets, dHidden: dHidden, dropoutSeed: seed)
        if let dHidden { try encoder.backward(dHidden: dHidden) }
        return loss
    }

    /// Draws what a training `loss` call draws (the encoder's dropout seeds, the head's) without computing it,
    /// for a rank whose share of a batch has nothing to score: its streams stay in step with the other ranks'.
    /// The seeds an encoder forward draws do not depend on the batch, so it runs the batch's first sequence.
    public func skipTrainingDraws(_ batch: TokenBatch) throws {
        let first = batch.sequences(0..<1)
        _ = try encoder.forward(tokenIDs: first.ids, attentionMask: first.attentionMask, tokenTypeIDs: first.tokenTypeIDs,
                                languageIDs: first.languageIDs, batch: 1, length: first.length, training: true)
        _ = headDropoutStream.next()
    }

    /// A head's predictions for a batch (no dropout).
    public func predict(head name: String, batch: TokenBatch, candidateMask: [Int32]? = nil) throws -> HeadPrediction {
        let head = try self.head(name)
        let hidden = try encode(batch, training: false)
        return try head.predict(HeadInput(hidden: hidden, attentionMask: batch.attentionMask, candidateMask: candidateMask))
    }

    /// A late-interaction head's normalized token vectors per sequence (the tokens `candidateMask` marks).
    public func tokenVectors(head name: String, batch: TokenBatch, candidateMask: [Int32]?) throws -> [[[Float]]] {
        guard let head = try self.head(name) as? LateInteractionHead else {
            throw ConfigError(key: "head", "\"\(name)\" is not a late-interaction head")
        }
        let hidden = try encode(batch, training: false)
        return try head.tokenVectors(HeadInput(hidden: hidden, attentionMask: batch.attentionMask, candidateMask: candidateMask))
    }

    /// Label-matching predictions: `labelsPerText` consecutive pairs per text.
    public func predictLabelMatching(head name: String, batch: TokenBatch, labelsPerText: Int) throws -> HeadPrediction {
        guard let head = try self.head(name) as? LabelMatchingHead else {
            throw ConfigError(key: "head", "\"\(name)\" is not a label-matching head")
        }
        let hidden = try encode(batch, training: false)
        return try head.predict(HeadInput(hidden: hidden, attentionMask: batch.attentionMask), labelsPerText: labelsPerText)
    }
}
