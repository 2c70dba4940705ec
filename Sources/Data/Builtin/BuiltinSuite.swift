import Foundation
import Platform

/// Tasks generated on the fly from CLDR data through ICU: no files, no network. Every example
/// comes from an underlying value (a date, a number, a region, a unit with an amount) drawn from a
/// seeded stream that does not depend on the language, so every language sees the same values;
/// the split of a value is a hash of the value and the seed, so a value lands in the same split in
/// every language and never in two splits.
public enum BuiltinSuite {
    /// Fractions of the value space that go to train and dev; the rest is test.
    public static let trainFraction = 0.8
    public static let devFraction = 0.1

    /// The split of an underlying value (`date:2024-03-05`, `number:4321`, `region:DE`,
    /// `unit:length-kilometer:3`).
    public static func split(of valueKey: String, seed: UInt64) -> Split {
        var h: UInt64 = 0xcbf29ce484222325
        for b in valueKey.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        var z = h ^ (seed &* 0x9E3779B97F4A7C15)
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        z ^= z >> 31
        let u = Double(z >> 11) / 9_007_199_254_740_992.0
        if u < trainFraction { return .train }
        if u < trainFraction + devFraction { return .dev }
        return .test
    }

    /// The label set a generator produces (tags for `date-fields`), in class-id order; nil for MLM.
    public static func labels(generator: BuiltinGenerator, target: BuiltinTarget?) -> [LabelSpec]? {
        switch (generator, target) {
        case (.dates, .month?): return CalendarValues.monthLabels
        case (.dates, .weekday?): return CalendarValues.weekdayLabels
        case (.dateFields, nil): return DateFieldValues.tagLabels
        case (.numbers, .digits?): return NumberValues.digitLabels
        case (.numbers, .lastDigit?): return NumberValues.lastDigitLabels
        case (.regions, .continent?): return RegionValues.continentLabels
        case (.units, .dimension?): return UnitValues.dimensionLabels
        default: return nil
        }
    }

    static func expectedType(_ generator: BuiltinGenerator) -> TaskType {
        switch generator {
        case .dates, .numbers, .regions, .units: return .classification
        case .dateFields: return .tagging
        case .mlm: return .mlm
        }
    }

    static func allowedTargets(_ generator: BuiltinGenerator) -> [BuiltinTarget] {
        switch generator {
        case .dates: return [.month, .weekday]
        case .numbers: return [.digits, .lastDigit]
        case .regions: return [.continent]
        case .units: return [.dimension]
        case .dateFields, .mlm: return []
        }
    }

    /// Checks a built-in spec: generator, target, type and label set agree.
    static func checkSpec(_ spec: TaskSpec, _ b: BuiltinTaskSpec) throws {
        let allowed = allowedTargets(b.generator)
        switch (b.target, allowed.isEmpty) {
        case (nil, false):
            throw spec.error("builtin.target", "generator \(b.generator.rawValue) needs a target: \(allowed.map(\.rawValue).joined(separator: ", "))")
        case (let t?, true):
            throw spec.error("builtin.target", "generator \(b.generator.rawValue) takes no target, found '\(excerpt(t.rawValue))'")
        case (let t?, false) where !allowed.contains(t):
            throw spec.error("builtin.target", "'\(excerpt(t.rawValue))' is not a target of \(b.generator.rawValue) (expected \(allowed.map(\.rawValue).joined(separator: ", ")))")
        default: break
        }
        let type = expectedType(b.generator)
        if spec.type != type { throw spec.error("type", "generator \(b.generator.rawValue) makes \(type.rawValue) examples, found \(spec.type.rawValue)") }
        if b.sizes.values.allSatisfy({ $0 == 0 }) { throw spec.error("builtin.sizes", "every split has size 0") }
        if let expected = labels(generator: b.generator, target: b.target) {
            let produced = Set(expected.map(\.name))
            let declared = spec.labels ?? []
            for (i, l) in declared.enumerated() where !produced.contains(l.name) {
                throw spec.error("labels[\(i)].name", "'\(excerpt(l.name))' is not a label the \(b.generator.rawValue) generator produces (\(expected.map(\.name).joined(separator: ", ")))")
            }
            let missing = produced.subtracting(declared.map(\.name))
            if let m = missing.sorted().first { throw spec.error("labels", "missing label '\(excerpt(m))' that the generator produces") }
        }
    }

