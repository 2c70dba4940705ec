import Platform
import Foundation

/// Fused masked scaled-dot-product attention over a packed projection qkv [B·T, 3D] (queries, keys,
/// values side by side; head h at columns h·d..<(h+1)·d of each), as BERT's self-attention:
/// P = softmax(Q Kᵀ/√d + mask), O = dropout(P) V. Keys whose mask is 0 get probability 0; keys past the
/// last real token of a sequence are not computed at all. Padded query rows are computed like any other
/// (as HF does) so outputs match position for position. P (before dropout) is saved for the backward.
///
/// Each (batch, head) pair runs on one worker with its own loops (no BLAS inside the parallel region);
/// the products are written as rank-1 updates over contiguous rows, which vectorize.
public enum AttentionOp {
    public struct Dimensions: Sendable, Equatable {
        public var batch: Int, length: Int, heads: Int, headDim: Int
        public init(batch: Int, length: Int, heads: Int, headDim: Int) {
            self.batch = batch; self.length = length; self.heads = heads; self.headDim = headDim
        }
        public var model: Int { heads * headDim }
        public var probabilityCount: Int { batch * heads * length * length }
    }

    /// Scratch floats for `slots` workers.
    public static func scratchFloats(length: Int, headDim: Int, slots: Int) -> Int { slots * slotFloats(length, headDim) }
    static func slotFloats(_ t: Int, _ hd: Int) -> Int { (2 * t * t + hd * t + t + 15) / 16 * 16 }

    static func validate(_ op: String, _ dims: Dimensions, qkv: Tensor, mask: UnsafeBufferPointer<Int32>?, probs: Tensor,
                         dropout: Tensor?, out: Tensor, scratch: Tensor) throws {
        let n = dims.batch * dims.length, d = dims.model
        try EngineError.require(qkv.shape.rows == n && qkv.shape.last == 3 * d && out.shape.rows == n && out.shape.last == d
                                && probs.count >= dims.probabilityCount && (dropout == nil || dropout!.count >= dims.probabilityCount)
                                && (mask == nil || mask!.count >= n)
                                && scratch.count >= slotFloats(dims.length, dims.headDim), op,
                                "batch \(dims.batch) × length \(dims.length), \(dims.heads) heads of \(dims.headDim): qkv \(qkv.shape), out \(out.shape), probs \(probs.shape), mask \(mask.map { "\($0.count)" } ?? "none"), scratch \(scratch.shape)")
    }

    public static func forward(_ dims: Dimensions, qkv: Tensor, mask: UnsafeBufferPointer<Int32>?, probs: Tensor,
                               dropoutMask: Tensor?, out: Tensor, scratch: Tensor) throws {
        try validate("attention", dims, qkv: qkv, mask: mask, probs: probs, dropout: dropoutMask, out: out, scratch: scratch)
        forwardUnchecked(dims, qkv: qkv.data, mask: mask?.baseAddress, probs: probs.data, dropoutMask: dropoutMask?.data,
                         out: out.data, scratch: scratch.data, scratchCount: scratch.count)
    }

    public static func backward(_ dims: Dimensions, dOut: Tensor, qkv: Tensor, mask: UnsafeBufferPointer<Int32>?, probs: Tensor,
                                dropoutMask: Tensor?, dQKV: Tensor, scratch: Tensor) throws {
        try validate("attention.backward", dims, qkv: qkv, mask: mask, probs: probs, dropout: dropoutMask, out: dOut, scratch: scratch)
        try EngineError.check("attention.backward", "dQKV", dQKV.shape, equals: qkv.shape)
        backwardUnchecked(dims, dOut: dOut.data, qkv: qkv.data, mask: mask?.baseAddress, probs: probs.data,
                          dropoutMask: dropoutMask?.data, dQKV: dQKV.data, scratch: scratch.data, scratchCount: scratch.count)
    }

    /// One past the last key with a nonzero mask in sequence b.
    @inline(__always) static func keyEnd(_ mask: UnsafePointer<Int32>?, _ b: Int, _ t: Int) -> Int {
        guard let mask else { return t }
        var end = t
        while end > 0 && mask[b * t + end - 1] == 0 { end -= 1 }
        return end
    }

