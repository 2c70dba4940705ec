import Platform

/// Global-norm gradient clipping over every non-frozen parameter (torch.nn.utils.clip_grad_norm_):
/// if ‖g‖ > maxNorm, g ← g · maxNorm / (‖g‖ + 1e-6). Returns the norm before clipping.
public enum GradientClipping {
    /// The L2 norm of the non-frozen gradients, summed in Double in slab order. Untouched rows of a tracked
    /// table (`ParameterStore.forEachGradientRange`) are zero and skipped, which leaves every partial sum as it is.
    public static func globalNorm(_ store: ParameterStore) -> Float {
        let g = store.gradients.data
        var total = 0.0
        for (index, e) in store.entries.enumerated() where !store.groups[e.group].frozen {
            var s = 0.0
            store.forEachGradientRange(entry: index) { range in
                for i in range { s += Double(g[i]) * Double(g[i]) }
            }
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
            for (index, e) in store.entries.enumerated() where !store.groups[e.group].frozen {
                store.forEachGradientRange(entry: index) { range in
                    for i in range { g[i] *= coef }
                }
            }
        }
        return norm
    }
}
