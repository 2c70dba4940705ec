import Foundation
@testable import Text

enum TestData {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var dataRoot: URL {
        if let env = ProcessInfo.processInfo.environment["POLYGLOT_DATA_ROOT"], !env.isEmpty { return URL(fileURLWithPath: env) }
        return packageRoot.appendingPathComponent("../shared/data").standardized
    }
    static var modelsRoot: URL { dataRoot.appendingPathComponent("../models").standardized }
    static var fixtures: URL { packageRoot.appendingPathComponent("Tests/Fixtures/text") }

    /// Lines without "\n" and a trailing "\r", as tools/reference/text_common.py reads them.
    static func lines(_ url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        return try TextInput.lines(of: [UInt8](data), path: url.path, policy: .reject)
    }

    nonisolated(unsafe) private static var cache: [String: [String]] = [:]
    private static let lock = NSLock()

    /// The sentences of a shared-data file with the reference scripts' rules (SIB-200 text column,
    /// UD "# text = " lines, Tatoeba lines).
    static func sentences(_ rel: String) throws -> [String] {
        lock.lock(); defer { lock.unlock() }
        if let s = cache[rel] { return s }
        let all = try lines(dataRoot.appendingPathComponent(rel))
        let s: [String]
        if rel.hasSuffix(".tsv") {
            s = all.dropFirst().map { line in
                let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
                return String(parts[2])
            }
        } else if rel.hasSuffix(".conllu") {
            s = all.filter { $0.hasPrefix("# text = ") }.map { String($0.dropFirst(9)) }
        } else {
            s = all
        }
        cache[rel] = s
        return s
    }

    /// (sentence, expected ids) for each line of a parity fixture.
    static func parityCases(_ name: String) throws -> [(String, String, [Int])] {
        try lines(fixtures.appendingPathComponent(name)).map { line in
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            let rel = String(parts[0]), index = Int(parts[1])!
            let ids = parts[2].split(separator: " ").map { Int($0)! }
            return ("\(rel)#\(index)", try sentences(rel)[index], ids)
        }
    }

    static func miniLM() throws -> Tokenizer {
        try Tokenizer.load(from: modelsRoot.appendingPathComponent("all-MiniLM-L6-v2/tokenizer.json"))
    }
}