    /// Operands of one call, handed to the workers by pointer (no captures, no allocation).
    struct Job {
        var dims: Dimensions
        var qkv: FloatPointer
        var mask: UnsafePointer<Int32>?
        var probs: MutableFloatPointer
        var dropoutMask: FloatPointer?
        var out: MutableFloatPointer   // forward: the context output; backward: unused
        var dOut: FloatPointer?        // backward only
        var dQKV: MutableFloatPointer? // backward only
        var scratch: MutableFloatPointer
        var slot: Int, parts: Int
        /// OpenBLAS is single-threaded (or the products are bf16), so each pair may make its products with
        /// `Matmul.serialGemm`.
        var useBLAS: Bool
        var precision: Precision
    }

    /// Splits the (batch, head) pairs into one contiguous share per scratch slot.
    static func run(_ job: Job, _ kernel: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void) {
        var job = job
        withUnsafeMutablePointer(to: &job) { Threads.parallelFor(chunks: $0.pointee.parts, context: UnsafeMutableRawPointer($0), kernel) }
    }
    static func makeJob(_ dims: Dimensions, qkv: FloatPointer, mask: UnsafePointer<Int32>?, probs: MutableFloatPointer,
                        dropoutMask: FloatPointer?, out: MutableFloatPointer, dOut: FloatPointer?, dQKV: MutableFloatPointer?,
                        scratch: MutableFloatPointer, scratchCount: Int, useBLAS: Bool?, precision: Precision) -> Job {
        let pairs = dims.batch * dims.heads
        let slot = slotFloats(dims.length, dims.headDim)
        let parts = Swift.max(1, Swift.min(Threads.count, pairs, scratchCount / slot))
        return Job(dims: dims, qkv: qkv, mask: mask, probs: probs, dropoutMask: dropoutMask, out: out, dOut: dOut, dQKV: dQKV,
                   scratch: scratch, slot: slot, parts: parts, useBLAS: useBLAS ?? (precision == .bf16 || BLAS.threadCount == 1),
                   precision: precision)
    }

    static func forwardUnchecked(_ dims: Dimensions, qkv: UnsafePointer<Float>, mask: UnsafePointer<Int32>?, probs: UnsafeMutablePointer<Float>,
                                 dropoutMask: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>,
                                 scratch: UnsafeMutablePointer<Float>, scratchCount: Int, useBLAS: Bool? = nil, precision: Precision = .fp32) {
        let job = makeJob(dims, qkv: qkv, mask: mask, probs: probs, dropoutMask: dropoutMask, out: out, dOut: nil, dQKV: nil,
                          scratch: scratch, scratchCount: scratchCount, useBLAS: useBLAS, precision: precision)
        run(job) { raw, p in
            let job = raw!.load(as: Job.self)
            let pairs = job.dims.batch * job.dims.heads
            for pair in (pairs * p / job.parts)..<(pairs * (p + 1) / job.parts) {
                if job.useBLAS {
                    AttentionOp.forwardPairBLAS(job, pair / job.dims.heads, pair % job.dims.heads, job.scratch + p * job.slot)
                } else {
                    AttentionOp.forwardPair(job, pair / job.dims.heads, pair % job.dims.heads, job.scratch + p * job.slot)
                }
            }
        }
    }

    /// Operands of a packed inference call (see `forwardPacked`).
    struct PackedJob {
        var starts: UnsafePointer<Int>
        var sequences: Int, heads: Int, headDim: Int
        var qkv: FloatPointer
        var out: MutableFloatPointer
        var scratch: MutableFloatPointer
        var slot: Int, parts: Int
        var useBLAS: Bool
        var precision: Precision
    }

    /// Inference attention over packed sequences: sequence i is rows starts[i]..<starts[i+1] of qkv [n, 3D]
    /// and of out [n, D], every row a real token, so nothing is padded or masked and each sequence attends
    /// over its own length only. Probabilities live in the worker's scratch and are not kept. The
    /// (sequence, head) pairs are dealt to the workers round-robin, which balances sequences of unequal
    /// length. Each pair computes what `forward` computes for that sequence's real rows.
    public static func forwardPacked(starts: UnsafeBufferPointer<Int>, heads: Int, headDim: Int, qkv: Tensor, out: Tensor,
                                     scratch: Tensor) throws {
        let sequences = starts.count - 1, d = heads * headDim
        try EngineError.require(sequences >= 0 && (starts.first ?? 0) == 0, "attention.packed", "starts must begin at 0")
        var longest = 0
        for i in 0..<Swift.max(0, sequences) {
            try EngineError.require(starts[i + 1] > starts[i], "attention.packed", "sequence \(i) is empty (starts \(starts[i]), \(starts[i + 1]))")
            longest = Swift.max(longest, starts[i + 1] - starts[i])
        }
        let n = starts.last ?? 0
        try EngineError.require(qkv.shape.rows >= n && qkv.shape.last == 3 * d && out.shape.rows >= n && out.shape.last == d
                                && scratch.count >= slotFloats(longest, headDim), "attention.packed",
                                "\(sequences) sequences of \(n) tokens, \(heads) heads of \(headDim): qkv \(qkv.shape), out \(out.shape), scratch \(scratch.shape)")
        forwardPackedUnchecked(starts: starts.baseAddress!, sequences: sequences, longest: longest, heads: heads, headDim: headDim,
                               qkv: qkv.data, out: out.data, scratch: scratch.data, scratchCount: scratch.count)
    }

