import Platform

/// One bottleneck adapter at one place of one block (AdapterHub's `Adapter` with `scaling` 1, no gating, no
/// adapter LayerNorms, no dropout): a = f(u W_downᵀ + b_down), out = s + a W_upᵀ + b_up, where u is what the
/// adapter reads (the sub-layer output s, or for a Pfeiffer adapter the block's LayerNorm of s + residual).
/// Weights `<prefix>adapter_down.0.{weight,bias}` [m, d] and `<prefix>adapter_up.{weight,bias}` [d, m], as
/// AdapterHub names them. `Buffers` hold, for up to `tokens` positions, what the backward reads.
final class BottleneckAdapter {
    let down: Linear, up: Linear
    let activation: Activation
    let readsNormalizedSum: Bool
    let width: Int
    let hidden: Int

    struct Buffers {
        let input: Tensor          // u [n, d]: what `down` read
        let pre: Tensor            // z [n, m]: before the non-linearity
        let act: Tensor            // a [n, m]
        let sum: Tensor?           // p [n, d]: s + residual, the LayerNorm's input (Pfeiffer)
        let mean: Tensor?, rstd: Tensor?  // [n] the LayerNorm's statistics (Pfeiffer)
    }

    init(prefix: String, hidden d: Int, config c: BottleneckAdapterConfig, store: ParameterStore) throws {
        let m = c.bottleneck(hidden: d)
        width = m; hidden = d
        activation = c.nonLinearity
        readsNormalizedSum = c.architecture.readsNormalizedSum
        down = try Linear(prefix + "adapter_down.0", inFeatures: d, outFeatures: m, store: store, initializerRange: 0.02)
        up = try Linear(prefix + "adapter_up", inFeatures: m, outFeatures: d, store: store, initializerRange: 0.02)
        if c.initWeights == .mamAdapter {
            try store.setInitializer(down.weight, .uniform(bound: 1 / Float(d).squareRoot()))
            try store.setInitializer(up.weight, .zeros)
        }
    }

    func buffers(tokens n: Int, _ allocate: (Shape) throws -> Tensor) throws -> Buffers {
        Buffers(input: try allocate(.matrix(n, hidden)), pre: try allocate(.matrix(n, width)), act: try allocate(.matrix(n, width)),
                sum: readsNormalizedSum ? try allocate(.matrix(n, hidden)) : nil,
                mean: readsNormalizedSum ? try allocate(.vector(n)) : nil, rstd: readsNormalizedSum ? try allocate(.vector(n)) : nil)
    }

    @inline(__always) func live(_ t: Tensor, _ n: Int) -> Tensor { Tensor(data: t.data, shape: .matrix(n, hidden)) }
    /// [n, m] over a bottleneck buffer (which may be wider: the inference pass shares one among adapters).
    @inline(__always) func narrow(_ t: Tensor, _ n: Int) -> Tensor { Tensor(data: t.data, shape: .matrix(n, width)) }

    /// s ← s + adapter(u) for the first n positions; `residual` and `norm` are the block's (Pfeiffer reads
    /// norm(s + residual)); `scratch` [n, d] is overwritten.
    func forward(_ s: Tensor, residual x: Tensor, norm: LayerNorm, buffers b: Buffers, scratch: Tensor, tokens n: Int) {
        let u = live(b.input, n)
        if let sum = b.sum, let mean = b.mean, let rstd = b.rstd {
            ResidualOp.forwardUnchecked(s.data, x.data, sum.data, count: n * hidden)
            norm.forwardUnchecked(live(sum, n), into: u, mean: mean, rstd: rstd)
        } else {
            u.data.update(from: s.data, count: n * hidden)
        }
        down.forwardUnchecked(u, into: narrow(b.pre, n))
        activation.forwardUnchecked(b.pre.data, b.act.data, count: n * width)
        up.forwardUnchecked(narrow(b.act, n), into: live(scratch, n))
        ResidualOp.accumulateUnchecked(scratch.data, into: s.data, count: n * hidden)
    }

