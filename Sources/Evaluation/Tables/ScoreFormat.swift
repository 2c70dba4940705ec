/// How a score with its confidence interval is written in tables.
public enum ScoreFormat: Sendable, Equatable {
    /// `71.3`
    case plain
    /// `71.3 ± 1.2` (half the interval's width)
    case plusMinus
    /// `71.3 [69.1, 73.4]`
    case interval

    /// Formats `ci` multiplied by `scale` (100 for percentages) with `decimals` digits; "–" for NaN.
    public func format(_ ci: ConfidenceInterval, decimals: Int = 1, scale: Double = 100) -> String {
        let e = ChartStyle.fixed(ci.estimate * scale, decimals)
        guard ci.estimate.isFinite else { return "–" }
        switch self {
        case .plain: return e
        case .plusMinus:
            guard ci.lower.isFinite, ci.upper.isFinite else { return e }
            return "\(e) ± \(ChartStyle.fixed(ci.halfWidth * scale, decimals))"
        case .interval:
            guard ci.lower.isFinite, ci.upper.isFinite else { return e }
            return "\(e) [\(ChartStyle.fixed(ci.lower * scale, decimals)), \(ChartStyle.fixed(ci.upper * scale, decimals))]"
        }
    }

    /// A bare number, same rounding.
    public static func number(_ v: Double, decimals: Int = 1, scale: Double = 1) -> String {
        ChartStyle.fixed(v * scale, decimals)
    }
}
