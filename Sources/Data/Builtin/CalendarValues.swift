/// Dates of the built-in suite: days from 1900-01-01 to 2099-12-31, with month and weekday worked
/// out here by calendar arithmetic (not read back from ICU), so the gold label is independent of
/// the formatter that writes the text.
enum CalendarValues {
    /// Days from 1970-01-01 to 1900-01-01, and the number of days in the range.
    static let firstDay = -25_567
    static let dayCount = 73_049

    static func draw(_ rng: inout RandomStream) -> Int { firstDay + rng.nextInt(below: dayCount) }

    static func key(_ day: Int) -> String {
        let c = civil(day)
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "date:\(c.year)-\(pad(c.month))-\(pad(c.day))"
    }

    /// Noon UTC of the day, in milliseconds since the epoch (noon keeps the date the same in any
    /// zone ICU might apply).
    static func millis(_ day: Int) -> Double { (Double(day) * 86_400 + 43_200) * 1000 }

    /// Year, month (1-12) and day of a day number (days since 1970-01-01), proleptic Gregorian
    /// (H. Hinnant's civil_from_days).
    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    static func weekday(_ days: Int) -> Int { ((days + 3) % 7 + 7) % 7 }

    /// Months and weekdays are Gregorian in every locale, whatever calendar the region prefers
    /// (Thai Buddhist, Persian), so labels mean the same everywhere.
    static func gregorian(_ locale: String) -> String {
        locale.utf8.contains(64) ? locale + ";calendar=gregorian" : locale + "@calendar=gregorian"
    }

    static let monthLabels: [LabelSpec] = [
        ("january", "January, the first month of the year"), ("february", "February, the second month of the year"),
        ("march", "March, the third month of the year"), ("april", "April, the fourth month of the year"),
        ("may", "May, the fifth month of the year"), ("june", "June, the sixth month of the year"),
        ("july", "July, the seventh month of the year"), ("august", "August, the eighth month of the year"),
        ("september", "September, the ninth month of the year"), ("october", "October, the tenth month of the year"),
        ("november", "November, the eleventh month of the year"), ("december", "December, the twelfth and last month of the year"),
    ].map { LabelSpec(name: $0.0, description: $0.1) }

    static let weekdayLabels: [LabelSpec] = [
        ("monday", "Monday, the day after Sunday"), ("tuesday", "Tuesday, the day after Monday"),
        ("wednesday", "Wednesday, the middle of the working week"), ("thursday", "Thursday, the day after Wednesday"),
        ("friday", "Friday, the last working day of the week"), ("saturday", "Saturday, the first day of the weekend"),
        ("sunday", "Sunday, the last day of the weekend"),
    ].map { LabelSpec(name: $0.0, description: $0.1) }
}

import Platform
