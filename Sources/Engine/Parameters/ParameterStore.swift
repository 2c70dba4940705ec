import Platform

/// How a parameter starts (HF BERT's `_init_weights`: normal(0, initializer_range) for weights and
/// embeddings, zeros for biases, ones/zeros for LayerNorm).
public enum ParameterInit: Codable, Equatable, Sendable {
    case zeros, ones
    case normal(std: Float)
    case constant(Float)
}

/// A parameter group: its learning rate is the optimizer's rate times `learningRateScale`; weight decay is
/// decoupled (AdamW) or L2 (SGD); frozen parameters are skipped by optimizers and clipping.
public struct ParameterGroup: Codable, Equatable, Sendable {
    public var name: String
    public var learningRateScale: Float
    public var weightDecay: Float
    public var frozen: Bool
    public init(name: String, learningRateScale: Float = 1, weightDecay: Float = 0, frozen: Bool = false) {
        self.name = name; self.learningRateScale = learningRateScale; self.weightDecay = weightDecay; self.frozen = frozen
    }
    enum CodingKeys: String, CodingKey { case name, learningRateScale = "learning_rate_scale", weightDecay = "weight_decay", frozen }
}

/// Handle to a registered parameter.
public struct ParameterID: Hashable, Sendable { public let index: Int }

/// Every trainable float of a model in one contiguous slab (and gradients in a second slab of the same
/// layout), with named views. Layers and heads register named specs first; `allocate()` then carves the
/// slab once, so the optimizer, clipping, zeroing and saving are single loops over contiguous memory.
/// Names follow HF BERT (`encoder.layer.0.attention.self.query.weight`, weights [out, in]).
public final class ParameterStore {
    public struct Entry: Sendable {
        public let name: String
        public let shape: Shape
        public let offset: Int
        public let initializer: ParameterInit
        public var group: Int
    }

    public let seed: UInt64
    public private(set) var entries: [Entry] = []
    public private(set) var groups: [ParameterGroup] = [ParameterGroup(name: "default")]
    /// Per entry: true while the parameter takes no part in the current step (the head of a task the step
    /// does not train). Optimizers leave an idle parameter, its moments and its step count as they are, as
    /// torch.optim does for a parameter whose `.grad` is None; the trainer sets the flags before each step.
    public private(set) var idle: [Bool] = []
    private var index: [String: Int] = [:]
    public private(set) var count = 0
    private var valueSlab: UnsafeMutablePointer<Float>?
    private var gradSlab: UnsafeMutablePointer<Float>?

    /// `seed` drives initialization: parameter `name` draws from `RandomStream(seed:, name: "init/" + name)`,
    /// so adding a head never changes the encoder's initial weights.
    public init(seed: UInt64 = 0) { self.seed = seed }
    deinit {
        if let valueSlab { ZeroedMemory.free(valueSlab) }
        if let gradSlab { ZeroedMemory.free(gradSlab) }
    }

    public var isAllocated: Bool { valueSlab != nil }

    /// The arithmetic of every matrix product over these parameters (the model's layers and heads read it):
    /// fp32, or bf16 operands with fp32 accumulation. Weights, gradients and optimizer state stay fp32.
    public private(set) var precision: Precision = .fp32

    /// Sets `precision`; bf16 is refused on a CPU without AVX512-BF16.
    public func setPrecision(_ p: Precision) throws {
        if p == .bf16, let reason = BF16.unsupportedReason { throw EngineError(op: "precision", reason) }
        precision = p
    }

    @discardableResult
    public func register(_ name: String, _ shape: Shape, initializer: ParameterInit, group: Int = 0) throws -> ParameterID {
        try EngineError.require(!isAllocated, "parameters", "cannot register \(name) \(shape): the slab is already allocated")
        try EngineError.require(index[name] == nil, "parameters", "parameter \(name) registered twice")
        try EngineError.require(group >= 0 && group < groups.count, "parameters", "group \(group) of \(name) does not exist")
        index[name] = entries.count
        entries.append(Entry(name: name, shape: shape, offset: count, initializer: initializer, group: group))
        idle.append(false)
        count += shape.count
        return ParameterID(index: entries.count - 1)
    }

