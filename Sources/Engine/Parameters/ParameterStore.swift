import Platform

/// How a parameter starts (HF BERT's `_init_weights`: normal(0, initializer_range) for weights and
/// embeddings, zeros for biases, ones/zeros for LayerNorm).
public enum ParameterInit: Codable, Equatable, Sendable {
    case zeros, ones
    case normal(std: Float)
    case constant(Float)
    /// Uniform on [−bound, bound) (PyTorch's Kaiming-uniform default for `nn.Linear` weights: bound 1/√in).
    case uniform(bound: Float)
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
///
/// Touched rows. A matrix parameter whose gradient a step fills only in a few rows (the word embeddings:
/// a batch reads a few thousand of 250k rows) can be tracked with `trackGradientRows`: the store keeps a
/// flag per row, set by whoever writes the row's gradient (`markGradientRows`, or `markAllGradientRows`
/// for a dense write such as the tied MLM decoder's). The invariant is that an unflagged row's gradient is
/// zero, so `zeroGradients()` clears only flagged rows of such a table (the rest of the slab is one memset)
/// and clipping, gradient weighting and AdamW skip unflagged rows (`forEachGradientRange`,
/// `gradientRowTracking`). Code that writes a tracked table's gradient without reporting its rows (a test
/// filling the slab, a probe adding slabs) must call `markAllGradientRows()` afterwards.
public final class ParameterStore {
    /// A tracked table: its place in the slab and one flag per row (1 = the row's gradient may be non-zero).
    public struct RowTracking {
        public let entry: Int
        public let offset: Int, rows: Int, width: Int
        /// [rows] flags, allocated with the store's slabs' lifetime.
        public let touched: UnsafeMutablePointer<UInt8>
        /// Every row may be non-zero (a dense write happened since the last `zeroGradients()`).
        public internal(set) var all: Bool
        public var end: Int { offset + rows * width }
    }
    public struct Entry: Sendable {
        public let name: String
        public let shape: Shape
        public let offset: Int
        public internal(set) var initializer: ParameterInit
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
    /// Tracked tables in slab order; `trackerOfEntry[i]` indexes it (−1: entry i is not tracked).
    public private(set) var rowTracking: [RowTracking] = []
    private var trackerOfEntry: [Int] = []

    /// `seed` drives initialization: parameter `name` draws from `RandomStream(seed:, name: "init/" + name)`,
    /// so adding a head never changes the encoder's initial weights.
    public init(seed: UInt64 = 0) { self.seed = seed }
    deinit {
        if let valueSlab { ZeroedMemory.free(valueSlab) }
        if let gradSlab { ZeroedMemory.free(gradSlab) }
        for t in rowTracking { t.touched.deallocate() }
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
        trackerOfEntry.append(-1)
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
        case .uniform(let bound):
            var rng = RandomStream(seed: seed, name: "init/" + e.name)
            for i in 0..<n { p[i] = Float(rng.nextDouble() * 2 - 1) * bound }
        }
    }

