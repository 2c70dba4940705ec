import ArgumentParser

/// Range checks of numeric options, run at parse time (`validate()`): each message names the flag, the
/// range it takes and the value given.
enum OptionRange {
    /// A count: 1 or more.
    static func positive(_ value: Int, _ flag: String) throws {
        guard value >= 1 else { throw ValidationError("\(flag) must be 1 or more, got \(value)") }
    }

    /// `minimum` or more; `meaning` says what the smallest value means (e.g. "0 = all").
    static func atLeast(_ minimum: Int, _ value: Int, _ flag: String, meaning: String? = nil) throws {
        guard value >= minimum else {
            throw ValidationError("\(flag) must be \(minimum) or more\(meaning.map { " (\($0))" } ?? ""), got \(value)")
        }
    }

    /// A finite number above zero.
    static func positive(_ value: Double, _ flag: String) throws {
        guard value.isFinite, value > 0 else { throw ValidationError("\(flag) must be a finite number above 0, got \(value)") }
    }
}
