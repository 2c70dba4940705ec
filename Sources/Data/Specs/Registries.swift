import Foundation
import Platform

/// Every language spec of a folder, keyed by code; a spec's FLORES-200 alias (`arb_Arab` for `ar`) finds it too.
public struct LanguageRegistry: Sendable {
    public private(set) var languages: [String: LanguageSpec]
    /// FLORES-200 alias → code of the spec that holds it.
    public private(set) var aliases: [String: String]
    public let directory: String

    public init(languages: [LanguageSpec], directory: String = "") {
        self.directory = directory
        self.languages = Dictionary(languages.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var aliases: [String: String] = [:]
        for l in languages { if let f = l.flores200, aliases[f] == nil { aliases[f] = l.code } }
        self.aliases = aliases
    }

    /// Loads `<directory>/*.yaml`; any malformed spec fails the whole load with its file and key. One language
    /// has one spec: no two specs share a code or alias, or an ISO 639-3 code with the same main script.
    public static func load(directory: String) throws -> LanguageRegistry {
        let specs = try yamlFiles(in: directory).map { try LanguageSpec.load(path: $0) }
        var names: [String: String] = [:], languages: [String: String] = [:]
        for s in specs { names[s.code] = s.sourcePath }
        for s in specs {
            if let alias = s.flores200 {
                if let other = names[alias], other != s.sourcePath {
                    throw ConfigError(file: s.sourcePath, key: "flores200", "'\(excerpt(alias))' is also the code or alias of \(other)")
                }
                names[alias] = s.sourcePath
            }
            let key = "\(s.iso639_3)_\(s.scripts.first ?? "")"
            if let other = languages[key] {
                throw ConfigError(file: s.sourcePath, key: "iso639_3", "'\(excerpt(s.iso639_3))' in \(s.scripts.first ?? "") is also the language of \(other)")
            }
            languages[key] = s.sourcePath
        }
        return LanguageRegistry(languages: specs, directory: directory)
    }

    /// The spec of a code or FLORES-200 alias.
    public subscript(code: String) -> LanguageSpec? { languages[code] ?? aliases[code].flatMap { languages[$0] } }
    /// The spec's code for a code or alias (`en` for `eng_Latn`), nil when no spec has it.
    public func canonical(_ code: String) -> String? { self[code]?.code }
    public var codes: [String] { languages.keys.sorted() }

    /// The language with a given ISO 639-3 code (the first by code when several scripts have a spec).
    public func language(iso639_3: String) -> LanguageSpec? {
        languages.values.filter { $0.iso639_3 == iso639_3 }.min { $0.code < $1.code }
    }

    /// The family and genus of a language, for aggregating results ("Indo-European", "Germanic").
    public func family(of code: String) -> (family: String, genus: String)? {
        self[code].map { ($0.family, $0.genus) }
    }

    /// Codes grouped by family (for aggregating results), each list sorted.
    public var byFamily: [String: [String]] { group(\.family) }
    /// Codes grouped by "family/genus".
    public var byGenus: [String: [String]] { group { "\($0.family)/\($0.genus)" } }

    func group(_ key: (LanguageSpec) -> String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for l in languages.values { out[key(l), default: []].append(l.code) }
        return out.mapValues { $0.sorted() }
    }
}

/// Every task spec of a folder, checked against the languages.
public struct TaskRegistry: Sendable {
    public private(set) var tasks: [String: TaskSpec]
    public let directory: String

    public init(tasks: [TaskSpec], directory: String = "") {
        self.directory = directory
        self.tasks = Dictionary(tasks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// `allowOutsideDataRoot` lets the specs' data paths be absolute or leave the data root.
    public static func load(directory: String, languages: LanguageRegistry, allowOutsideDataRoot: Bool = false) throws -> TaskRegistry {
        let specs = try yamlFiles(in: directory).map { try TaskSpec.load(path: $0, allowOutsideDataRoot: allowOutsideDataRoot) }
        let registry = TaskRegistry(tasks: specs, directory: directory)
        for spec in specs { try registry.checkReferences(spec, languages: languages) }
        return registry
    }

    public subscript(name: String) -> TaskSpec? { tasks[name] }
    public var names: [String] { tasks.keys.sorted() }

    /// Checks what a spec names outside itself: languages and the task whose head it shares.
    public func checkReferences(_ spec: TaskSpec, languages: LanguageRegistry) throws {
        if spec.format == .builtin {
            for (i, code) in (spec.languages ?? []).enumerated() where languages.languages[code] == nil {
                throw spec.error("languages[\(i)]", "unknown language '\(excerpt(code))' (no \(code).yaml in \(languages.directory))")
            }
        } else {
            // Languages a data_pattern found may have no spec (they evaluate with family unknown).
            for code in (spec.data ?? [:]).keys.sorted() where languages.languages[code] == nil && !spec.discoveredLanguages.contains(code) {
                if let canonical = languages.canonical(code) {
                    throw spec.error("data.\(code)", "'\(excerpt(code))' is the FLORES-200 alias of '\(canonical)': key the data by '\(canonical)'")
                }
                throw spec.error("data.\(code)", "unknown language '\(excerpt(code))' (no \(code).yaml in \(languages.directory))")
            }
        }
        if let head = spec.sharesHead {
            guard let other = tasks[head] else { throw spec.error("shares_head", "unknown task '\(excerpt(head))'") }
            if other.type != spec.type { throw spec.error("shares_head", "task '\(excerpt(head))' is \(other.type.rawValue), this one \(spec.type.rawValue)") }
        }
    }
}

func yamlFiles(in directory: String) throws -> [String] {
    let names: [String]
    do {
        names = try FileManager.default.contentsOfDirectory(atPath: directory)
    } catch {
        throw FileError(path: directory, "cannot list the folder: \(error.localizedDescription)")
    }
    return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        .map { (directory as NSString).appendingPathComponent($0) }
}
