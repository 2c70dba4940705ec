import Tasks
/// A matrix of scores, e.g. zero-shot transfer: rows are source languages (or tasks), columns targets.
public struct HeatmapSpec: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[r][c]`; NaN draws an empty grey cell.
    public var values: [[Double]]
    public var rowAxisTitle: String
    public var columnAxisTitle: String
    /// Digits after the point in the cells.
    public var decimals: Int
    /// Colour range; the finite minimum and maximum of the values when nil.
    public var range: ClosedRange<Double>?

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]],
                rowAxisTitle: String = "source", columnAxisTitle: String = "target", decimals: Int = 1,
                range: ClosedRange<Double>? = nil) {
        self.title = title; self.rowLabels = rowLabels; self.columnLabels = columnLabels; self.values = values
        self.rowAxisTitle = rowAxisTitle; self.columnAxisTitle = columnAxisTitle; self.decimals = decimals; self.range = range
    }
}

/// Chart builders. Each returns a complete SVG document as a string; elements carry classes (`cell`, `bar`,
/// `point`, `legend`, `axis-label`) so tests and style sheets can find them.
public enum SVGChart {
    public static func heatmap(_ spec: HeatmapSpec) throws -> String {
        let rows = spec.rowLabels.count, cols = spec.columnLabels.count
        guard rows > 0, cols > 0 else { throw MetricInputError(metric: "heatmap", "no rows or no columns") }
        guard spec.values.count == rows, spec.values.allSatisfy({ $0.count == cols }) else {
            throw MetricInputError(metric: "heatmap", "values are not \(rows) rows × \(cols) columns")
        }
        let finite = spec.values.flatMap { $0 }.filter(\.isFinite)
        let lo = spec.range?.lowerBound ?? finite.min() ?? 0
        let hi = spec.range?.upperBound ?? finite.max() ?? 1
        let span = hi > lo ? hi - lo : 1

        let labelSize = 12.0, cellSize = 12.0
        let cellLabels = spec.values.flatMap { $0 }.map { ChartStyle.fixed($0, spec.decimals) }
        let cellW = max(44, (cellLabels.map { DisplayWidth.svgWidth($0, fontSize: cellSize) }.max() ?? 0) + 12)
        let cellH = 28.0
        let rowLabelW = (spec.rowLabels.map { DisplayWidth.svgWidth($0, fontSize: labelSize) }.max() ?? 0) + 10
        let colLabelW = spec.columnLabels.map { DisplayWidth.svgWidth($0, fontSize: labelSize) }.max() ?? 0
        // Column labels are turned 45° so long names never overlap; their height is what they need diagonally.
        let colLabelH = colLabelW * 0.71 + 16
        let left = 30 + rowLabelW, top = 44.0
        let gridW = Double(cols) * cellW, gridH = Double(rows) * cellH
        let barX = left + gridW + 24, barW = 14.0
        let width = max(barX + barW + 60, DisplayWidth.svgWidth(spec.title, fontSize: 15) * 1.1 + 40)
        let height = top + gridH + colLabelH + 30

        var svg = SVGDocument(width: width, height: height)
        svg.text(spec.title, x: width / 2, y: 24, size: 15, anchor: .middle, weight: "bold", cssClass: "title")
        for r in 0..<rows {
            for c in 0..<cols {
                let v = spec.values[r][c]
                let x = left + Double(c) * cellW, y = top + Double(r) * cellH
                let label = "\(spec.rowLabels[r]) → \(spec.columnLabels[c]): \(ChartStyle.fixed(v, spec.decimals))"
                if v.isFinite {
                    let color = ChartStyle.viridisColor((v - lo) / span)
                    svg.rect(x: x, y: y, width: cellW, height: cellH, fill: color.fill, stroke: "#ffffff", cssClass: "cell", title: label)
                    svg.text(ChartStyle.fixed(v, spec.decimals), x: x + cellW / 2, y: y + cellH / 2 + 4, size: cellSize,
                             anchor: .middle, fill: color.lightText ? "#ffffff" : "#111111", cssClass: "value")
                } else {
                    svg.rect(x: x, y: y, width: cellW, height: cellH, fill: "#e6e6e6", stroke: "#ffffff", cssClass: "cell", title: label)
                    svg.text("–", x: x + cellW / 2, y: y + cellH / 2 + 4, size: cellSize, anchor: .middle, fill: "#777777", cssClass: "value")
                }
            }
            svg.text(spec.rowLabels[r], x: left - 6, y: top + (Double(r) + 0.5) * cellH + 4, size: labelSize,
                     anchor: .end, cssClass: "axis-label")
        }
        for c in 0..<cols {
            let x = left + (Double(c) + 0.5) * cellW + 4, y = top + gridH + 10
            svg.text(spec.columnLabels[c], x: x, y: y, size: labelSize, anchor: .end, rotate: -45, cssClass: "axis-label")
        }
        svg.text(spec.rowAxisTitle, x: 14, y: top + gridH / 2, size: 13, anchor: .middle, weight: "bold", rotate: -90, cssClass: "axis-title")
        svg.text(spec.columnAxisTitle, x: left + gridW / 2, y: height - 10, size: 13, anchor: .middle, weight: "bold", cssClass: "axis-title")

        // Colour bar: 32 bands from low (bottom) to high (top), with the range at its ends.
        let bands = 32
        for b in 0..<bands {
            let t = Double(b) / Double(bands - 1)
            let y = top + gridH - Double(b + 1) * gridH / Double(bands)
            svg.rect(x: barX, y: y, width: barW, height: gridH / Double(bands) + 0.5, fill: ChartStyle.viridisColor(t).fill, cssClass: "scale")
        }
        // Round ticks inside the range, kept apart from each other by at least a label's height.
        let scaleTicks = ChartStyle.ticks(lo, hi, count: 4)
        let step = scaleTicks.count > 1 ? scaleTicks[1] - scaleTicks[0] : span
        var lastY = Double.infinity
        for t in scaleTicks where gridH * step / span >= 14 || scaleTicks.count == 1 {
            let y = top + gridH - (t - lo) / span * gridH
            guard lastY - y >= 14 else { continue }
            svg.line(x1: barX + barW, y1: y, x2: barX + barW + 3, y2: y, stroke: "#444444")
            svg.text(ChartStyle.tickLabel(t, step: step), x: barX + barW + 6, y: y + 4, size: 11, cssClass: "scale-label")
            lastY = y
        }
        return svg.render(title: spec.title)
    }
}
