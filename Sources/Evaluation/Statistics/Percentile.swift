public enum Percentile {
    /// The `q`-th percentile (0…100) of `sorted` (ascending) by linear interpolation between order statistics,
    /// numpy's default method: position (n − 1)·q/100.
    public static func of(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty, "percentile of no values")
        let h = (q / 100) * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down))
        if lo >= sorted.count - 1 { return sorted[sorted.count - 1] }
        let frac = h - Double(lo)
        // numpy's `_lerp`: a + (b − a)·t, switched to b − (b − a)·(1 − t) for t ≥ 0.5 so the ends are exact.
        let a = sorted[lo], b = sorted[lo + 1], d = b - a
        return frac >= 0.5 ? b - d * (1 - frac) : a + d * frac
    }

    public static func of(_ values: [Double], _ q: Double) -> Double { of(sorted: values.sorted(), q) }
}
