import Foundation
import Data
import Platform

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

    static let languageRegistry: LanguageRegistry = try! LanguageRegistry.load(directory: languages)
}

/// The error's one-line description, or nil when `body` does not throw.
func errorText(_ body: () throws -> Void) -> String? {
    do { try body() } catch { return "\(error)" }
    return nil
}
