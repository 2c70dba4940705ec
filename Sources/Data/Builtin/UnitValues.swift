import Platform

/// Measures of the built-in suite: a unit (with its dimension) and an amount.
enum UnitValues {
    struct Unit: Sendable { let id: String; let dimension: String }
    struct Measure: Sendable { let unit: Unit; let amount: Double }

    static let byDimension: [(String, [String])] = [
        ("length", ["kilometer", "meter", "centimeter", "millimeter", "mile", "foot", "inch", "yard"]),
        ("mass", ["kilogram", "gram", "milligram", "pound", "ounce", "tonne"]),
        ("duration", ["hour", "minute", "second", "day", "week", "month", "year"]),
        ("volume", ["liter", "milliliter", "gallon", "cubic-meter", "deciliter"]),
        ("temperature", ["celsius", "fahrenheit", "kelvin"]),
        ("speed", ["kilometer-per-hour", "meter-per-second", "mile-per-hour", "knot"]),
        ("area", ["square-meter", "square-kilometer", "hectare", "acre", "square-foot", "square-mile"]),
        ("digital", ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"]),
    ]
    static let units: [Unit] = byDimension.flatMap { dimension, names in names.map { Unit(id: "\(dimension)-\($0)", dimension: dimension) } }

    static let dimensionLabels: [LabelSpec] = [
        ("length", "a length or distance, such as kilometres, metres or miles"),
        ("mass", "a mass or weight, such as kilograms, grams or pounds"),
        ("duration", "a duration of time, such as hours, minutes or days"),
        ("volume", "a volume of liquid or space, such as litres or gallons"),
        ("temperature", "a temperature, such as degrees Celsius or Fahrenheit"),
        ("speed", "a speed, such as kilometres per hour"),
        ("area", "an area of land or surface, such as square metres or hectares"),
        ("digital", "an amount of digital information, such as bytes or gigabytes"),
    ].map { LabelSpec(name: $0.0, description: $0.1) }

    static func skeleton(_ unit: String) -> String { "measure-unit/\(unit) unit-width-full-name" }

    /// Amounts mix small integers (plural forms one/few/many), larger integers and one-decimal values.
    static func draw(_ rng: inout RandomStream) -> Measure {
        // Dimension first, so classes are balanced whatever the number of units per dimension.
        let (dimension, names) = byDimension[rng.nextInt(below: byDimension.count)]
        let unit = Unit(id: "\(dimension)-\(names[rng.nextInt(below: names.count)])", dimension: dimension)
        let kind = rng.nextInt(below: 20)
        let amount: Double
        if kind < 12 { amount = Double(1 + rng.nextInt(below: 100)) }
        else if kind < 17 { amount = Double(101 + rng.nextInt(below: 9899)) }
        else { amount = Double(1 + rng.nextInt(below: 999)) / 10 }
        return Measure(unit: unit, amount: amount)
    }

    static func key(_ m: Measure) -> String {
        let amount = m.amount == m.amount.rounded() ? String(Int(m.amount)) : String(m.amount)
        return "unit:\(m.unit.id):\(amount)"
    }

    /// Root-locale renderings, the fallback a locale without unit names would produce.
    final class RootCache {
        private var cache: [String: SkeletonNumberFormatter] = [:]
        func format(_ unit: String, _ amount: Double) throws -> String {
            if cache[unit] == nil { cache[unit] = try SkeletonNumberFormatter(skeleton: skeleton(unit), locale: "root") }
            return try cache[unit]!.format(amount)
        }
    }
}
