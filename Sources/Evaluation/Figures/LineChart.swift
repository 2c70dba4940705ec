import Tasks
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A point with an optional interval (mean ± sd over seeds, or a CI). Non-finite y leaves a gap in the line.
public struct LinePoint: Sendable {
    public var x: Double
    public var y: Double
    public var lower: Double?
    public var upper: Double?
    public init(x: Double, y: Double, lower: Double? = nil, upper: Double? = nil) {
        self.x = x; self.y = y; self.lower = lower; self.upper = upper
    }
    /// mean ± sd.
    public init(x: Double, mean: Double, sd: Double) { self.init(x: x, y: mean, lower: mean - sd, upper: mean + sd) }
}

public struct LineSeries: Sendable {
    public var name: String
    public var points: [LinePoint]
    public init(name: String, points: [LinePoint]) { self.name = name; self.points = points }
}

public enum AxisScale: String, Codable, Sendable {
    case linear
    /// Powers of two evenly spaced (few-shot k = 1, 2, 4, …); x must be positive.
    case log2
}

public enum UncertaintyStyle: String, Codable, Sendable {
    /// A translucent band between lower and upper.
    case band
    /// An error bar at each point.
    case bars
}

public struct LineChartSpec: Sendable {
    public var title: String
    public var xAxisTitle: String
    public var yAxisTitle: String
    public var xScale: AxisScale
    public var uncertainty: UncertaintyStyle
    public var series: [LineSeries]
    /// Whether to mark each point with a dot (few-shot curves: yes; long training curves: no).
    public var markers: Bool

    public init(title: String, xAxisTitle: String, yAxisTitle: String, xScale: AxisScale = .linear,
                uncertainty: UncertaintyStyle = .band, series: [LineSeries], markers: Bool = true) {
        self.title = title; self.xAxisTitle = xAxisTitle; self.yAxisTitle = yAxisTitle; self.xScale = xScale
        self.uncertainty = uncertainty; self.series = series; self.markers = markers
    }
}

extension SVGChart {
    public static func lines(_ spec: LineChartSpec) throws -> String {
        guard !spec.series.isEmpty else { throw MetricInputError(metric: "line chart", "no series") }
        let all = spec.series.flatMap(\.points)
        if spec.xScale == .log2, let bad = all.first(where: { !($0.x > 0) }) {
            throw MetricInputError(metric: "line chart", "x = \(bad.x) on a log2 axis (x must be positive)")
        }
        func tx(_ x: Double) -> Double { spec.xScale == .log2 ? log2(x) : x }
        let xs = all.map { tx($0.x) }.filter(\.isFinite)
        let ys = all.flatMap { [$0.y, $0.lower ?? $0.y, $0.upper ?? $0.y] }.filter(\.isFinite)
        guard let xMin = xs.min(), let xMax = xs.max() else { throw MetricInputError(metric: "line chart", "no finite points") }
        var yLo = ys.min() ?? 0, yHi = ys.max() ?? 1
        if yHi <= yLo { yLo -= 0.5; yHi += 0.5 }
        let pad = (yHi - yLo) * 0.05
        let yTicks = ChartStyle.ticks(yLo - pad, yHi + pad, count: 5)
        yLo = min(yLo - pad, yTicks.first ?? yLo); yHi = max(yHi + pad, yTicks.last ?? yHi)
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        // A little room on both sides so the first and last points do not sit on the axes.
        let xPad = (xMax > xMin ? xMax - xMin : 1) * 0.03
        let xLo = xMin - xPad, xHi = (xMax > xMin ? xMax : xMin + 1) + xPad
        let xTicks: [Double]
        if spec.xScale == .log2 {
            xTicks = Array(Int(ceil(xLo))...Int(floor(xHi))).map(Double.init)
        } else {
            xTicks = ChartStyle.ticks(xLo, xHi, count: 6)
        }
        let xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1
        func xLabel(_ t: Double) -> String {
            spec.xScale == .log2 ? ChartStyle.fixed(pow(2, t), t < 0 ? 3 : 0) : ChartStyle.tickLabel(t, step: xStep)
        }

        let tickLabelW = yTicks.map { DisplayWidth.svgWidth(ChartStyle.tickLabel($0, step: yStep), fontSize: 11) }.max() ?? 20
        let left = 44 + tickLabelW, top = 50.0, plotW = 440.0, plotH = 280.0
        let legendW = (spec.series.map { DisplayWidth.svgWidth($0.name, fontSize: 12) }.max() ?? 0) + 44
        let width = max(left + plotW + legendW + 16, DisplayWidth.svgWidth(spec.title, fontSize: 15) * 1.1 + 40)
        let height = top + plotH + 60
        func px(_ x: Double) -> Double { left + (tx(x) - xLo) / (xHi - xLo) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yLo) / (yHi - yLo) * plotH }

