import Engine
import Platform

/// A quadratic pull of some parameters towards anchor values, added to the training loss:
/// penalty = c/2 · Σᵢ wᵢ (θᵢ − aᵢ)², gradient c · wᵢ (θᵢ − aᵢ). The regularizers against forgetting are two
/// cases of it on the shared encoder's parameters:
///
/// - L2-SP (Li, Grandvalet & Davoine 2018): w = 1, a = the weights at the start of the stage, c = `strategy.l2_sp`;
/// - EWC (Kirkpatrick et al. 2017): c = `strategy.ewc`, w = F = Σₖ Fₖ and a = Σₖ Fₖθ*ₖ / F over the earlier
///   stages k, each with its diagonal Fisher Fₖ and its weights θ*ₖ at its end — the one quadratic whose gradient
///   is that of the sum of every stage's penalty λ/2·Σ Fₖ(θ − θ*ₖ)² (the values differ by a constant, which
///   the logged penalty leaves out).
///
/// The anchor and weights are copied once into buffers of their own; `addGradient` reads and writes the
/// slabs in place and allocates nothing.
public final class AnchorPenalty {
    public let coefficient: Float
    /// Slab ranges covered, in slab order; the buffers hold one float per covered float, in that order.
    public let ranges: [Range<Int>]
    /// Covered parameters whose gradient rows the store tracks: every row is written, so they are marked.
    let tracked: [ParameterID]
    let anchor: UnsafeMutablePointer<Float>
    /// nil: every weight 1 (L2-SP).
    let weights: UnsafeMutablePointer<Float>?
    public let count: Int

    /// Covers the store entries `entries` (indices); `anchor` and `weights` hold one float per covered float in
    /// entry order (`weights` nil: all 1).
    public init(store: ParameterStore, entries: [Int], coefficient: Float, anchor: [Float], weights: [Float]?) throws {
        let sorted = entries.sorted()
        ranges = sorted.map { store.entries[$0].offset..<(store.entries[$0].offset + store.entries[$0].shape.count) }
        count = ranges.reduce(0) { $0 + $1.count }
        try EngineError.require(anchor.count == count, "penalty", "the anchor has \(anchor.count) floats, the covered parameters \(count)")
        if let weights {
            try EngineError.require(weights.count == count, "penalty", "the weights have \(weights.count) floats, the covered parameters \(count)")
        }
        try EngineError.require(coefficient >= 0 && coefficient.isFinite, "penalty", "coefficient \(coefficient) is not a non-negative number")
        self.coefficient = coefficient
        tracked = sorted.compactMap { store.gradientRowTracking(entry: $0) != nil ? store.id(store.entries[$0].name) : nil }
        let n = count
        let a = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
        anchor.withUnsafeBufferPointer { if let base = $0.baseAddress { a.initialize(from: base, count: n) } }
        self.anchor = a
        if let weights {
            let w = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
            weights.withUnsafeBufferPointer { if let base = $0.baseAddress { w.initialize(from: base, count: n) } }
            self.weights = w
        } else {
            self.weights = nil
        }
    }

    deinit {
        anchor.deallocate()
        weights?.deallocate()
    }

    /// The covered floats' values, in the buffers' order (an anchor taken from the store).
    public static func values(_ store: ParameterStore, entries: [Int]) -> [Float] {
        var out: [Float] = []
        for i in entries.sorted() {
            let e = store.entries[i]
            for j in e.offset..<(e.offset + e.shape.count) { out.append(store.values[j]) }
        }
        return out
    }

    /// c/2 · Σ w (θ − a)² at the store's values, summed in Double.
    public func value(_ store: ParameterStore) -> Double {
        let theta = store.values.data
        var sum = 0.0, k = 0
        for r in ranges {
            for i in r {
                let d = Double(theta[i]) - Double(anchor[k])
                sum += Double(weights?[k] ?? 1) * d * d
                k += 1
            }
        }
        return Double(coefficient) / 2 * sum
    }

    /// Adds c · w (θ − a) to the store's gradients and returns the penalty's value (as `value`).
    @discardableResult
    public func addGradient(_ store: ParameterStore) -> Double {
        let theta = store.values.data, g = store.gradients.data
        let c = coefficient
        var sum = 0.0, k = 0
        if let w = weights {
            for r in ranges {
                for i in r {
                    g[i] += c * w[k] * (theta[i] - anchor[k])
                    let d = Double(theta[i]) - Double(anchor[k])
                    sum += Double(w[k]) * d * d
                    k += 1
                }
            }
        } else {
            for r in ranges {
                for i in r {
                    g[i] += c * (theta[i] - anchor[k])
                    let d = Double(theta[i]) - Double(anchor[k])
                    sum += d * d
                    k += 1
                }
            }
        }
        for id in tracked { store.markAllGradientRows(id) }
        return Double(c) / 2 * sum
    }
}
