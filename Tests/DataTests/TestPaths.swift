import Foundation
import Data
import Platform
import Testing

/// Where tests find the repository's folders and the shared data.
enum TestPaths {
    /// The package root, three levels above this file (Tests/DataTests/TestPaths.swift).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// POLYGLOT_DATA_ROOT, else ../shared/data beside the package.
    static let dataRoot: String = {
        if let env = ProcessInfo.processInfo.environment["POLYGLOT_DATA_ROOT"], !env.isEmpty { return env }
        return URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent("shared/data").path
    }()

    static let fixtures = packageRoot + "/Tests/Fixtures/data/files"
    static let fixtureSpecs = packageRoot + "/Tests/Fixtures/data/specs"
    static let tasks = packageRoot + "/tasks"
    static let languages = packageRoot + "/languages"

    static func fixture(_ name: String) -> String { fixtures + "/" + name }
    static func data(_ relative: String) -> String { dataRoot + "/" + relative }

    /// Whether every file exists under the data root (real-data tests are skipped when not).
    static func hasData(_ relatives: String...) -> Bool {
        relatives.allSatisfy { FileManager.default.fileExists(atPath: data($0)) }
    }

    /// The reason a real-data test is skipped.
    static func missing(_ what: String) -> Comment {
        "\(what) not found under the data root \(dataRoot) (set POLYGLOT_DATA_ROOT to the shared data)"
    }

    static let languageRegistry: LanguageRegistry = try! LanguageRegistry.load(directory: languages)
}

/// The error's one-line description, or nil when `body` does not throw.
func errorText(_ body: () throws -> Void) -> String? {
    do { try body() } catch { return "\(error)" }
    return nil
}
