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
    static func slotFloats(_ t: Int, _ hd: Int) -> Int { (hd * t + t + 15) / 16 * 16 }

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
    }

    /// Splits the (batch, head) pairs into one contiguous share per scratch slot.
    static func run(_ job: Job, _ kernel: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void) {
        var job = job
        withUnsafeMutablePointer(to: &job) { Threads.parallelFor(chunks: $0.pointee.parts, context: UnsafeMutableRawPointer($0), kernel) }
    }
    static func makeJob(_ dims: Dimensions, qkv: FloatPointer, mask: UnsafePointer<Int32>?, probs: MutableFloatPointer,
                        dropoutMask: FloatPointer?, out: MutableFloatPointer, dOut: FloatPointer?, dQKV: MutableFloatPointer?,
                        scratch: MutableFloatPointer, scratchCount: Int) -> Job {
        let pairs = dims.batch * dims.heads
        let slot = slotFloats(dims.length, dims.headDim)
        let parts = Swift.max(1, Swift.min(Threads.count, pairs, scratchCount / slot))
        return Job(dims: dims, qkv: qkv, mask: mask, probs: probs, dropoutMask: dropoutMask, out: out, dOut: dOut, dQKV: dQKV,
                   scratch: scratch, slot: slot, parts: parts)
    }

    static func forwardUnchecked(_ dims: Dimensions, qkv: UnsafePointer<Float>, mask: UnsafePointer<Int32>?, probs: UnsafeMutablePointer<Float>,
                                 dropoutMask: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>,
                                 scratch: UnsafeMutablePointer<Float>, scratchCount: Int) {
        let job = makeJob(dims, qkv: qkv, mask: mask, probs: probs, dropoutMask: dropoutMask, out: out, dOut: nil, dQKV: nil,
                          scratch: scratch, scratchCount: scratchCount)
        run(job) { raw, p in
            let job = raw!.load(as: Job.self)
            let pairs = job.dims.batch * job.dims.heads
            for pair in (pairs * p / job.parts)..<(pairs * (p + 1) / job.parts) {
                AttentionOp.forwardPair(job, pair / job.dims.heads, pair % job.dims.heads, job.scratch + p * job.slot)
            }
        }
    }

    static func forwardPair(_ job: Job, _ b: Int, _ head: Int, _ kt: MutableFloatPointer) {
        let dims = job.dims, qkv = job.qkv, mask = job.mask, probs = job.probs, dropoutMask = job.dropoutMask, out = job.out
        let t = dims.length, hd = dims.headDim, h = dims.heads, d = dims.model, ld = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        let q = qkv + b * t * ld + head * hd, k = q + d, v = q + 2 * d
        let end = keyEnd(mask, b, t)
        // Kᵀ [hd, end] so that each score row is a sum of contiguous rank-1 updates.
        for j in 0..<end { for c in 0..<hd { kt[c * t + j] = k[j * ld + c] } }
        for i in 0..<t {
            let s = probs + ((b * h + head) * t + i) * t
            let o = out + (b * t + i) * d + head * hd
            o.update(repeating: 0, count: hd)
            if end == 0 { s.update(repeating: 0, count: t); continue }
            s.update(repeating: 0, count: end)
            let qi = q + i * ld
            for c in 0..<hd {
                let a = qi[c] * scale
                let kr = kt + c * t
                for j in 0..<end { s[j] += a * kr[j] }
            }
            var m = -Float.infinity
            if let mask {
                let mr = mask + b * t
                for j in 0..<end where mr[j] != 0 { m = Swift.max(m, s[j]) }
                var sum: Float = 0
                for j in 0..<end {
                    let e = mr[j] != 0 ? FastMath.exp(s[j] - m) : 0
                    s[j] = e; sum += e
                }
                let inv = 1 / sum
                for j in 0..<end { s[j] *= inv }
            } else {
                for j in 0..<end { m = Swift.max(m, s[j]) }
                var sum: Float = 0
                for j in 0..<end { let e = FastMath.exp(s[j] - m); s[j] = e; sum += e }
                let inv = 1 / sum
                for j in 0..<end { s[j] *= inv }
            }
            if end < t { (s + end).update(repeating: 0, count: t - end) }
            let dm = dropoutMask.map { $0 + ((b * h + head) * t + i) * t }
            for j in 0..<end {
                let p = dm.map { s[j] * $0[j] } ?? s[j]
                if p == 0 { continue }
                let vr = v + j * ld
                for c in 0..<hd { o[c] += p * vr[c] }
            }
        }
    }

    static func backwardUnchecked(_ dims: Dimensions, dOut: UnsafePointer<Float>, qkv: UnsafePointer<Float>, mask: UnsafePointer<Int32>?,
                                  probs: UnsafePointer<Float>, dropoutMask: UnsafePointer<Float>?, dQKV: UnsafeMutablePointer<Float>,
                                  scratch: UnsafeMutablePointer<Float>, scratchCount: Int) {
        let job = makeJob(dims, qkv: qkv, mask: mask, probs: UnsafeMutablePointer(mutating: probs), dropoutMask: dropoutMask,
                          out: dQKV, dOut: dOut, dQKV: dQKV, scratch: scratch, scratchCount: scratchCount)
        run(job) { raw, p in
            let job = raw!.load(as: Job.self)
            let pairs = job.dims.batch * job.dims.heads
            for pair in (pairs * p / job.parts)..<(pairs * (p + 1) / job.parts) {
                AttentionOp.backwardPair(job, pair / job.dims.heads, pair % job.dims.heads, job.scratch + p * job.slot)
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
            var dot: Float = 0
            for j in 0..<end { dot += p[j] * dp[j] }
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
