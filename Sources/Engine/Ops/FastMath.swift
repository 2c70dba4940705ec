/// Elementary functions written as straight-line arithmetic so that loops calling them vectorize
/// (libm's expf/erff are opaque calls, one element at a time). Accuracy is a few ulp, checked in
/// the tests against libm.
enum FastMath {
    /// e^x by Cody–Waite range reduction and a degree-6 polynomial (Cephes expf), with rounding by the
    /// 1.5·2²³ trick and 2ⁿ built from bits, so only adds, multiplies and integer ops are involved.
    @inline(__always) static func exp(_ x: Float) -> Float {
        let xc = Swift.min(Swift.max(x, -87.33), 88.37)
        let magic: Float = 12_582_912 // 1.5 * 2^23
        let shifted = xc * 1.442_695_04 + magic
        let n = shifted - magic
        var r = xc - n * 0.693_359_375
        r = r + n * 2.121_944_40e-4
        var p: Float = 1.987_569_150_0e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * r * r + r + 1
        let k = Int32(bitPattern: shifted.bitPattern &- magic.bitPattern)
        let scale = Float(bitPattern: UInt32(bitPattern: (k &+ 127) &<< 23))
        return y * scale
    }

    /// erf(x) by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7) over the fast exp.
    /// Where x² > 80 the tail p·t·e^(−x²) is below 1e-35, far under half an ulp of 1, so the result is ±1
    /// either way; the tail is taken as 0 there, which keeps the product out of subnormal numbers (each one
    /// costs a microcode assist of over a hundred cycles on x86) without changing any result.
    @inline(__always) static func erf(_ x: Float) -> Float {
        let a = Swift.abs(x)
        let t = 1 / (1 + 0.327_591_1 * a)
        var p: Float = 1.061_405_429
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        let square = a * a
        let tail = square > 80 ? 0 : exp(-square)
        let y = 1 - p * t * tail
        return x < 0 ? -y : y
    }
}
