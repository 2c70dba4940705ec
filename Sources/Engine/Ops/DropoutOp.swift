import Platform

/// Inverted dropout: a mask of 0 and 1/(1−p) drawn from a seed, applied forward and (the same mask)
/// backward. The mask is cut into fixed blocks each with its own generator seeded from (seed, block),
/// so it is drawn in parallel yet identical for any thread count, and any stretch of it can be drawn alone:
/// `offset` draws elements offset ..< offset + count of the mask a whole batch would get, so a process that
/// computes rows of a batch (a rank of a distributed job) drops exactly what one process would there.
public enum DropoutOp {
    static let block = 16384

    public static func makeMask(_ mask: Tensor, probability p: Float, seed: UInt64, offset: Int = 0) throws {
        try EngineError.require(p >= 0 && p < 1, "dropout", "probability \(p) outside [0, 1)")
        try EngineError.require(offset >= 0, "dropout", "negative mask offset \(offset)")
        makeMaskUnchecked(mask.data, count: mask.count, probability: p, seed: seed, offset: offset)
    }

    static func makeMaskUnchecked(_ m: UnsafeMutablePointer<Float>, count: Int, probability p: Float, seed: UInt64, offset: Int = 0) {
        guard count > 0 else { return }
        let firstBlock = offset / block, blocks = (offset + count - 1) / block - firstBlock + 1
        let scale = 1 / (1 - p)
        Parallel.ranges(blocks, grain: 1, (m, p, scale, seed, offset, offset + count)) { raw, first, last in
            let (m, p, scale, seed, offset, end) = raw.load(as: (MutableFloatPointer, Float, Float, UInt64, Int, Int).self)
            for j in first..<last {
                let b = offset / DropoutOp.block + j
                var g = BlockGenerator(seed: seed, block: UInt64(b))
                let start = b * DropoutOp.block
                let lo = Swift.max(offset, start), hi = Swift.min(end, start + DropoutOp.block)
                for _ in start..<lo { _ = g.next() }
                for i in lo..<hi { m[i - offset] = g.nextFloat() < p ? 0 : scale }
            }
        }
    }

    /// y = x ⊙ mask (also the backward: dx = dy ⊙ mask). In place when x and y share storage.
    public static func apply(_ x: Tensor, mask: Tensor, into y: Tensor) throws {
        try EngineError.require(x.count == mask.count && y.count == x.count, "dropout", "x \(x.shape), mask \(mask.shape), y \(y.shape)")
        applyUnchecked(x.data, mask.data, y.data, count: x.count)
    }
    static func applyUnchecked(_ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count, grain: 8192, (x, m, y)) { raw, lo, hi in
            let (x, m, y) = raw.load(as: (FloatPointer, FloatPointer, MutableFloatPointer).self)
            if FloatPointer(y) == x { for i in lo..<hi { y[i] *= m[i] } } else { for i in lo..<hi { y[i] = x[i] * m[i] } }
        }
    }
}

/// xoshiro128+-style generator held in registers (no array state), seeded by SplitMix64 from (seed, block).
struct BlockGenerator {
    var s0: UInt64, s1: UInt64
    init(seed: UInt64, block: UInt64) {
        var z = seed ^ (block &* 0x9E37_79B9_7F4A_7C15)
        s0 = BlockGenerator.splitMix(&z); s1 = BlockGenerator.splitMix(&z)
        if s0 == 0 && s1 == 0 { s0 = 1 }
    }
    @inline(__always) static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// xorshift128+.
    @inline(__always) mutating func next() -> UInt64 {
        var a = s0
        let b = s1
        s0 = b
        a ^= a << 23
        s1 = a ^ b ^ (a >> 17) ^ (b >> 26)
        return s1 &+ b
    }
    @inline(__always) mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }
}
