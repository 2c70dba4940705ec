/// A fully connected layer with PyTorch's parameters `<name>.weight` [out, in] and `<name>.bias` [out]:
/// y = x Wᵀ + b. It owns no activations: callers pass the input and output buffers.
public final class Linear {
    public unowned let store: ParameterStore
    public let weight: ParameterID
    public let bias: ParameterID?
    public let inFeatures: Int, outFeatures: Int

    public init(_ name: String, inFeatures: Int, outFeatures: Int, bias: Bool = true, store: ParameterStore,
                initializerRange: Float = 0.02, group: Int = 0) throws {
        self.store = store; self.inFeatures = inFeatures; self.outFeatures = outFeatures
        weight = try store.register(name + ".weight", .matrix(outFeatures, inFeatures), initializer: .normal(std: initializerRange), group: group)
        self.bias = bias ? try store.register(name + ".bias", .vector(outFeatures), initializer: .zeros, group: group) : nil
    }

    public func forward(_ x: Tensor, into y: Tensor) throws {
        try LinearOp.forward(x: x, weight: store.value(weight), bias: bias.map(store.value), y: y, precision: store.precision)
    }
    /// Accumulates parameter gradients; writes dx (or adds to it with `accumulateInput`) unless dx is nil.
    public func backward(dy: Tensor, x: Tensor, dx: Tensor?, accumulateInput: Bool = false) throws {
        try LinearOp.backward(dy: dy, x: x, weight: store.value(weight), dx: dx, dWeight: store.gradient(weight),
                              dBias: bias.map(store.gradient), accumulateInput: accumulateInput, precision: store.precision)
    }
    @inline(__always) func forwardUnchecked(_ x: Tensor, into y: Tensor) {
        LinearOp.forwardUnchecked(x: x, weight: store.value(weight), bias: bias.map(store.value), y: y, precision: store.precision)
    }
    /// `weights` false: dx only, no parameter gradients (a frozen layer under adapters).
    @inline(__always) func backwardUnchecked(dy: Tensor, x: Tensor, dx: Tensor?, accumulateInput: Bool = false, weights: Bool = true) {
        LinearOp.backwardUnchecked(dy: dy, x: x, weight: store.value(weight), dx: dx, dWeight: weights ? store.gradient(weight) : nil,
                                   dBias: weights ? bias.map(store.gradient) : nil, accumulateInput: accumulateInput, precision: store.precision)
    }
}