    /// Given ds = d loss / d(the adapted s) (updated in place to d loss / d(s before the adapter)), adds the
    /// weights' gradients and, for a Pfeiffer adapter, the residual's share to `dResidual`. `scratchD` [n, d],
    /// `scratchD2` [n, d] and `scratchM` [n, ≥ m] are overwritten.
    func backward(_ ds: Tensor, dResidual: Tensor, norm: LayerNorm, buffers b: Buffers, scratchD: Tensor, scratchD2: Tensor, scratchM: Tensor,
                  tokens n: Int) {
        let dA = Tensor(data: scratchM.data, shape: .matrix(n, width))
        up.backwardUnchecked(dy: ds, x: narrow(b.act, n), dx: dA)
        activation.backwardUnchecked(dy: dA.data, x: b.pre.data, y: b.act.data, dx: dA.data, count: n * width)
        let dU = live(scratchD, n)
        down.backwardUnchecked(dy: dA, x: live(b.input, n), dx: dU)
        if let sum = b.sum, let mean = b.mean, let rstd = b.rstd {
            let dP = live(scratchD2, n)
            norm.backwardUnchecked(dy: dU, x: live(sum, n), mean: mean, rstd: rstd, dx: dP)
            ResidualOp.accumulateUnchecked(dP.data, into: ds.data, count: n * hidden)
            ResidualOp.accumulateUnchecked(dP.data, into: dResidual.data, count: n * hidden)
        } else {
            ResidualOp.accumulateUnchecked(dU.data, into: ds.data, count: n * hidden)
        }
    }
}

/// MAD-X's invertible adapter on the embedding output: a NICE coupling block (AdapterHub `NICECouplingBlock`).
/// With x = [x₁ | x₂] split at d₁ = ⌊d/2⌋: y₁ = x₁ + F(x₂), y₂ = x₂ + G(y₁); inverted (before the MLM
/// decoder) as x₂ = y₂ − G(y₁), x₁ = y₁ − F(x₂). F and G are Linear → f → Linear with hidden widths
/// ⌊d₂/r⌋ and ⌊d₁/r⌋. Weights `<prefix>F.0`, `F.2`, `G.0`, `G.2` (`.weight`, `.bias`), BERT-initialized.
/// The encoder runs it forward, the MLM head inverted, each pass with its own `Buffers`.
final class InvertibleAdapter {
    let f0: Linear, f2: Linear, g0: Linear, g2: Linear
    let activation: Activation
    let d1: Int, d2: Int, hf: Int, hg: Int

    struct Buffers {
        let first: Tensor                  // [n, d₂] x₂ (forward) / [n, d₁] y₁ (inverse): what the first subnet read
        let firstPre: Tensor, firstAct: Tensor    // [n, hF] (forward: F) / [n, hG] (inverse: G)
        let second: Tensor                 // [n, d₁] y₁ (forward) / [n, d₂] x₂ (inverse): what the second subnet read
        let secondPre: Tensor, secondAct: Tensor  // [n, hG] (forward: G) / [n, hF] (inverse: F)
        let scratchA: Tensor, scratchB: Tensor    // [n, max(d₁, d₂)]
        let scratchH: Tensor                      // [n, max(hF, hG)]
    }

    init(prefix: String, hidden d: Int, config c: BottleneckAdapterConfig, store: ParameterStore) throws {
        d1 = d / 2; d2 = d - d / 2
        hf = Swift.max(1, Int((Double(d2) / c.invertibleReductionFactor).rounded(.down)))
        hg = Swift.max(1, Int((Double(d1) / c.invertibleReductionFactor).rounded(.down)))
        activation = c.nonLinearity
        f0 = try Linear(prefix + "F.0", inFeatures: d2, outFeatures: hf, store: store, initializerRange: 0.02)
        f2 = try Linear(prefix + "F.2", inFeatures: hf, outFeatures: d1, store: store, initializerRange: 0.02)
        g0 = try Linear(prefix + "G.0", inFeatures: d1, outFeatures: hg, store: store, initializerRange: 0.02)
        g2 = try Linear(prefix + "G.2", inFeatures: hg, outFeatures: d2, store: store, initializerRange: 0.02)
    }

