#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Colours, tick placement and number labels shared by the charts.
public enum ChartStyle {
    /// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies and in grey scale.
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#999999"]

    public static func seriesColor(_ i: Int) -> String { palette[i % palette.count] }

    /// Viridis anchors (every 1/8); values between are interpolated in RGB.
    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]

    /// Colour of `t` in [0, 1] on the viridis scale, and whether text on it should be white.
    public static func viridisColor(_ t: Double) -> (fill: String, lightText: Bool) {
        let u = min(1, max(0, t.isFinite ? t : 0)) * Double(viridis.count - 1)
        let i = min(Int(u), viridis.count - 2)
        let f = u - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        let r = a.0 + (b.0 - a.0) * f, g = a.1 + (b.1 - a.1) * f, bl = a.2 + (b.2 - a.2) * f
        let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * bl
        return (hex(r, g, bl), luminance < 140)
    }

    static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
        let digits = Array("0123456789ABCDEF")
        var s = "#"
        for v in [r, g, b] {
            let x = Int(min(255, max(0, v.rounded())))
            s.append(digits[x / 16]); s.append(digits[x % 16])
        }
        return s
    }

    /// About `count` round tick values (steps of 1, 2 or 5 × 10^k) covering [lo, hi]: the step whose tick count
    /// is nearest to `count`, preferring more ticks on a tie.
    public static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return lo.isFinite ? [lo] : [] }
        let raw = (hi - lo) / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        var best: [Double] = []
        for step in [0.5, 1, 2, 5, 10].map({ $0 * magnitude }) {
            var out: [Double] = []
            var v = ceil(lo / step - 1e-9) * step
            while v <= hi + step * 1e-9 {
                out.append(abs(v) < step * 1e-9 ? 0 : v)
                v += step
            }
            if best.isEmpty || abs(out.count - count) < abs(best.count - count) { best = out }
        }
        return best
    }

    /// A tick label with as many decimals as the step needs.
    public static func tickLabel(_ v: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : min(6, Int(ceil(-log10(step) - 1e-9)))
        return fixed(v, decimals)
    }

    /// `v` with `decimals` digits after the point, locale-independent; "–" for NaN or infinity.
    public static func fixed(_ v: Double, _ decimals: Int) -> String {
        guard v.isFinite else { return "–" }
        let scale = pow(10, Double(decimals))
        let scaled = (abs(v) * scale).rounded()
        guard scaled < 9e15 else { return String(v) }
        let whole = Int(scaled / scale)
        let fracPart = Int(scaled) - whole * Int(scale)
        var s = (v < 0 && scaled != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let f = String(fracPart)
            s += "." + String(repeating: "0", count: decimals - f.count) + f
        }
        return s
    }
}
