import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Runs
@testable import Tasks
import Evaluation

/// Parses an SVG and tallies elements by name and by class, and collects text contents.
final class SVGInspector: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var classes: [String: Int] = [:]
    var texts: [String] = []
    var rectsByClass: [String: [[String: String]]] = [:]
    private var inText = false
    private var current = ""

    static func parse(_ svg: String) throws -> SVGInspector {
        let inspector = SVGInspector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = inspector
        guard parser.parse() else {
            throw MetricInputError(metric: "svg", "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?")")
        }
        return inspector
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
        if let c = attributes["class"] {
            classes[c, default: 0] += 1
            rectsByClass[c, default: []].append(attributes)
        }
        if name == "text" { inText = true; current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current); inText = false }
    }
}

/// Where a test leaves SVGs for a person to look at (`rsvg-convert` them to PNG); not checked in.
func saveForInspection(_ svg: String, _ name: String) {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("polyglot-figures")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try? svg.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
}

@Suite struct FigureTests {
    let languages = ["en", "de", "ru", "zh", "ar", "hi", "sw"]

    @Test func heatmapHasOneCellPerPairAndItsLabels() throws {
        let sources = ["English", "Deutsch", "Русский", "中文", "العربية", "हिन्दी"]
        var values: [[Double]] = []
        for r in 0..<sources.count {
            var row: [Double] = []
            for c in 0..<languages.count { row.append(40 + Double((r * 7 + c * 13) % 50) + 0.25) }
            values.append(row)
        }
        values[2][3] = .nan
        let svg = try SVGChart.heatmap(HeatmapSpec(title: "Zero-shot transfer <NER> & \"POS\"", rowLabels: sources,
                                                   columnLabels: languages, values: values))
        saveForInspection(svg, "heatmap.svg")
        let x = try SVGInspector.parse(svg)
        #expect(x.classes["cell"] == sources.count * languages.count)
        #expect(x.classes["value"] == sources.count * languages.count)
        #expect(x.texts.contains("Zero-shot transfer <NER> & \"POS\""))
        for label in sources + languages { #expect(x.texts.contains(label), "label \(label)") }
        #expect(x.texts.contains("–"), "NaN cell is marked")
        #expect(x.texts.contains("40.3"))
        #expect(!svg.contains("nan") && !svg.contains("NaN"))
    }

    @Test func groupedBarsDrawBarsErrorBarsBaselineAndLegend() throws {
        let groups = [
            BarGroup(name: "Germanic", categories: [
                BarCategory(label: "en", values: [BarValue(0.91, lower: 0.89, upper: 0.93), BarValue(0.88, lower: 0.85, upper: 0.9)]),
                BarCategory(label: "de", values: [BarValue(0.84, lower: 0.8, upper: 0.87), BarValue(0.8, lower: 0.77, upper: 0.83)]),
            ]),
            BarGroup(name: "Slavic", categories: [
                BarCategory(label: "ru", values: [BarValue(0.75, lower: 0.71, upper: 0.79), BarValue(.nan)]),
            ]),
            BarGroup(name: "Sino-Tibetan", categories: [
                BarCategory(label: "zh", values: [BarValue(0.6, lower: 0.55, upper: 0.64), BarValue(0.52, lower: 0.47, upper: 0.58)]),
                BarCategory(label: "yue", values: [BarValue(0.5), BarValue(0.45)]),
            ]),
        ]
        let svg = try SVGChart.groupedBars(GroupedBarSpec(title: "SIB-200 accuracy by family", yAxisTitle: "accuracy",
                                                          series: ["multi-task", "single-task"], groups: groups,
                                                          baseline: (0.25, "majority class")))
        saveForInspection(svg, "bars.svg")
        let x = try SVGInspector.parse(svg)
        #expect(x.classes["bar"] == 9, "10 values, one NaN")
        #expect(x.classes["error-bar"] == 7)
        #expect(x.classes["baseline"] == 1)
        #expect(x.classes["legend"] == 2)
        #expect(x.classes["group-label"] == 3)
        for label in ["en", "de", "ru", "zh", "yue", "Germanic", "Slavic", "Sino-Tibetan", "majority class", "multi-task"] {
            #expect(x.texts.contains(label), "label \(label)")
        }
    }

    @Test func fewShotCurvesOnLog2Axis() throws {
        let ks = [1.0, 2, 4, 8, 16, 32, 64]
        let methods = ["fine-tune", "prototype", "linear probe"]
        var series: [LineSeries] = []
        for (m, name) in methods.enumerated() {
            var points: [LinePoint] = []
            for k in ks {
                let mean: Double = 0.3 + 0.08 * log2(k) + 0.03 * Double(m)
                points.append(LinePoint(x: k, mean: mean, sd: 0.06 / (1 + log2(k) / 2)))
            }
            series.append(LineSeries(name: name, points: points))
        }
        let svg = try SVGChart.lines(LineChartSpec(title: "Few-shot SIB-200 (5 seeds)", xAxisTitle: "k (examples per class)",
                                                   yAxisTitle: "accuracy", xScale: .log2, uncertainty: .band, series: series))
        saveForInspection(svg, "fewshot.svg")
        let x = try SVGInspector.parse(svg)
        #expect(x.classes["point"] == ks.count * methods.count)
        #expect(x.classes["band"] == methods.count)
        #expect(x.classes["series-line"] == methods.count)
        #expect(x.classes["legend"] == methods.count)
        for k in ["1", "2", "4", "8", "16", "32", "64"] { #expect(x.texts.contains(k), "x tick \(k)") }
        #expect(throws: MetricInputError.self) {
            try SVGChart.lines(LineChartSpec(title: "t", xAxisTitle: "k", yAxisTitle: "y", xScale: .log2,
                                             series: [LineSeries(name: "a", points: [LinePoint(x: 0, y: 1)])]))
        }
    }

    @Test func trainingCurvesWithGapsAndErrorBars() throws {
        let tasks = ["ner (UNER)", "pos (UD)", "topic (SIB-200)"]
        var series: [LineSeries] = []
        for (t, name) in tasks.enumerated() {
            var points: [LinePoint] = []
            for step in stride(from: 0, through: 2000, by: 100) {
                let decay: Double = (2.5 - Double(t) * 0.4) * exp(-Double(step) / 600)
                let loss: Double = decay + 0.3 + 0.02 * sin(Double(step) / 70)
                let y: Double = step == 1000 && t == 1 ? .nan : loss
                points.append(LinePoint(x: Double(step), y: y, lower: loss - 0.05, upper: loss + 0.05))
            }
            series.append(LineSeries(name: name, points: points))
        }
        let svg = try SVGChart.lines(LineChartSpec(title: "Training loss per task", xAxisTitle: "step", yAxisTitle: "loss",
                                                   uncertainty: .bars, series: series, markers: false))
        saveForInspection(svg, "training.svg")
        let x = try SVGInspector.parse(svg)
        #expect(x.classes["series-line"] == 4, "the NaN splits one series in two")
        #expect(x.classes["error-bar"] == 21 * 3 - 1)
        #expect(x.classes["point"] == nil)
        for t in tasks { #expect(x.texts.contains(t)) }
    }

    @Test func escapingKeepsAnyLabelWellFormed() throws {
        let nasty = "a<b>&\"c\"'d'\u{1}\u{FFFE} שלום 👍🏽 e\u{301}"
        let svg = try SVGChart.heatmap(HeatmapSpec(title: nasty, rowLabels: [nasty], columnLabels: ["x"], values: [[1]]))
        let x = try SVGInspector.parse(svg)
        #expect(x.texts.contains("a<b>&\"c\"'d'\u{FFFD}\u{FFFD} שלום 👍🏽 e\u{301}"))
    }

    @Test func badShapesAreErrors() {
        #expect(throws: MetricInputError.self) {
            try SVGChart.heatmap(HeatmapSpec(title: "t", rowLabels: ["a", "b"], columnLabels: ["x"], values: [[1]]))
        }
        #expect(throws: MetricInputError.self) {
            try SVGChart.groupedBars(GroupedBarSpec(title: "t", yAxisTitle: "y", series: ["a", "b"],
                                                    groups: [BarGroup(name: "g", categories: [BarCategory(label: "c", values: [BarValue(1)])])]))
        }
    }
}

