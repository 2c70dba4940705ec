import Data
import Evaluation
import Foundation
import Platform

/// The demo's fixed rule for training and held-out languages: the languages every demo task covers, sorted
/// by family, genus, script and code, alternate between training and held out (the first trains). Neighbours
/// in that order are the closest relatives, so related languages land on both sides, and a family's or a
/// script's languages are split between them (single-language families alternate too).
public struct DemoLanguageSplit: Sendable, Equatable {
    public var training: [String]
    public var heldOut: [String]

    public init(training: [String], heldOut: [String]) { self.training = training; self.heldOut = heldOut }

    /// The split of `candidates` (codes with a spec in `languages`; others are an error naming them).
    public static func alternating(_ candidates: [String], languages: LanguageRegistry) throws -> DemoLanguageSplit {
        let missing = candidates.filter { languages[$0] == nil }
        guard missing.isEmpty else {
            throw ConfigError(key: "languages", "no language spec for \(missing.joined(separator: ", ")) in \(languages.directory)")
        }
        let ordered = Set(candidates).map { languages[$0]! }.sorted { a, b in
            (a.family, a.genus, a.scripts.first ?? "", a.code) < (b.family, b.genus, b.scripts.first ?? "", b.code)
        }
        var split = DemoLanguageSplit(training: [], heldOut: [])
        for (i, l) in ordered.enumerated() {
            if i % 2 == 0 { split.training.append(l.code) } else { split.heldOut.append(l.code) }
        }
        return split
    }

    /// How a held-out language relates to the training languages.
    public enum Relation: String, Codable, Sendable, CaseIterable {
        /// A training language has the same family and the same script.
        case familyAndScript = "family+script seen"
        /// Its family trains, but only in other scripts.
        case familyOnly = "family seen, script new"
        /// Its script trains, but only in other families.
        case scriptOnly = "script seen, family new"
        /// Neither its family nor its script trains.
        case neither = "family and script new"
    }

    public func relation(of code: String, languages: LanguageRegistry) -> Relation {
        guard let l = languages[code] else { return .neither }
        let trained = training.compactMap { languages[$0] }
        let scripts = Set(l.scripts)
        let sameFamily = trained.filter { $0.family == l.family }
        if sameFamily.contains(where: { !scripts.isDisjoint(with: $0.scripts) }) { return .familyAndScript }
        if !sameFamily.isEmpty { return .familyOnly }
        if trained.contains(where: { !scripts.isDisjoint(with: $0.scripts) }) { return .scriptOnly }
        return .neither
    }
}
