/// A score over seeds: every seed's value, their mean and sample standard deviation (n − 1; nil for one seed),
/// as papers report "mean ± sd over seeds".
public struct SeedSpread: Codable, Equatable, Sendable {
    public var seeds: [UInt64]
    public var values: [Double]
    public var mean: Double
    public var sd: Double?

    public init(seeds: [UInt64], values: [Double]) {
        precondition(!values.isEmpty && seeds.count == values.count, "a seed spread needs one value per seed")
        self.seeds = seeds; self.values = values
        let n = Double(values.count)
        mean = values.reduce(0, +) / n
        if values.count > 1 {
            let m = mean
            sd = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1)).squareRoot()
        }
    }

    /// `93.1 ± 1.2` (scaled; `93.1` for one seed).
    public func text(scale: Double, decimals: Int = 1) -> String {
        ScoreFormat.number(mean, decimals: decimals, scale: scale) + (sd.map { " ± " + ScoreFormat.number($0, decimals: decimals, scale: scale) } ?? "")
    }
}
