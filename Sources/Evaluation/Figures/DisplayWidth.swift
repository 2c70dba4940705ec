/// Approximate display width of text in terminal columns (Markdown padding) and, scaled, in SVG font units
/// (layout of labels and legends). Works per scalar: combining marks and format characters take no room,
/// East Asian wide and fullwidth characters take two columns.
public enum DisplayWidth {
    public static func columns(_ text: String) -> Int {
        var w = 0
        for s in text.unicodeScalars { w += columns(s) }
        return w
    }

    @inline(__always) static func columns(_ s: Unicode.Scalar) -> Int {
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        switch s.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// Estimated rendered width in pixels of `text` at `fontSize` in a sans-serif font: about 0.6 em per
    /// narrow character, 1 em per wide one. Used only for layout margins, so a generous estimate is fine.
    public static func svgWidth(_ text: String, fontSize: Double) -> Double {
        Double(columns(text)) * 0.6 * fontSize
    }
}
