/// LayerNorm with HF's parameter names `<name>.weight` (γ) and `<name>.bias` (β). Mean and rstd per row
/// are saved by the caller-provided buffers for the backward.
public final class LayerNorm {
    public unowned let store: ParameterStore
    public let gamma: ParameterID, beta: ParameterID
    public let dim: Int
    public let eps: Float

    public init(_ name: String, dim: Int, eps: Float, store: ParameterStore, group: Int = 0) throws {
        self.store = store; self.dim = dim; self.eps = eps
        gamma = try store.register(name + ".weight", .vector(dim), initializer: .ones, group: group)
        beta = try store.register(name + ".bias", .vector(dim), initializer: .zeros, group: group)
    }

    public func forward(_ x: Tensor, into y: Tensor, mean: Tensor, rstd: Tensor) throws {
        try LayerNormOp.forward(x: x, gamma: store.value(gamma), beta: store.value(beta), eps: eps, y: y, mean: mean, rstd: rstd)
    }
    public func backward(dy: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, dx: Tensor, accumulate: Bool = false) throws {
        try LayerNormOp.backward(dy: dy, x: x, gamma: store.value(gamma), mean: mean, rstd: rstd, dx: dx,
                                 dGamma: store.gradient(gamma), dBeta: store.gradient(beta), accumulate: accumulate)
    }
    @inline(__always) func forwardUnchecked(_ x: Tensor, into y: Tensor, mean: Tensor, rstd: Tensor) {
        LayerNormOp.forwardUnchecked(x: x.data, gamma: store.value(gamma).data, beta: store.value(beta).data, eps: eps,
                                     y: y.data, mean: mean.data, rstd: rstd.data, rows: x.shape.rows, dim: dim)
    }
    @inline(__always) func backwardUnchecked(dy: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, dx: Tensor, accumulate: Bool = false) {
        LayerNormOp.backwardUnchecked(dy: dy.data, x: x.data, gamma: store.value(gamma).data, mean: mean.data, rstd: rstd.data,
                                      dx: dx.data, dGamma: store.gradient(gamma).data, dBeta: store.gradient(beta).data,
                                      rows: x.shape.rows, dim: dim, accumulate: accumulate)
    }
}