    func buffers(tokens n: Int, inverse: Bool, _ allocate: (Shape) throws -> Tensor) throws -> Buffers {
        let (a, b) = inverse ? (d1, d2) : (d2, d1)
        let (ha, hb) = inverse ? (hg, hf) : (hf, hg)
        return Buffers(first: try allocate(.matrix(n, a)), firstPre: try allocate(.matrix(n, ha)), firstAct: try allocate(.matrix(n, ha)),
                       second: try allocate(.matrix(n, b)), secondPre: try allocate(.matrix(n, hb)), secondAct: try allocate(.matrix(n, hb)),
                       scratchA: try allocate(.matrix(n, Swift.max(d1, d2))), scratchB: try allocate(.matrix(n, Swift.max(d1, d2))),
                       scratchH: try allocate(.matrix(n, Swift.max(hf, hg))))
    }

    /// Copies columns [from, from + width) of x [n, d] (times −1 with `negated`) into out [n, width].
    @inline(__always) static func gather(_ x: UnsafePointer<Float>, d: Int, from: Int, width: Int, into out: UnsafeMutablePointer<Float>, rows n: Int,
                                         negated: Bool = false) {
        for i in 0..<n {
            if negated {
                let src = x + i * d + from, dst = out + i * width
                for j in 0..<width { dst[j] = -src[j] }
            } else {
                (out + i * width).update(from: x + i * d + from, count: width)
            }
        }
    }
    /// x[:, from ..< from + width] += sign · v [n, width].
    @inline(__always) static func add(_ v: UnsafePointer<Float>, sign: Float, into x: UnsafeMutablePointer<Float>, d: Int, from: Int, width: Int, rows n: Int) {
        for i in 0..<n {
            let row = x + i * d + from, src = v + i * width
            for j in 0..<width { row[j] += sign * src[j] }
        }
    }

    /// out [n, out] = sub(input [n, in]): Linear → f → Linear, keeping the pre-activation and activation.
    private func subnet(_ l0: Linear, _ l2: Linear, input: Tensor, pre: Tensor, act: Tensor, out: Tensor, n: Int) {
        l0.forwardUnchecked(Tensor(data: input.data, shape: .matrix(n, l0.inFeatures)), into: Tensor(data: pre.data, shape: .matrix(n, l0.outFeatures)))
        activation.forwardUnchecked(pre.data, act.data, count: n * l0.outFeatures)
        l2.forwardUnchecked(Tensor(data: act.data, shape: .matrix(n, l0.outFeatures)), into: Tensor(data: out.data, shape: .matrix(n, l2.outFeatures)))
    }
    /// Backward of `subnet` from dOut [n, out]: weights' gradients added, dInput [n, in] written.
    private func subnetBackward(_ l0: Linear, _ l2: Linear, dOut: Tensor, input: Tensor, pre: Tensor, act: Tensor, dInput: Tensor,
                                scratch: Tensor, n: Int) {
        let h = l0.outFeatures
        let dH = Tensor(data: scratch.data, shape: .matrix(n, h))
        l2.backwardUnchecked(dy: Tensor(data: dOut.data, shape: .matrix(n, l2.outFeatures)), x: Tensor(data: act.data, shape: .matrix(n, h)), dx: dH)
        activation.backwardUnchecked(dy: dH.data, x: pre.data, y: act.data, dx: dH.data, count: n * h)
        l0.backwardUnchecked(dy: dH, x: Tensor(data: input.data, shape: .matrix(n, l0.inFeatures)),
                             dx: Tensor(data: dInput.data, shape: .matrix(n, l0.inFeatures)))
    }

    /// In place over x [n, d]: y₁ = x₁ + F(x₂), y₂ = x₂ + G(y₁).
    func forward(_ x: UnsafeMutablePointer<Float>, buffers b: Buffers, tokens n: Int) {
        let d = d1 + d2
        Self.gather(x, d: d, from: d1, width: d2, into: b.first.data, rows: n)
        subnet(f0, f2, input: b.first, pre: b.firstPre, act: b.firstAct, out: b.scratchA, n: n)
        Self.add(b.scratchA.data, sign: 1, into: x, d: d, from: 0, width: d1, rows: n)
        Self.gather(x, d: d, from: 0, width: d1, into: b.second.data, rows: n)
        subnet(g0, g2, input: b.second, pre: b.secondPre, act: b.secondAct, out: b.scratchA, n: n)
        Self.add(b.scratchA.data, sign: 1, into: x, d: d, from: d1, width: d2, rows: n)
    }