    /// Changes how a registered parameter starts (before `allocate`).
    public func setInitializer(_ id: ParameterID, _ initializer: ParameterInit) throws {
        try EngineError.require(!isAllocated, "parameters", "cannot change the initializer of \(entries[id.index].name): the slab is already allocated")
        entries[id.index].initializer = initializer
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

    /// Zeroes the gradient slab: one memset for everything but tracked tables, and of those only the rows
    /// flagged since the last call (all of them after a dense write); then clears the flags.
    public func zeroGradients() {
        guard let g = gradSlab else { return }
        var start = 0
        for i in rowTracking.indices {
            let t = rowTracking[i]
            if t.offset > start { (g + start).update(repeating: 0, count: t.offset - start) }
            if t.all {
                (g + t.offset).update(repeating: 0, count: t.rows * t.width)
            } else {
                for r in 0..<t.rows where t.touched[r] != 0 { (g + t.offset + r * t.width).update(repeating: 0, count: t.width) }
            }
            t.touched.update(repeating: 0, count: t.rows)
            rowTracking[i].all = false
            start = t.end
        }
        let total = Swift.max(1, count)
        if total > start { (g + start).update(repeating: 0, count: total - start) }
    }

    // MARK: touched rows

    /// Tracks which rows of the matrix parameter `id` ([rows, width]) have a gradient (see the type's notes).
    public func trackGradientRows(_ id: ParameterID) throws {
        let e = entries[id.index]
        try EngineError.require(trackerOfEntry[id.index] < 0, "parameters", "rows of \(e.name) tracked twice")
        try EngineError.require(e.shape.rank == 2 && e.shape.count > 0, "parameters", "row tracking needs a matrix, \(e.name) is \(e.shape)")
        let rows = e.shape[0], width = e.shape[1]
        let touched = UnsafeMutablePointer<UInt8>.allocate(capacity: rows)
        touched.initialize(repeating: 0, count: rows)
        let t = RowTracking(entry: id.index, offset: e.offset, rows: rows, width: width, touched: touched, all: false)
        let at = rowTracking.firstIndex { $0.offset > e.offset } ?? rowTracking.count
        rowTracking.insert(t, at: at)
        for (i, tr) in rowTracking.enumerated() { trackerOfEntry[tr.entry] = i }
    }

    /// The tracking of entry `index`, if its rows are tracked.
    @inline(__always) public func gradientRowTracking(entry index: Int) -> RowTracking? {
        let t = trackerOfEntry[index]
        return t < 0 ? nil : rowTracking[t]
    }

    /// Flags the rows `rows[0..<count]` of `id`'s gradient as written (ids already checked against the
    /// table; an untracked parameter ignores the call).
    public func markGradientRows(_ id: ParameterID, rows: UnsafePointer<Int32>, count: Int) {
        let t = trackerOfEntry[id.index]
        if t < 0 || rowTracking[t].all { return }
        let touched = rowTracking[t].touched
        for i in 0..<count { touched[Int(rows[i])] = 1 }
    }

    /// Marks every row of `id` (nil: of every tracked table) as possibly non-zero: after a dense write.
    public func markAllGradientRows(_ id: ParameterID? = nil) {
        for i in rowTracking.indices where id.map({ rowTracking[i].entry == $0.index }) ?? true { rowTracking[i].all = true }
    }

    /// Rows of `id` flagged since the last `zeroGradients()` (its row count after a dense write); nil when untracked.
    public func touchedGradientRows(_ id: ParameterID) -> Int? {
        guard let t = gradientRowTracking(entry: id.index) else { return nil }
        if t.all { return t.rows }
        var n = 0
        for r in 0..<t.rows where t.touched[r] != 0 { n += 1 }
        return n
    }

    /// Calls `body` with the slab ranges of entry `index` whose gradient may be non-zero, in slab order:
    /// the whole entry, or for a tracked table its flagged rows (adjacent rows merged). Every other
    /// gradient float of the entry is zero, so a sum or a scaling over these ranges equals one over the
    /// whole entry, bit for bit.
    @inline(__always) public func forEachGradientRange(entry index: Int, _ body: (Range<Int>) -> Void) {
        let e = entries[index]
        guard let t = gradientRowTracking(entry: index), !t.all else { body(e.offset..<(e.offset + e.shape.count)); return }
        var r = 0
        while r < t.rows {
            if t.touched[r] == 0 { r += 1; continue }
            let first = r
            while r < t.rows && t.touched[r] != 0 { r += 1 }
            body((t.offset + first * t.width)..<(t.offset + r * t.width))
        }
    }

    /// Multiplies every gradient by `factor` (untouched rows of tracked tables are zero and stay so).
    public func scaleGradients(by factor: Float) {
        guard let g = gradSlab else { return }
        for i in entries.indices {
            forEachGradientRange(entry: i) { range in
                for j in range { g[j] *= factor }
            }
        }
    }

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
