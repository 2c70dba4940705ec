import Tasks
/// One bar's height and optional interval (e.g. a bootstrap CI). NaN values draw no bar.
public struct BarValue: Sendable {
    public var value: Double
    public var lower: Double?
    public var upper: Double?
    public init(_ value: Double, lower: Double? = nil, upper: Double? = nil) {
        self.value = value; self.lower = lower; self.upper = upper
    }
    public init(_ ci: ConfidenceInterval) { self.init(ci.estimate, lower: ci.lower, upper: ci.upper) }
}

/// A category on the x axis (a language) with one bar per series (system).
public struct BarCategory: Sendable {
    public var label: String
    public var values: [BarValue]
    public init(label: String, values: [BarValue]) { self.label = label; self.values = values }
}

/// Categories shown together under a group name (a language family).
public struct BarGroup: Sendable {
    public var name: String
    public var categories: [BarCategory]
    public init(name: String, categories: [BarCategory]) { self.name = name; self.categories = categories }
}

public struct GroupedBarSpec: Sendable {
    public var title: String
    public var yAxisTitle: String
    /// Series names, one per bar in each category; a legend is drawn when there are two or more.
    public var series: [String]
    public var groups: [BarGroup]
    /// A horizontal reference line (e.g. the English score or a majority-class baseline).
    public var baseline: (value: Double, label: String)?
    /// Y range; from min(0, lowest) to the highest value or interval end when nil.
    public var yRange: ClosedRange<Double>?

    public init(title: String, yAxisTitle: String, series: [String], groups: [BarGroup],
                baseline: (value: Double, label: String)? = nil, yRange: ClosedRange<Double>? = nil) {
        self.title = title; self.yAxisTitle = yAxisTitle; self.series = series; self.groups = groups
        self.baseline = baseline; self.yRange = yRange
    }
}