    static func forwardPackedUnchecked(starts: UnsafePointer<Int>, sequences: Int, longest: Int, heads: Int, headDim: Int,
                                       qkv: FloatPointer, out: MutableFloatPointer, scratch: MutableFloatPointer, scratchCount: Int,
                                       useBLAS: Bool? = nil, precision: Precision = .fp32) {
        if sequences == 0 { return }
        let slot = slotFloats(longest, headDim)
        let parts = Swift.max(1, Swift.min(Threads.count, sequences * heads, scratchCount / slot))
        var job = PackedJob(starts: starts, sequences: sequences, heads: heads, headDim: headDim, qkv: qkv, out: out,
                            scratch: scratch, slot: slot, parts: parts, useBLAS: useBLAS ?? (precision == .bf16 || BLAS.threadCount == 1),
                            precision: precision)
        withUnsafeMutablePointer(to: &job) {
            Threads.parallelFor(chunks: $0.pointee.parts, context: UnsafeMutableRawPointer($0)) { raw, part in
                let job = raw!.load(as: PackedJob.self)
                let hd = job.headDim, d = job.heads * hd
                let slot = job.scratch + part * job.slot
                var pair = part
                while pair < job.sequences * job.heads {
                    let i = pair / job.heads, head = pair % job.heads
                    let start = job.starts[i], t = job.starts[i + 1] - start
                    let p = PairPointers(q: job.qkv + start * 3 * d + head * hd, probs: slot, out: job.out + start * d + head * hd,
                                         mask: nil, dropout: nil)
                    if job.useBLAS {
                        AttentionOp.forwardBLAS(p, t: t, end: t, headDim: hd, model: d, slot + t * t, precision: job.precision)
                    } else {
                        AttentionOp.forwardLoops(p, t: t, end: t, headDim: hd, model: d, slot + t * t)
                    }
                    pair += job.parts
                }
            }
        }
    }

    /// One (sequence, head) of a padded batch: pointers into qkv, probs and out for sequence b.
    static func forwardPair(_ job: Job, _ b: Int, _ head: Int, _ kt: MutableFloatPointer) {
        let dims = job.dims, t = dims.length, h = dims.heads, hd = dims.headDim, d = dims.model
        let p = PairPointers(q: job.qkv + b * t * 3 * d + head * hd, probs: job.probs + (b * h + head) * t * t,
                             out: job.out + b * t * d + head * hd, mask: job.mask.map { $0 + b * t },
                             dropout: job.dropoutMask.map { $0 + (b * h + head) * t * t })
        forwardLoops(p, t: t, end: keyEnd(job.mask, b, t), headDim: hd, model: d, kt)
    }

    /// Where one attention pair reads and writes: queries at `q` (keys and values D and 2D columns on, rows
    /// 3D apart), its probabilities [t, t], its output rows (D apart), its key mask and dropout mask.
    struct PairPointers {
        var q: FloatPointer
        var probs: MutableFloatPointer
        var out: MutableFloatPointer
        var mask: UnsafePointer<Int32>?
        var dropout: FloatPointer?
    }