    /// The examples of a built-in task for one language and split: `size` of them (the spec's size
    /// by default; regions are capped by the regions of the split). `seed` overrides the spec's seed.
    public static func examples(task: TaskSpec, language: LanguageSpec, split: Split, seed: UInt64? = nil,
                                size: Int? = nil) throws -> [Example] {
        guard let b = task.builtin else { throw task.error("builtin", "not a builtin task") }
        let count = size ?? b.sizes[split] ?? 0
        return try generate(generator: b.generator, target: b.target, language: language, split: split,
                            seed: seed ?? b.seed, count: count)
    }

    /// Generates examples without a spec.
    public static func generate(generator: BuiltinGenerator, target: BuiltinTarget?, language: LanguageSpec,
                                split: Split, seed: UInt64, count: Int) throws -> [Example] {
        guard count > 0 else { return [] }
        let g = Generation(language: language, split: split, seed: seed)
        switch generator {
        case .dates:
            guard let target else { throw ConfigError(key: "builtin.target", "dates needs a target") }
            return try g.dates(target: target, count: count)
        case .dateFields: return try g.dateFields(count: count)
        case .numbers:
            guard let target else { throw ConfigError(key: "builtin.target", "numbers needs a target") }
            return try g.numbers(target: target, count: count)
        case .regions: return try g.regions(count: count)
        case .units: return try g.units(count: count)
        case .mlm: return try g.rawText(count: count)
        }
    }
}

/// One (language, split, seed) generation; each family of values has its own named stream.
struct Generation {
    let language: LanguageSpec
    let split: Split
    let seed: UInt64

    var locale: String { language.icuLocale }

    func stream(_ family: String) -> RandomStream {
        RandomStream(seed: seed, name: "builtin/\(family)/\(split.rawValue)")
    }

    /// Draws values until `count` of them fall in this split (and `accept` keeps them); every
    /// language draws the same sequence, so they share values except where one lacks data.
    func draw<V>(_ family: String, count: Int, maxDraws: Int? = nil, value: (inout RandomStream) -> V, key: (V) -> String,
                 accept: (V) throws -> Bool = { _ in true }) throws -> [V] {
        var rng = stream(family)
        var out: [V] = []
        var draws = 0
        let limit = maxDraws ?? max(1000, count * 200)
        while out.count < count && draws < limit {
            draws += 1
            let v = value(&rng)
            if BuiltinSuite.split(of: key(v), seed: seed) == split, try accept(v) { out.append(v) }
        }
        return out
    }

    func id(_ key: String, _ index: Int) -> String { "\(language.code)/\(split.rawValue)/\(index)/\(key)" }

    func dates(target: BuiltinTarget, count: Int) throws -> [Example] {
        let formatter = try DateFieldFormatter(locale: CalendarValues.gregorian(locale))
        return try draw("dates", count: count, value: CalendarValues.draw, key: CalendarValues.key).enumerated().map { i, day in
            let text = try formatter.format(millis: CalendarValues.millis(day)).text
            let label = target == .month ? CalendarValues.monthLabels[CalendarValues.civil(day).month - 1].name
                                         : CalendarValues.weekdayLabels[CalendarValues.weekday(day)].name
            let key = CalendarValues.key(day)
            return Example(id: id(key, i), language: language.code, input: .text(text), label: label, parallelKey: key)
        }
    }

    func dateFields(count: Int) throws -> [Example] {
        let formatter = try DateFieldFormatter(locale: CalendarValues.gregorian(locale))
        return try draw("dates", count: count, value: CalendarValues.draw, key: CalendarValues.key).enumerated().map { i, day in
            let (text, fields) = try formatter.format(millis: CalendarValues.millis(day))
            let tagged = try DateFieldValues.tag(text: text, fields: fields, locale: locale)
            let key = CalendarValues.key(day)
            return Example(id: id(key, i), language: language.code, input: .tagged(tagged), parallelKey: key)
        }
    }

    func numbers(target: BuiltinTarget, count: Int) throws -> [Example] {
        let formatter = try SpellOutFormatter(locale: locale)
        try NumberValues.checkRules(formatter, language: language)
        return try draw("numbers", count: count, value: NumberValues.draw, key: NumberValues.key).enumerated().map { i, n in
            // Soft hyphens (U+00AD) in ICU's spell-out are hyphenation hints, not text a writer types.
            let text = String(String.UnicodeScalarView(try formatter.format(n).unicodeScalars.filter { $0.value != 0xAD }))
            let label = target == .digits ? String(String(n).utf8.count) : String(n % 10)
            let key = NumberValues.key(n)
            return Example(id: id(key, i), language: language.code, input: .text(text), label: label, parallelKey: key)
        }
    }

