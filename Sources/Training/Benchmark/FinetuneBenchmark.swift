import Engine
import Foundation
import Models
import Platform

/// The workload of `polyglot bench finetune`, the same as the PyTorch peer's (bench/finetune_bench.py): a
/// Hugging Face encoder folder with a new sequence-classification head (BERT's: the [CLS] row → the
/// pretrained pooler's dense → tanh → dropout → a fresh classifier, as `BertForSequenceClassification`),
/// dropout as the folder's config says (training mode), and AdamW (lr 2e-5, weight decay 0.01 on every
/// parameter, the word embeddings included) over every parameter. Each step draws fresh random ids in
/// [5, vocab) of a fixed length (no padding) and random labels into preallocated buffers, so a step
/// allocates nothing; the caller times `step()`.
public final class FinetuneBenchmark {
    public struct Settings: Sendable {
        public var sequenceLength: Int
        public var batchSize: Int
        public var labels: Int
        public var seed: UInt64
        public var learningRate: Float
        public var weightDecay: Float
        public var precision: Precision
        public init(sequenceLength: Int = 128, batchSize: Int = 32, labels: Int = 7, seed: UInt64 = 0,
                    learningRate: Float = 2e-5, weightDecay: Float = 0.01, precision: Precision = .fp32) {
            self.sequenceLength = sequenceLength; self.batchSize = batchSize; self.labels = labels; self.seed = seed
            self.learningRate = learningRate; self.weightDecay = weightDecay; self.precision = precision
        }
    }

    public static let headName = "bench"
    public let settings: Settings
    public let model: MultiTaskModel
    public let optimizer: AdamW
    /// Token ids [batch, seq] (redrawn each step), attention mask all 1.
    private var batch: TokenBatch
    /// Gold labels [batch] (redrawn each step).
    private var labels: [Int32]
    private var random: RandomStream
    private let vocabulary: Int
    public private(set) var lastLoss: Float = 0

    /// Loads `directory` (a Hugging Face BERT-family folder, as `model.source: hf` in an experiment).
    public init(directory: URL, settings: Settings) throws {
        if try ModelDirectory.kind(of: directory) == .polyglot {
            throw FileError(path: directory.path, "is a Polyglot checkpoint; bench finetune reads a Hugging Face folder (write one with polyglot export)")
        }
        let hf = try HFBertConfig.load(directory.appendingPathComponent(HFImport.configFile))
        guard settings.sequenceLength <= hf.usablePositions else {
            throw ConfigError(key: "--seq", "\(settings.sequenceLength) exceeds the model's \(hf.usablePositions) positions")
        }
        guard hf.vocabSize > 5 else { throw ConfigError(key: "vocab_size", "\(hf.vocabSize) leaves no ids above the 5 reserved for special tokens") }
        let head = HeadSpec(name: Self.headName, kind: .sequenceClassification, labels: (0..<settings.labels).map { "label\($0)" },
                            pooling: .cls, dropout: Float(hf.hiddenDropoutProb))
        let (model, _) = try HFImport.load(directory: directory, heads: [head], maxBatch: settings.batchSize,
                                           maxLength: settings.sequenceLength, seed: settings.seed)
        self.settings = settings
        self.model = model
        try model.store.setPrecision(settings.precision)
        let decay = model.store.addGroup(ParameterGroup(name: "decay", weightDecay: settings.weightDecay))
        try model.store.assign(group: decay) { _ in true }
        optimizer = try AdamW(store: model.store)
        let n = settings.batchSize * settings.sequenceLength
        batch = TokenBatch(ids: [Int32](repeating: 5, count: n), attentionMask: [Int32](repeating: 1, count: n),
                           batch: settings.batchSize, length: settings.sequenceLength)
        labels = [Int32](repeating: 0, count: settings.batchSize)
        random = RandomStream(seed: settings.seed, name: "bench-finetune")
        vocabulary = hf.vocabSize
    }

    /// Parameters, all trained.
    public var parameterCount: Int { model.store.count }

    /// One training step: new random batch, forward, loss, backward, AdamW, gradients zeroed. Returns the loss.
    @discardableResult
    public func step() throws -> Float {
        let vocab = vocabulary, classes = settings.labels
        batch.ids.withUnsafeMutableBufferPointer { ids in
            for i in ids.indices { ids[i] = Int32(5 + random.nextInt(below: vocab - 5)) }
        }
        labels.withUnsafeMutableBufferPointer { y in
            for i in y.indices { y[i] = Int32(random.nextInt(below: classes)) }
        }
        lastLoss = try model.loss(head: Self.headName, batch: batch, targets: .classes(labels), training: true, backward: true)
        optimizer.step(learningRate: settings.learningRate)
        model.store.zeroGradients()
        return lastLoss
    }
}
