import ArgumentParser
import Foundation
import Platform

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print versions (Polyglot, Swift, ICU and its data, CLDR, Unicode), the BLAS library, the kernels it runs (and who chose them) and its thread count, the CPU and the number of cores.",
        discussion: "Record this with any result you report; `--json` prints the same as one JSON object."
    )

    @Flag(help: "Print one JSON object instead of aligned lines.")
    var json = false

    func run() throws {
        Threads.configure()
        let fields: [(String, String)] = [
            ("polyglot", RuntimeInfo.polyglotVersion),
            ("swift", RuntimeInfo.swiftVersion),
            ("icu", ICU.version),
            ("icu_data", ICU.dataVersion),
            ("cldr", ICU.cldrVersion),
            ("unicode", ICU.unicodeVersion),
            ("blas", BLAS.configuration.trimmingCharacters(in: .whitespaces)),
            ("blas_core", BLAS.coreName),
            ("blas_core_chosen_by", BLAS.coreChooser),
            ("bf16", BF16.isSupported ? "yes" : "no"),
            ("cpu", RuntimeInfo.cpu),
            ("blas_threads", String(BLAS.threadCount)),
            ("threads", String(Threads.count)),
            ("cores", String(Threads.coreCount)),
            ("os", RuntimeInfo.operatingSystem),
        ]
        if json {
            var object: [String: String] = [:]
            for (k, v) in fields { object[k] = v }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            try say(String(decoding: data, as: UTF8.self))
        } else {
            let width = fields.map(\.0.count).max() ?? 0
            for (k, v) in fields { try say(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
        }
    }
}