    func regions(count: Int) throws -> [Example] {
        var rng = stream("regions")
        var codes = try RegionValues.territories().filter { BuiltinSuite.split(of: RegionValues.key($0.code), seed: seed) == split }
        rng.shuffle(&codes)
        var out: [Example] = []
        for region in codes where out.count < count {
            let name = try RegionData.displayName(region.code, locale: locale)
            // ICU answers the code itself when the locale has no name for the region.
            if name == region.code || name.isEmpty { continue }
            let key = RegionValues.key(region.code)
            out.append(Example(id: id(key, out.count), language: language.code, input: .text(name),
                               label: region.continent, parallelKey: key))
        }
        return out
    }

    func units(count: Int) throws -> [Example] {
        var formatters: [String: SkeletonNumberFormatter?] = [:]
        let root = UnitValues.RootCache()
        func formatter(_ unit: String) throws -> SkeletonNumberFormatter? {
            if let f = formatters[unit] { return f }
            let f = try SkeletonNumberFormatter(skeleton: UnitValues.skeleton(unit), locale: locale)
            // A locale without long unit names falls back to root's abbreviations ("3 km"); such
            // (locale, unit) pairs are left out rather than labelled with another language's text.
            let usable = try f.format(3) != root.format(unit, 3) ? f : nil
            formatters[unit] = usable
            return usable
        }
        var texts: [String: String] = [:]
        let values = try draw("units", count: count, value: UnitValues.draw, key: UnitValues.key) { v in
            guard let f = try formatter(v.unit.id) else { return false }
            texts[UnitValues.key(v)] = try f.format(v.amount)
            return true
        }
        return values.enumerated().map { i, v in
            let key = UnitValues.key(v)
            return Example(id: id(key, i), language: language.code, input: .text(texts[key]!), label: v.unit.dimension, parallelKey: key)
        }
    }

    /// Raw text of every generator, in equal parts, for masked language modelling.
    func rawText(count: Int) throws -> [Example] {
        let part = (count + 3) / 4
        var texts: [Example] = []
        texts += try dates(target: .month, count: part)
        texts += try numbers(target: .digits, count: part)
        texts += try regions(count: part)
        if texts.count < count { texts += try units(count: count - texts.count) }
        var out: [Example] = []
        for e in texts where out.count < count {
            out.append(Example(id: "\(e.id)#mlm", language: e.language, input: e.input, parallelKey: e.parallelKey))
        }
        return out
    }
}

extension BuiltinSuite {
    /// Each label's name in `language` as the generator writes it in the task's texts — the month or
    /// weekday word of a full date, cut out of ICU's formatted date by its field position, so it is the
    /// form the texts use (the genitive "grudnia" in Polish, not the stand-alone "grudzień") — for the
    /// tasks whose labels are words of the text (dates → month, weekday). nil for other tasks: their
    /// labels (a continent, a unit's dimension, a digit count) are not written in the text.
    public static func localizedLabelNames(task: TaskSpec, language: LanguageSpec) throws -> [String: String]? {
        guard let b = task.builtin, b.generator == .dates, let target = b.target else { return nil }
        let formatter = try DateFieldFormatter(locale: CalendarValues.gregorian(language.icuLocale))
        // 2001-01-01 (day 11,323 since 1970) is a Monday; its first 31 days cover every weekday and
        // the 15th of each month covers every month.
        let monday = 11_323
        var names: [String: String] = [:]
        let labels = target == .month ? CalendarValues.monthLabels : CalendarValues.weekdayLabels
        for (i, label) in labels.enumerated() {
            let day: Int
            if target == .month {
                var d = monday + 14
                while CalendarValues.civil(d).month != i + 1 { d += 28 }
                day = d
            } else {
                day = monday + ((i - CalendarValues.weekday(monday)) % 7 + 7) % 7
            }
            let (text, fields) = try formatter.format(millis: CalendarValues.millis(day))
            let wanted = target == .month ? "month" : "weekday"
            guard let f = fields.first(where: { DateFieldValues.tag(of: $0.field) == wanted }) else { return nil }
            let bytes = Array(text.utf8)[f.range]
            let name = String(decoding: bytes, as: UTF8.self)
            // A numeric month (some locales write the full date with digits) is no name for the label.
            if name.unicodeScalars.allSatisfy({ $0.properties.numericType != nil }) { return nil }
            names[label.name] = name
        }
        return names
    }
}