    /// P = softmax(Q Kᵀ/√d) over the first `end` keys and O = dropout(P) V for one pair, in plain loops;
    /// `kt` holds Kᵀ [hd, t].
    static func forwardLoops(_ p: PairPointers, t: Int, end: Int, headDim hd: Int, model d: Int, _ kt: MutableFloatPointer) {
        let ld = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        let q = p.q, k = q + d, v = q + 2 * d
        // Kᵀ [hd, end] so that each score row is a sum of contiguous rank-1 updates.
        for j in 0..<end { for c in 0..<hd { kt[c * t + j] = k[j * ld + c] } }
        for i in 0..<t {
            let s = p.probs + i * t
            let o = p.out + i * d
            o.update(repeating: 0, count: hd)
            if end == 0 { s.update(repeating: 0, count: t); continue }
            s.update(repeating: 0, count: end)
            let qi = q + i * ld
            for c in 0..<hd {
                let a = qi[c] * scale
                let kr = kt + c * t
                for j in 0..<end { s[j] += a * kr[j] }
            }
            softmaxRow(s, end, t, p.mask)
            let dm = p.dropout.map { $0 + i * t }
            for j in 0..<end {
                let pj = dm.map { s[j] * $0[j] } ?? s[j]
                if pj == 0 { continue }
                let vr = v + j * ld
                for c in 0..<hd { o[c] += pj * vr[c] }
            }
        }
    }

    static func backwardUnchecked(_ dims: Dimensions, dOut: UnsafePointer<Float>, qkv: UnsafePointer<Float>, mask: UnsafePointer<Int32>?,
                                  probs: UnsafePointer<Float>, dropoutMask: UnsafePointer<Float>?, dQKV: UnsafeMutablePointer<Float>,
                                  scratch: UnsafeMutablePointer<Float>, scratchCount: Int, useBLAS: Bool? = nil, precision: Precision = .fp32) {
        let job = makeJob(dims, qkv: qkv, mask: mask, probs: UnsafeMutablePointer(mutating: probs), dropoutMask: dropoutMask,
                          out: dQKV, dOut: dOut, dQKV: dQKV, scratch: scratch, scratchCount: scratchCount, useBLAS: useBLAS,
                          precision: precision)
        run(job) { raw, p in
            let job = raw!.load(as: Job.self)
            let pairs = job.dims.batch * job.dims.heads
            for pair in (pairs * p / job.parts)..<(pairs * (p + 1) / job.parts) {
                if job.useBLAS {
                    AttentionOp.backwardPairBLAS(job, pair / job.dims.heads, pair % job.dims.heads, job.scratch + p * job.slot)
                } else {
                    AttentionOp.backwardPair(job, pair / job.dims.heads, pair % job.dims.heads, job.scratch + p * job.slot)
                }
            }
        }
    }

    static func backwardPair(_ job: Job, _ b: Int, _ head: Int, _ vt: MutableFloatPointer) {
        let dims = job.dims, qkv = job.qkv, mask = job.mask, probs = FloatPointer(job.probs), dropoutMask = job.dropoutMask
        let dOut = job.dOut!, dQKV = job.dQKV!
        let t = dims.length, hd = dims.headDim, h = dims.heads, d = dims.model, ld = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        let dp = vt + hd * t
        let q = qkv + b * t * ld + head * hd, k = q + d, v = q + 2 * d
        let dq = dQKV + b * t * ld + head * hd, dk = dq + d, dv = dq + 2 * d
        let end = keyEnd(mask, b, t)
        for j in 0..<t {
            (dk + j * ld).update(repeating: 0, count: hd)
            (dv + j * ld).update(repeating: 0, count: hd)
        }
        for j in 0..<end { for c in 0..<hd { vt[c * t + j] = v[j * ld + c] } }
        for i in 0..<t {
            let dqi = dq + i * ld
            dqi.update(repeating: 0, count: hd)
            if end == 0 { continue }
            let p = probs + ((b * h + head) * t + i) * t
            let dm = dropoutMask.map { $0 + ((b * h + head) * t + i) * t }
            let go = dOut + (b * t + i) * d + head * hd
            // dP = dO Vᵀ, row i.
            dp.update(repeating: 0, count: end)
            for c in 0..<hd {
                let a = go[c]
                let vr = vt + c * t
                for j in 0..<end { dp[j] += a * vr[j] }
            }
            // dV += dropout(P)ᵀ dO.
            for j in 0..<end {
                let pj = dm.map { p[j] * $0[j] } ?? p[j]
                if pj == 0 { continue }
                let dvr = dv + j * ld
                for c in 0..<hd { dvr[c] += pj * go[c] }
            }
            if let dm { for j in 0..<end { dp[j] *= dm[j] } }
            // Softmax backward: dS = P ⊙ (dP − Σ P dP), then scaled for Q Kᵀ/√d.
            let dot = VectorReductions.dot(p, dp, end)
            for j in 0..<end { dp[j] = p[j] * (dp[j] - dot) * scale }
            let qi = q + i * ld
            for j in 0..<end {
                let g = dp[j]
                if g == 0 { continue }
                let kr = k + j * ld, dkr = dk + j * ld
                for c in 0..<hd { dqi[c] += g * kr[c] }
                for c in 0..<hd { dkr[c] += g * qi[c] }
            }
        }
    }

