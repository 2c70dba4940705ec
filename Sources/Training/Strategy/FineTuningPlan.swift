import Runs
/// How each layer group trains at a given step under a fine-tuning strategy.
public struct GroupSetting: Equatable, Sendable {
    /// Multiplies the scheduled learning rate (discriminative learning rates).
    public var lrMultiplier: Double
    public var frozen: Bool
    public init(lrMultiplier: Double, frozen: Bool) { self.lrMultiplier = lrMultiplier; self.frozen = frozen }
}

/// Fine-tuning strategies as pure functions of (layer group, step). Layer groups are numbered from the
/// bottom: 0 the embeddings, 1…L the encoder layers, L+1 everything above the encoder (heads).
public struct FineTuningPlan: Equatable, Sendable {
    public let settings: StrategySettings
    public let layerCount: Int

    public init(settings: StrategySettings, layerCount: Int) {
        precondition(layerCount >= 0)
        self.settings = settings
        self.layerCount = layerCount
    }

    public var groupCount: Int { layerCount + 2 }
    public var topGroup: Int { layerCount + 1 }

    /// Whether group `g` is frozen before optimizer step `step` (0-based count of steps done).
    public func isFrozen(group g: Int, step: Int) -> Bool {
        precondition(g >= 0 && g < groupCount, "layer group \(g) outside 0..<\(groupCount)")
        switch settings.kind {
        case .full: return false
        case .frozenEncoder, .adapters, .lora, .madx: return g < topGroup
        case .freezeLower: return g <= min(settings.freezeLayers, layerCount) && settings.freezeLayers > 0
        case .gradualUnfreeze:
            // ULMFiT: heads train from the start; after every `unfreeze_every` steps one more group thaws.
            let thawed = step / settings.unfreezeEvery
            return g < topGroup - thawed
        }
    }

    /// decay^(L−l) for encoder layer l, decay^L for the embeddings, the head multiplier for the heads.
    public func lrMultiplier(group g: Int) -> Double {
        precondition(g >= 0 && g < groupCount, "layer group \(g) outside 0..<\(groupCount)")
        if g == topGroup { return settings.headLRMultiplier }
        if settings.layerLRDecay == 1 { return 1 }
        var m = 1.0
        for _ in 0..<(layerCount - g) { m *= settings.layerLRDecay }
        return m
    }

    public func setting(group g: Int, step: Int) -> GroupSetting {
        GroupSetting(lrMultiplier: lrMultiplier(group: g), frozen: isFrozen(group: g, step: step))
    }

    /// Every group's setting, indexed by group.
    public func settings(step: Int) -> [GroupSetting] {
        (0..<groupCount).map { setting(group: $0, step: step) }
    }

    /// Whether any group's frozen flag differs between `step - 1` and `step` (so the trainer re-applies flags).
    public func changes(at step: Int) -> Bool {
        guard step > 0, settings.kind == .gradualUnfreeze else { return false }
        return step % settings.unfreezeEvery == 0 && step / settings.unfreezeEvery <= groupCount
    }

    /// The layer group of a parameter from its dotted name: names with an `embeddings` component are
    /// group 0; a `layer`/`layers`/`layer_N` component with index i (0-based) puts it in group i+1;
    /// everything else (heads, pooler) is the top group. `encoder.layer.3.attention.query.weight` → 4.
    public static func group(ofParameter name: String, layerCount: Int) -> Int {
        let parts = name.split(separator: ".").map(String.init)
        for (i, p) in parts.enumerated() {
            let lower = p.lowercased()
            if lower == "embeddings" || lower == "embedding" || lower.hasSuffix("_embeddings") || lower == "embed" {
                return 0
            }
            if lower == "layer" || lower == "layers" || lower == "h" || lower == "blocks", i + 1 < parts.count, let index = Int(parts[i + 1]) {
                return min(index, layerCount - 1) + 1
            }
            if lower.hasPrefix("layer_") || lower.hasPrefix("layers_"), let index = Int(lower.split(separator: "_").last ?? "") {
                return min(index, layerCount - 1) + 1
            }
        }
        return layerCount + 1
    }
}
