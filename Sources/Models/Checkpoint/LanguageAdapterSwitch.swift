import Engine
import Foundation
import Platform

/// MAD-X at evaluation: before a language is scored, its language adapter is loaded into the model's language
/// slot (below the task adapter); a language without one gets the source language's. The base model's hash is
/// computed once (it is frozen), so a switch reads one adapter file of a few MB.
public final class LanguageAdapterSwitch {
    /// Which language adapter scored a language: its own, or the source's in its place.
    public struct Choice: Codable, Equatable, Sendable {
        /// The language the adapter was chosen for.
        public var language: String
        /// The language whose adapter was loaded (the source language's when `fallback`).
        public var adapterLanguage: String
        public var path: String
        /// SHA-256 of the adapter's weights file.
        public var sha256: String
        public var fallback: Bool

        enum CodingKeys: String, CodingKey { case language, adapterLanguage = "adapter_language", path, sha256, fallback }
    }

    public let model: MultiTaskModel
    public let slot: String
    public let sourceLanguage: String
    private let path: (String) -> String?
    private let baseHash: String
    private var loaded: String?
    private var digests: [String: String] = [:]

    /// `path(language)` gives a language's adapter folder, nil where it has none; the source language must have one.
    public init(model: MultiTaskModel, slot: String, sourceLanguage: String, path: @escaping (String) -> String?) throws {
        self.model = model; self.slot = slot; self.sourceLanguage = sourceLanguage; self.path = path
        guard path(sourceLanguage) != nil else {
            throw ConfigError(key: "strategy.language_adapters", "has no adapter for the source language '\(sourceLanguage)'")
        }
        baseHash = try BaseModelHash.of(model)
    }

    /// Loads `language`'s adapter (the source's where it has none) unless it is the one in the slot now.
    @discardableResult
    public func use(_ language: String) throws -> Choice {
        let own = path(language)
        let adapterLanguage = own == nil ? sourceLanguage : language
        guard let dir = own ?? path(sourceLanguage) else {
            throw ConfigError(key: "strategy.language_adapters", "has no adapter for the source language '\(sourceLanguage)'")
        }
        if loaded != dir {
            loaded = nil
            try AdapterFile.load(URL(fileURLWithPath: dir), into: model, slot: slot, baseHash: baseHash)
            loaded = dir
        }
        let digest = try digests[dir] ?? AdapterFile.weightsSHA256(URL(fileURLWithPath: dir))
        digests[dir] = digest
        return Choice(language: language, adapterLanguage: adapterLanguage, path: dir, sha256: digest, fallback: own == nil)
    }

    /// Puts the source language's adapter back (training goes on with it).
    public func restoreSource() throws { try use(sourceLanguage) }
}
