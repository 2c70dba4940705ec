import Platform

/// Inverted dropout: a mask of 0 and 1/(1−p) drawn from a seed, applied forward and (the same mask)
/// backward. The mask is cut into fixed blocks each with its own generator seeded from (seed, block),
/// so it is drawn in parallel yet identical for any thread count.
public enum DropoutOp {
    static let block = 16384

    public static func makeMask(_ mask: Tensor, probability p: Float, seed: UInt64) throws {
        try EngineError.require(p >= 0 && p < 1, "dropout", "probability \(p) outside [0, 1)")
        makeMaskUnchecked(mask.data, count: mask.count, probability: p, seed: seed)
    }

    static func makeMaskUnchecked(_ m: UnsafeMutablePointer<Float>, count: Int, probability p: Float, seed: UInt64) {
        let blocks = (count + block - 1) / block
        let scale = 1 / (1 - p)
        Parallel.ranges(blocks, grain: 1, (m, count, p, scale, seed)) { raw, first, last in
            let (m, count, p, scale, seed) = raw.load(as: (MutableFloatPointer, Int, Float, Float, UInt64).self)
            for b in first..<last {
                var g = BlockGenerator(seed: seed, block: UInt64(b))
                let lo = b * DropoutOp.block, hi = Swift.min(count, lo + DropoutOp.block)
                for i in lo..<hi { m[i] = g.nextFloat() < p ? 0 : scale }
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
            for i in lo..<hi { y[i] = x[i] * m[i] }
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
