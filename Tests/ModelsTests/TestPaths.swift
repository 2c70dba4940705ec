import Foundation

/// Where tests find committed fixtures and the shared material beside the checkout.
enum TestPaths {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Fixtures/models").appendingPathComponent(name)
    }

    static var dataRoot: URL {
        if let env = ProcessInfo.processInfo.environment["POLYGLOT_DATA_ROOT"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.appendingPathComponent("../shared/data").standardizedFileURL
    }

    /// The shared all-MiniLM-L6-v2 checkpoint (beside the data root).
    static var miniLM: URL {
        dataRoot.deletingLastPathComponent().appendingPathComponent("models/all-MiniLM-L6-v2").standardizedFileURL
    }

    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("polyglot-models-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