        var svg = SVGDocument(width: width, height: height)
        svg.text(spec.title, x: width / 2, y: 24, size: 15, anchor: .middle, weight: "bold", cssClass: "title")
        for t in yTicks where t >= yLo - 1e-12 && t <= yHi + 1e-12 {
            svg.line(x1: left, y1: py(t), x2: left + plotW, y2: py(t), stroke: "#e3e3e3", cssClass: "grid")
            svg.text(ChartStyle.tickLabel(t, step: yStep), x: left - 6, y: py(t) + 4, size: 11, anchor: .end, cssClass: "tick-label")
        }
        for t in xTicks where t >= xLo - 1e-12 && t <= xHi + 1e-12 {
            let x = left + (t - xLo) / (xHi - xLo) * plotW
            svg.line(x1: x, y1: top, x2: x, y2: top + plotH, stroke: "#f0f0f0", cssClass: "grid")
            svg.text(xLabel(t), x: x, y: top + plotH + 16, size: 11, anchor: .middle, cssClass: "tick-label")
        }
        svg.line(x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, stroke: "#444444")
        svg.line(x1: left, y1: top, x2: left, y2: top + plotH, stroke: "#444444")
        svg.text(spec.xAxisTitle, x: left + plotW / 2, y: height - 14, size: 13, anchor: .middle, weight: "bold", cssClass: "axis-title")
        svg.text(spec.yAxisTitle, x: 14, y: top + plotH / 2, size: 13, anchor: .middle, weight: "bold", rotate: -90, cssClass: "axis-title")

        for (s, series) in spec.series.enumerated() {
            let color = ChartStyle.seriesColor(s)
            let points = series.points.sorted { $0.x < $1.x }
            // Runs of finite points: a NaN breaks the line and the band.
            var runs: [[LinePoint]] = [[]]
            for p in points {
                if p.y.isFinite && tx(p.x).isFinite { runs[runs.count - 1].append(p) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                if spec.uncertainty == .band {
                    let bounded = run.filter { ($0.lower?.isFinite ?? false) && ($0.upper?.isFinite ?? false) }
                    if bounded.count >= 2 {
                        let upper = bounded.map { (px($0.x), py($0.upper!)) }
                        let lower = bounded.reversed().map { (px($0.x), py($0.lower!)) }
                        svg.polygon(upper + lower, fill: color, opacity: 0.18, cssClass: "band")
                    }
                }
                svg.polyline(run.map { (px($0.x), py($0.y)) }, stroke: color, width: 2, cssClass: "series-line")
            }
            for p in points where p.y.isFinite {
                if spec.uncertainty == .bars, let lo = p.lower, let hi = p.upper, lo.isFinite, hi.isFinite {
                    svg.line(x1: px(p.x), y1: py(lo), x2: px(p.x), y2: py(hi), stroke: color, width: 1.2, cssClass: "error-bar")
                    svg.line(x1: px(p.x) - 3, y1: py(lo), x2: px(p.x) + 3, y2: py(lo), stroke: color, width: 1.2)
                    svg.line(x1: px(p.x) - 3, y1: py(hi), x2: px(p.x) + 3, y2: py(hi), stroke: color, width: 1.2)
                }
                if spec.markers {
                    svg.circle(cx: px(p.x), cy: py(p.y), r: 3.2, fill: color, cssClass: "point",
                               title: "\(series.name): x = \(ChartStyle.fixed(p.x, 2)), y = \(ChartStyle.fixed(p.y, 3))")
                }
            }
            let ly = top + 8 + Double(s) * 18, lx = left + plotW + 14
            svg.line(x1: lx, y1: ly - 4, x2: lx + 22, y2: ly - 4, stroke: color, width: 2.5, cssClass: "legend")
            svg.text(series.name, x: lx + 28, y: ly, size: 12, cssClass: "legend-label")
        }
        return svg.render(title: spec.title)
    }
}
