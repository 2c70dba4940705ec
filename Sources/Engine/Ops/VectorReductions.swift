/// Reductions over contiguous floats with eight independent lanes. Floating-point addition is not
/// associative, so the compiler keeps a plain `s += x[i]` loop sequential (one add per cycle at best);
/// summing into lanes and combining them at the end lets these loops run at vector width. The order is
/// fixed by n, so results are deterministic.
enum VectorReductions {
    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n { acc += load(p, i); i += 8 }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    @inline(__always) static func max(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n { let v = load(p, i); acc.replace(with: v, where: v .> acc); i += 8 }
        var m = acc.max()
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        return m
    }

    @inline(__always) static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n { acc += load(a, i) * load(b, i); i += 8 }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Σ (x − c)².
    @inline(__always) static func squaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, _ c: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        let cv = SIMD8<Float>(repeating: c)
        var i = 0
        while i + 8 <= n { let d = load(p, i) - cv; acc += d * d; i += 8 }
        var s = acc.sum()
        while i < n { let d = p[i] - c; s += d * d; i += 1 }
        return s
    }
}
