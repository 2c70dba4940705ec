import Foundation
import Platform

/// `checkpoint.json` in every checkpoint folder (`last`, `best`): the training step the checkpoint holds,
/// so evaluation can say which step it scored.
public struct CheckpointInfo: Codable, Equatable, Sendable {
    public static let fileName = "checkpoint.json"
    public var step: Int

    public init(step: Int) { self.step = step }

    public func write(to dir: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: dir.appendingPathComponent(Self.fileName))
    }

    /// The info of the checkpoint folder `dir`, or nil when it has none (written before checkpoints carried it).
    public static func read(_ dir: URL) throws -> CheckpointInfo? {
        let url = dir.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try StrictJSON.decode(CheckpointInfo.self, path: url.path) } catch {
            throw FileError(path: url.path, "cannot read: \(FileManifest.brief(error))")
        }
    }
}
