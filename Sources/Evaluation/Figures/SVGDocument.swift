/// A minimal SVG 1.1 writer: elements are appended as escaped text, coordinates are written with two decimals,
/// and any element with a non-finite coordinate is dropped (a NaN score leaves a gap, never invalid XML).
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    /// Labels may be in any script: the list falls back through fonts covering Latin, Cyrillic, Greek,
    /// CJK, Devanagari and Arabic before the generic family.
    public static let fontFamily = "DejaVu Sans, Noto Sans, Noto Sans CJK SC, Noto Sans Devanagari, Noto Sans Arabic, Noto Sans Thai, sans-serif"
    private var body: [String] = []

    public init(width: Double, height: Double) {
        self.width = width; self.height = height
    }

    public mutating func append(raw element: String) { body.append(element) }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, cssClass: String? = nil, title: String? = nil) {
        guard allFinite(x, y, width, height), width >= 0, height >= 0 else { return }
        var a = "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"\(Self.escape(fill))\""
        if let stroke { a += " stroke=\"\(Self.escape(stroke))\" stroke-width=\"1\"" }
        if let cssClass { a += " class=\"\(Self.escape(cssClass))\"" }
        if let title { body.append(a + "><title>\(Self.escape(title))</title></rect>") } else { body.append(a + "/>") }
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
                              dash: String? = nil, cssClass: String? = nil) {
        guard allFinite(x1, y1, x2, y2) else { return }
        var a = "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(Self.escape(stroke))\" stroke-width=\"\(n(width))\""
        if let dash { a += " stroke-dasharray=\"\(dash)\"" }
        if let cssClass { a += " class=\"\(Self.escape(cssClass))\"" }
        body.append(a + "/>")
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, cssClass: String? = nil) {
        let finite = points.filter { allFinite($0.0, $0.1) }
        guard finite.count >= 2 else { return }
        var a = "<polyline points=\"" + finite.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        a += "\" fill=\"none\" stroke=\"\(Self.escape(stroke))\" stroke-width=\"\(n(width))\" stroke-linejoin=\"round\""
        if let cssClass { a += " class=\"\(Self.escape(cssClass))\"" }
        body.append(a + "/>")
    }

    public mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double, cssClass: String? = nil) {
        guard points.count >= 3, points.allSatisfy({ allFinite($0.0, $0.1) }) else { return }
        var a = "<polygon points=\"" + points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        a += "\" fill=\"\(Self.escape(fill))\" fill-opacity=\"\(n(opacity))\" stroke=\"none\""
        if let cssClass { a += " class=\"\(Self.escape(cssClass))\"" }
        body.append(a + "/>")
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, cssClass: String? = nil, title: String? = nil) {
        guard allFinite(cx, cy, r) else { return }
        var a = "<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(r))\" fill=\"\(Self.escape(fill))\""
        if let cssClass { a += " class=\"\(Self.escape(cssClass))\"" }
        if let title { body.append(a + "><title>\(Self.escape(title))</title></circle>") } else { body.append(a + "/>") }
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    /// Text at (x, y) (baseline), optionally rotated about that point by `rotate` degrees.
    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                              fill: String = "#222222", weight: String? = nil, rotate: Double? = nil,
                              cssClass: String? = nil) {
        guard allFinite(x, y, size) else { return }
        var a = "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(Self.escape(fill))\""
        if let weight { a += " font-weight=\"\(weight)\"" }
        if let rotate, rotate.isFinite { a += " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\"" }
        if let cssClass { a += " class=\"\(Self.escape(cssClass))\"" }
        body.append(a + ">\(Self.escape(s))</text>")
    }

    /// The document as a string, with an XML declaration, a white background and the font list.
    public func render(title: String? = nil) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(n(width))\" height=\"\(n(height))\" "
        out += "viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"\(Self.escape(Self.fontFamily))\">\n"
        if let title { out += "<title>\(Self.escape(title))</title>\n" }
        out += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>\n"
        for e in body { out += e; out += "\n" }
        out += "</svg>\n"
        return out
    }

    /// XML-escapes text and attribute values, and replaces characters XML 1.0 forbids (C0 controls other than
    /// tab, newline and carriage return; U+FFFE, U+FFFF) with U+FFFD so any label yields a well-formed file.
    public static func escape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            switch c {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&apos;".unicodeScalars)
            default:
                let v = c.value
                if (v < 0x20 && v != 0x9 && v != 0xA && v != 0xD) || v == 0xFFFE || v == 0xFFFF {
                    out.append("\u{FFFD}")
                } else {
                    out.append(c)
                }
            }
        }
        return String(out)
    }

    @inline(__always) private func allFinite(_ v: Double...) -> Bool { v.allSatisfy(\.isFinite) }
    @inline(__always) private func n(_ v: Double) -> String { SVGDocument.number(v) }

    /// Two decimals, no trailing zeros, no "-0".
    static func number(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        var s = String(format2: r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }
}

extension String {
    /// `v` with exactly two decimals, without Foundation's locale-dependent formatting.
    init(format2 v: Double) {
        let negative = v < 0
        let cents = Int((abs(v) * 100).rounded())
        let frac = cents % 100
        self = (negative && cents != 0 ? "-" : "") + "\(cents / 100)." + (frac < 10 ? "0" : "") + "\(frac)"
    }
}