    /// Allocates both slabs, initializes values and zeroes gradients.
    /// Carves the slabs; `initialize: false` leaves every value zero for a caller that loads all of them
    /// (a checkpoint) and draws the rest itself with `initialize(_:)`, skipping millions of draws.
    public func allocate(initialize: Bool = true) throws {
        try EngineError.require(!isAllocated, "parameters", "slab already allocated")
        let n = Swift.max(1, count)
        // Zero pages until written: a model that is only evaluated never makes its gradients resident.
        valueSlab = ZeroedMemory.floats(n)
        gradSlab = ZeroedMemory.floats(n)
        if initialize { for e in entries { self.initialize(e) } }
    }

    /// Re-draws one parameter from its initializer.
    public func initialize(_ e: Entry) {
        let p = valueSlab! + e.offset, n = e.shape.count
        switch e.initializer {
        case .zeros: p.update(repeating: 0, count: n)
        case .ones: p.update(repeating: 1, count: n)
        case .constant(let v): p.update(repeating: v, count: n)
        case .normal(let std):
            var rng = RandomStream(seed: seed, name: "init/" + e.name)
            for i in 0..<n { p[i] = rng.nextGaussian() * std }
        }
    }

    public func id(_ name: String) -> ParameterID? { index[name].map(ParameterID.init) }
    public var names: [String] { entries.map(\.name) }

    @inline(__always) public func value(_ id: ParameterID) -> Tensor {
        let e = entries[id.index]
        return Tensor(data: valueSlab! + e.offset, shape: e.shape)
    }
    @inline(__always) public func gradient(_ id: ParameterID) -> Tensor {
        let e = entries[id.index]
        return Tensor(data: gradSlab! + e.offset, shape: e.shape)
    }

    private func lookup(_ name: String) throws -> ParameterID {
        try EngineError.require(isAllocated, "parameters", "slab not allocated yet (call allocate())")
        guard let id = id(name) else { throw EngineError(op: "parameters", "no parameter named \(name)") }
        return id
    }
    public func value(named name: String) throws -> Tensor { value(try lookup(name)) }
    public func gradient(named name: String) throws -> Tensor { gradient(try lookup(name)) }

    /// Sets a parameter's values (checkpoint loading); the count must match its shape.
    public func set(_ name: String, values: [Float]) throws {
        let t = try value(named: name)
        try EngineError.require(values.count == t.count, "parameters", "\(name) has shape \(t.shape) (\(t.count) floats), got \(values.count) values")
        try t.copy(from: values)
    }
    public func get(_ name: String) throws -> [Float] { try value(named: name).toArray() }

    /// The whole slabs, for optimizers, clipping and bulk saving.
    public var values: Tensor { Tensor(data: valueSlab!, shape: .vector(count)) }
    public var gradients: Tensor { Tensor(data: gradSlab!, shape: .vector(count)) }

    public func zeroGradients() { gradSlab?.update(repeating: 0, count: Swift.max(1, count)) }

    /// Marks entry `index` as sitting out (or taking part in) the coming optimizer step.
    public func setIdle(_ index: Int, _ value: Bool) { idle[index] = value }

    /// Whether the optimizer updates entry `index` this step: its group is not frozen and it is not idle.
    @inline(__always) public func takesPart(_ index: Int) -> Bool { !idle[index] && !groups[entries[index].group].frozen }

    // MARK: groups

    @discardableResult
    public func addGroup(_ group: ParameterGroup) -> Int { groups.append(group); return groups.count - 1 }
    public func updateGroup(_ index: Int, _ body: (inout ParameterGroup) -> Void) { body(&groups[index]) }

    /// Moves every parameter whose name satisfies `predicate` into `group`; returns how many moved.
    @discardableResult
    public func assign(group: Int, where predicate: (String) -> Bool) throws -> Int {
        try EngineError.require(group >= 0 && group < groups.count, "parameters", "group \(group) does not exist")
        var moved = 0
        for i in entries.indices where predicate(entries[i].name) { entries[i].group = group; moved += 1 }
        return moved
    }
}