@Suite struct LargeFigureTests {
    /// Thirty languages in six families and a 15 × 15 transfer matrix: counts stay exact, and the saved files are
    /// what a person checks for overlapping labels.
    @Test func manyLanguages() throws {
        let families: [(String, [String])] = [
            ("Indo-European", ["en", "de", "fr", "es", "ru", "hi", "bn", "fa", "el", "pt"]),
            ("Sino-Tibetan", ["zh", "my"]), ("Afro-Asiatic", ["ar", "he", "am", "ha"]),
            ("Niger-Congo", ["sw", "yo", "ig", "zu", "wo"]), ("Austronesian", ["id", "tl", "jv", "mi"]),
            ("Turkic", ["tr", "kk", "uz", "az", "tt"]),
        ]
        var groups: [BarGroup] = []
        var i = 0
        for (family, langs) in families {
            var cats: [BarCategory] = []
            for l in langs {
                let v = 0.35 + Double((i * 37) % 55) / 100
                cats.append(BarCategory(label: l, values: [BarValue(v, lower: v - 0.04, upper: v + 0.03)]))
                i += 1
            }
            groups.append(BarGroup(name: family, categories: cats))
        }
        let bars = try SVGChart.groupedBars(GroupedBarSpec(title: "Zero-shot accuracy from English, 30 languages",
                                                           yAxisTitle: "accuracy", series: ["model"], groups: groups,
                                                           baseline: (0.5, "English − 40")))
        saveForInspection(bars, "bars-30.svg")
        let b = try SVGInspector.parse(bars)
        #expect(b.classes["bar"] == 30 && b.classes["error-bar"] == 30 && b.classes["group-label"] == 6)
        #expect(b.classes["legend"] == nil, "one series needs no legend")

        let names = ["English", "German", "Russian", "Chinese (Simplified)", "Arabic", "Hindi", "Swahili", "Yoruba",
                     "Indonesian", "Turkish", "Japanese", "Korean", "Vietnamese", "Thai", "Greek"]
        var values: [[Double]] = []
        for r in 0..<names.count {
            var row: [Double] = []
            for c in 0..<names.count { row.append(r == c ? 90 : 30 + Double((r * 11 + c * 7) % 50)) }
            values.append(row)
        }
        let heat = try SVGChart.heatmap(HeatmapSpec(title: "Transfer matrix", rowLabels: names, columnLabels: names,
                                                    values: values, range: 0...100))
        saveForInspection(heat, "heatmap-15.svg")
        #expect(try SVGInspector.parse(heat).classes["cell"] == 225)
    }
}