    /// Softmax of row `s[0..<end]` in place with the key mask; the tail up to t is zeroed.
    @inline(__always) static func softmaxRow(_ s: MutableFloatPointer, _ end: Int, _ t: Int, _ mr: UnsafePointer<Int32>?) {
        if let mr {
            var m = -Float.infinity
            for j in 0..<end where mr[j] != 0 { m = Swift.max(m, s[j]) }
            for j in 0..<end { s[j] = mr[j] != 0 ? FastMath.exp(s[j] - m) : 0 }
        } else {
            let m = VectorReductions.max(s, end)
            for j in 0..<end { s[j] = FastMath.exp(s[j] - m) }
        }
        let inv = 1 / VectorReductions.sum(s, end)
        for j in 0..<end { s[j] *= inv }
        if end < t { (s + end).update(repeating: 0, count: t - end) }
    }

    /// The same pair through single-threaded BLAS products (Q Kᵀ, P V and their transposes), reading the
    /// strided head slices of qkv in place.
    static func forwardPairBLAS(_ job: Job, _ b: Int, _ head: Int, _ scratch: MutableFloatPointer) {
        let dims = job.dims, t = dims.length, h = dims.heads, hd = dims.headDim, d = dims.model
        let p = PairPointers(q: job.qkv + b * t * 3 * d + head * hd, probs: job.probs + (b * h + head) * t * t,
                             out: job.out + b * t * d + head * hd, mask: job.mask.map { $0 + b * t },
                             dropout: job.dropoutMask.map { $0 + (b * h + head) * t * t })
        forwardBLAS(p, t: t, end: keyEnd(job.mask, b, t), headDim: hd, model: d, scratch, precision: job.precision)
    }

    /// `forwardLoops` through BLAS; `scratch` holds dropout(P) [t, t] when there is a dropout mask.
    static func forwardBLAS(_ p: PairPointers, t: Int, end: Int, headDim hd: Int, model d: Int, _ scratch: MutableFloatPointer,
                            precision: Precision) {
        let ld = 3 * d
        let q = p.q, k = q + d, v = q + 2 * d, s = p.probs, o = p.out
        if end == 0 {
            s.update(repeating: 0, count: t * t)
            for i in 0..<t { (o + i * d).update(repeating: 0, count: hd) }
            return
        }
        Matmul.serialGemm(.none, .transposed, m: t, n: end, k: hd, alpha: 1 / Float(hd).squareRoot(), a: q, lda: ld, b: k, ldb: ld,
                          beta: 0, c: s, ldc: t, precision: precision)
        for i in 0..<t { softmaxRow(s + i * t, end, t, p.mask) }
        var probs = FloatPointer(s)
        if let dm = p.dropout {
            for i in 0..<(t * t) { scratch[i] = s[i] * dm[i] }
            probs = FloatPointer(scratch)
        }
        Matmul.serialGemm(.none, .none, m: t, n: hd, k: end, alpha: 1, a: probs, lda: t, b: v, ldb: ld, beta: 0, c: o, ldc: d,
                          precision: precision)
    }

