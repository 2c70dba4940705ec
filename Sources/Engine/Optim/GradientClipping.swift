import Platform

/// Global-norm gradient clipping over every non-frozen parameter (torch.nn.utils.clip_grad_norm_):
/// if ‖g‖ > maxNorm, g ← g · maxNorm / (‖g‖ + 1e-6). Returns the norm before clipping.
public enum GradientClipping {
    /// The L2 norm of the non-frozen gradients, summed in Double in slab order.
    public static func globalNorm(_ store: ParameterStore) -> Float {
        let g = store.gradients.data
        var total = 0.0
        for e in store.entries where !store.groups[e.group].frozen {
            var s = 0.0
            for i in e.offset..<(e.offset + e.shape.count) { s += Double(g[i]) * Double(g[i]) }
            total += s
        }
        return Float(total.squareRoot())
    }

    @discardableResult
    public static func clip(_ store: ParameterStore, maxNorm: Float) throws -> Float {
        let norm = globalNorm(store)
        try EngineError.require(norm.isFinite, "clip_grad_norm", "gradient norm is \(norm) over \(store.count) parameters")
        let coef = maxNorm / (norm + 1e-6)
        if coef < 1 {
            let g = store.gradients.data
            for e in store.entries where !store.groups[e.group].frozen {
                for i in e.offset..<(e.offset + e.shape.count) { g[i] *= coef }
            }
        }
        return norm
    }
}