extension SVGChart {
    public static func groupedBars(_ spec: GroupedBarSpec) throws -> String {
        let k = spec.series.count
        guard k > 0 else { throw MetricInputError(metric: "bar chart", "no series") }
        let categories = spec.groups.flatMap(\.categories)
        guard !categories.isEmpty else { throw MetricInputError(metric: "bar chart", "no categories") }
        if let bad = categories.first(where: { $0.values.count != k }) {
            throw MetricInputError(metric: "bar chart", "category '\(bad.label)' has \(bad.values.count) values for \(k) series")
        }
        var extremes = categories.flatMap { $0.values.flatMap { [$0.value, $0.lower ?? $0.value, $0.upper ?? $0.value] } }
        if let b = spec.baseline { extremes.append(b.value) }
        extremes = extremes.filter(\.isFinite)
        var yLo = spec.yRange?.lowerBound ?? min(0, extremes.min() ?? 0)
        var yHi = spec.yRange?.upperBound ?? (extremes.max() ?? 1)
        if yHi <= yLo { yHi = yLo + 1 }
        let ticks = ChartStyle.ticks(yLo, yHi, count: 5)
        if spec.yRange == nil, let last = ticks.last, last < yHi { yHi = last + (ticks.count > 1 ? ticks[1] - ticks[0] : 1) }
        if spec.yRange == nil, let first = ticks.first, first < yLo { yLo = first }
        let yTicks = ChartStyle.ticks(yLo, yHi, count: 5)
        let tickStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1

        let barW = 14.0, categoryGap = 10.0, groupGap = 24.0
        let categoryW = Double(k) * barW + categoryGap
        let labelSize = 12.0
        let catLabelW = categories.map { DisplayWidth.svgWidth($0.label, fontSize: labelSize) }.max() ?? 0
        let tickLabelW = yTicks.map { DisplayWidth.svgWidth(ChartStyle.tickLabel($0, step: tickStep), fontSize: 11) }.max() ?? 20
        let left = 40 + tickLabelW, top = 50.0, plotH = 280.0
        let legendW = k > 1 ? (spec.series.map { DisplayWidth.svgWidth($0, fontSize: 12) }.max() ?? 0) + 40 : 0
        let baselineLabelW = spec.baseline.map { DisplayWidth.svgWidth($0.label, fontSize: 11) + 8 } ?? 0
        var plotW = groupGap / 2
        for g in spec.groups { plotW += Double(g.categories.count) * categoryW + groupGap }
        let catLabelH = catLabelW * 0.71 + 14
        let width = max(left + plotW + max(legendW, baselineLabelW) + 20, DisplayWidth.svgWidth(spec.title, fontSize: 15) * 1.1 + 40)
        let height = top + plotH + catLabelH + 44
        func y(_ v: Double) -> Double { top + plotH - (v - yLo) / (yHi - yLo) * plotH }

        var svg = SVGDocument(width: width, height: height)
        svg.text(spec.title, x: width / 2, y: 24, size: 15, anchor: .middle, weight: "bold", cssClass: "title")
        for t in yTicks {
            svg.line(x1: left, y1: y(t), x2: left + plotW, y2: y(t), stroke: "#e3e3e3", cssClass: "grid")
            svg.text(ChartStyle.tickLabel(t, step: tickStep), x: left - 6, y: y(t) + 4, size: 11, anchor: .end, cssClass: "tick-label")
        }
        svg.line(x1: left, y1: top, x2: left, y2: top + plotH, stroke: "#444444")
        svg.line(x1: left, y1: y(max(yLo, min(yHi, 0))), x2: left + plotW, y2: y(max(yLo, min(yHi, 0))), stroke: "#444444")
        svg.text(spec.yAxisTitle, x: 14, y: top + plotH / 2, size: 13, anchor: .middle, weight: "bold", rotate: -90, cssClass: "axis-title")

        var x = left + groupGap / 2
        let zeroY = y(max(yLo, min(yHi, 0)))
        for g in spec.groups {
            let groupStart = x
            for c in g.categories {
                for (s, v) in c.values.enumerated() {
                    let bx = x + categoryGap / 2 + Double(s) * barW
                    guard v.value.isFinite else { continue }
                    let top = min(y(v.value), zeroY), h = abs(y(v.value) - zeroY)
                    var tip = "\(c.label) · \(spec.series[s]): \(ChartStyle.fixed(v.value, 2))"
                    if let lo = v.lower, let hi = v.upper { tip += " [\(ChartStyle.fixed(lo, 2)), \(ChartStyle.fixed(hi, 2))]" }
                    svg.rect(x: bx + 1, y: top, width: barW - 2, height: h, fill: ChartStyle.seriesColor(s), cssClass: "bar", title: tip)
                    if let lo = v.lower, let hi = v.upper, lo.isFinite, hi.isFinite {
                        let cx = bx + barW / 2
                        svg.line(x1: cx, y1: y(lo), x2: cx, y2: y(hi), stroke: "#222222", width: 1.2, cssClass: "error-bar")
                        svg.line(x1: cx - 3, y1: y(lo), x2: cx + 3, y2: y(lo), stroke: "#222222", width: 1.2)
                        svg.line(x1: cx - 3, y1: y(hi), x2: cx + 3, y2: y(hi), stroke: "#222222", width: 1.2)
                    }
                }
                svg.text(c.label, x: x + categoryW / 2 + 4, y: top + plotH + 14, size: labelSize, anchor: .end, rotate: -45, cssClass: "axis-label")
                x += categoryW
            }
            // Group bracket and name under the category labels.
            let bracketY = top + plotH + catLabelH + 4
            svg.line(x1: groupStart + 2, y1: bracketY, x2: x - 2, y2: bracketY, stroke: "#666666", cssClass: "group-bracket")
            svg.text(g.name, x: (groupStart + x) / 2, y: bracketY + 16, size: 12, anchor: .middle, weight: "bold", cssClass: "group-label")
            x += groupGap
        }
        if let b = spec.baseline, b.value.isFinite {
            svg.line(x1: left, y1: y(b.value), x2: left + plotW, y2: y(b.value), stroke: "#C0392B", width: 1.5, dash: "6 4", cssClass: "baseline")
            svg.text(b.label, x: left + plotW + 4, y: y(b.value) + 4, size: 11, fill: "#C0392B", cssClass: "baseline-label")
        }
        if k > 1 {
            let lx = left + plotW + 12
            for (s, name) in spec.series.enumerated() {
                let ly = top + 8 + Double(s) * 18
                svg.rect(x: lx, y: ly - 9, width: 12, height: 12, fill: ChartStyle.seriesColor(s), cssClass: "legend")
                svg.text(name, x: lx + 18, y: ly + 1, size: 12, cssClass: "legend-label")
            }
        }
        return svg.render(title: spec.title)
    }
}