    static func backwardPairBLAS(_ job: Job, _ b: Int, _ head: Int, _ scratch: MutableFloatPointer) {
        let dims = job.dims
        let t = dims.length, hd = dims.headDim, h = dims.heads, d = dims.model, ld = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        let q = job.qkv + b * t * ld + head * hd, k = q + d, v = q + 2 * d
        let dq = job.dQKV! + b * t * ld + head * hd, dk = dq + d, dv = dq + 2 * d
        let dO = job.dOut! + b * t * d + head * hd
        let p = FloatPointer(job.probs + (b * h + head) * t * t)
        let end = keyEnd(job.mask, b, t)
        for j in end..<t {
            (dk + j * ld).update(repeating: 0, count: hd)
            (dv + j * ld).update(repeating: 0, count: hd)
        }
        if end == 0 {
            for i in 0..<t { (dq + i * ld).update(repeating: 0, count: hd) }
            return
        }
        let dp = scratch, dropped = scratch + t * t
        // dP = dO Vᵀ.
        Matmul.serialGemm(.none, .transposed, m: t, n: end, k: hd, alpha: 1, a: dO, lda: d, b: v, ldb: ld, beta: 0, c: dp, ldc: t, precision: job.precision)
        // dV = dropout(P)ᵀ dO.
        var pd = p
        if let dm = job.dropoutMask {
            let dmp = dm + (b * h + head) * t * t
            for i in 0..<(t * t) { dropped[i] = p[i] * dmp[i] }
            for i in 0..<(t * t) { dp[i] *= dmp[i] }
            pd = FloatPointer(dropped)
        }
        Matmul.serialGemm(.transposed, .none, m: end, n: hd, k: t, alpha: 1, a: pd, lda: t, b: dO, ldb: d, beta: 0, c: dv, ldc: ld, precision: job.precision)
        // dS = P ⊙ (dP − Σ P dP) / √d.
        for i in 0..<t {
            let pr = p + i * t, dr = dp + i * t
            let dot = VectorReductions.dot(pr, dr, end)
            for j in 0..<end { dr[j] = pr[j] * (dr[j] - dot) * scale }
        }
        Matmul.serialGemm(.none, .none, m: t, n: hd, k: end, alpha: 1, a: dp, lda: t, b: k, ldb: ld, beta: 0, c: dq, ldc: ld, precision: job.precision)
        Matmul.serialGemm(.transposed, .none, m: end, n: hd, k: t, alpha: 1, a: dp, lda: t, b: q, ldb: ld, beta: 0, c: dk, ldc: ld, precision: job.precision)
    }

    /// The reference: the textbook formula in Double with an additive −∞ mask and materialized matrices.
    /// Returns the output [B·T, D] and, given dOut, dQKV [B·T, 3D]. No dropout.
    public static func naive(_ dims: Dimensions, qkv: [Float], mask: [Int32]?, dOut: [Float]?) -> (out: [Double], dQKV: [Double]) {
        let t = dims.length, hd = dims.headDim, d = dims.model, ld = 3 * d
        var out = [Double](repeating: 0, count: dims.batch * t * d)
        var dqkv = [Double](repeating: 0, count: dims.batch * t * ld)
        let scale = 1 / Double(hd).squareRoot()
        for b in 0..<dims.batch {
            for head in 0..<dims.heads {
                func q(_ i: Int, _ c: Int) -> Double { Double(qkv[(b * t + i) * ld + head * hd + c]) }
                func k(_ i: Int, _ c: Int) -> Double { Double(qkv[(b * t + i) * ld + d + head * hd + c]) }
                func v(_ i: Int, _ c: Int) -> Double { Double(qkv[(b * t + i) * ld + 2 * d + head * hd + c]) }
                for i in 0..<t {
                    var s = [Double](repeating: 0, count: t)
                    for j in 0..<t {
                        var dot = 0.0
                        for c in 0..<hd { dot += q(i, c) * k(j, c) }
                        s[j] = (mask == nil || mask![b * t + j] != 0) ? dot * scale : -Double.infinity
                    }
                    let m = s.max()!
                    let e = s.map { $0 == -Double.infinity ? 0 : Foundation.exp($0 - m) }
                    let sum = e.reduce(0, +)
                    let p = e.map { sum > 0 ? $0 / sum : 0 }
                    for c in 0..<hd {
                        var o = 0.0
                        for j in 0..<t { o += p[j] * v(j, c) }
                        out[(b * t + i) * d + head * hd + c] = o
                    }
                    guard let dOut else { continue }
                    let go = (0..<hd).map { Double(dOut[(b * t + i) * d + head * hd + $0]) }
                    var dpv = [Double](repeating: 0, count: t)
                    for j in 0..<t {
                        for c in 0..<hd {
                            dpv[j] += go[c] * v(j, c)
                            dqkv[(b * t + j) * ld + 2 * d + head * hd + c] += p[j] * go[c]
                        }
                    }
                    var dot = 0.0
                    for j in 0..<t { dot += p[j] * dpv[j] }
                    for j in 0..<t {
                        let ds = p[j] * (dpv[j] - dot) * scale
                        for c in 0..<hd {
                            dqkv[(b * t + i) * ld + head * hd + c] += ds * k(j, c)
                            dqkv[(b * t + j) * ld + d + head * hd + c] += ds * q(i, c)
                        }
                    }
                }
            }
        }
        return (out, dqkv)
    }
}