    /// In place over dY [n, d] (the gradient w.r.t. the forward's output) → the gradient w.r.t. its input.
    func backward(_ dy: UnsafeMutablePointer<Float>, buffers b: Buffers, tokens n: Int) {
        let d = d1 + d2
        // y₂ = x₂ + G(y₁): dy₁ += J_Gᵀ dy₂ (dx₂ starts as dy₂).
        Self.gather(dy, d: d, from: d1, width: d2, into: b.scratchA.data, rows: n)
        subnetBackward(g0, g2, dOut: b.scratchA, input: b.second, pre: b.secondPre, act: b.secondAct, dInput: b.scratchB, scratch: b.scratchH, n: n)
        Self.add(b.scratchB.data, sign: 1, into: dy, d: d, from: 0, width: d1, rows: n)
        // y₁ = x₁ + F(x₂): dx₁ = dy₁, dx₂ += J_Fᵀ dy₁.
        Self.gather(dy, d: d, from: 0, width: d1, into: b.scratchA.data, rows: n)
        subnetBackward(f0, f2, dOut: b.scratchA, input: b.first, pre: b.firstPre, act: b.firstAct, dInput: b.scratchB, scratch: b.scratchH, n: n)
        Self.add(b.scratchB.data, sign: 1, into: dy, d: d, from: d1, width: d2, rows: n)
    }

    /// In place over y [n, d]: x₂ = y₂ − G(y₁), x₁ = y₁ − F(x₂).
    func inverse(_ y: UnsafeMutablePointer<Float>, buffers b: Buffers, tokens n: Int) {
        let d = d1 + d2
        Self.gather(y, d: d, from: 0, width: d1, into: b.first.data, rows: n)
        subnet(g0, g2, input: b.first, pre: b.firstPre, act: b.firstAct, out: b.scratchA, n: n)
        Self.add(b.scratchA.data, sign: -1, into: y, d: d, from: d1, width: d2, rows: n)
        Self.gather(y, d: d, from: d1, width: d2, into: b.second.data, rows: n)
        subnet(f0, f2, input: b.second, pre: b.secondPre, act: b.secondAct, out: b.scratchA, n: n)
        Self.add(b.scratchA.data, sign: -1, into: y, d: d, from: 0, width: d1, rows: n)
    }

    /// In place over dX [n, d] (the gradient w.r.t. the inverse's output) → the gradient w.r.t. its input.
    func inverseBackward(_ dx: UnsafeMutablePointer<Float>, buffers b: Buffers, tokens n: Int) {
        let d = d1 + d2
        // x₁ = y₁ − F(x₂): dy₁ = dx₁; F's output receives −dx₁, and dx₂ += J_Fᵀ(−dx₁).
        Self.gather(dx, d: d, from: 0, width: d1, into: b.scratchA.data, rows: n, negated: true)
        subnetBackward(f0, f2, dOut: b.scratchA, input: b.second, pre: b.secondPre, act: b.secondAct, dInput: b.scratchB, scratch: b.scratchH, n: n)
        Self.add(b.scratchB.data, sign: 1, into: dx, d: d, from: d1, width: d2, rows: n)
        // x₂ = y₂ − G(y₁): dy₂ = dx₂; G's output receives −dx₂, and dy₁ += J_Gᵀ(−dx₂).
        Self.gather(dx, d: d, from: d1, width: d2, into: b.scratchA.data, rows: n, negated: true)
        subnetBackward(g0, g2, dOut: b.scratchA, input: b.first, pre: b.firstPre, act: b.firstAct, dInput: b.scratchB, scratch: b.scratchH, n: n)
        Self.add(b.scratchB.data, sign: 1, into: dx, d: d, from: 0, width: d1, rows: n)
    }
}
