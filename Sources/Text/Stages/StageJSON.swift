import Platform

/// One object of tokenizer.json (a stage's configuration) and the JSON path it was read at, so that
/// every error names the key: `normalizer.normalizers[1].pattern: expected a string`.
public struct StageJSON: Sendable {
    public let members: [(String, StrictJSON)]
    public let path: String

    public init(members: [(String, StrictJSON)], path: String) { self.members = members; self.path = path }

    /// `value` must be a JSON object.
    public init(_ value: StrictJSON?, path: String) throws {
        guard case .object(let m)? = value else { throw TokenizerError("\(path): expected a JSON object") }
        self.init(members: m, path: path)
    }

    public subscript(k: String) -> StrictJSON? { members.first { $0.0 == k }?.1 }

    /// The stage's `type` tag.
    public func type() throws -> String { try string("type") }

    public func key(_ k: String) -> String { path.isEmpty ? k : path + "." + k }

    public func fail(_ k: String?, _ message: String) -> TokenizerError {
        TokenizerError("\(k.map(key) ?? path): \(message)")
    }

    /// Present and not null.
    public func has(_ k: String) -> Bool {
        switch self[k] { case nil, .null?: false; default: true }
    }

    private func expected(_ k: String, _ what: String) -> TokenizerError {
        fail(k, has(k) ? "expected \(what)" : "missing (expected \(what))")
    }

    public func string(_ k: String) throws -> String {
        guard case .string(let s)? = self[k] else { throw expected(k, "a string") }
        return s
    }
    public func string(_ k: String, default d: String) throws -> String { has(k) ? try string(k) : d }
    public func optionalString(_ k: String) throws -> String? { has(k) ? try string(k) : nil }

    public func bool(_ k: String) throws -> Bool {
        guard case .bool(let b)? = self[k] else { throw expected(k, "true or false") }
        return b
    }
    public func bool(_ k: String, default d: Bool) throws -> Bool { has(k) ? try bool(k) : d }
    public func optionalBool(_ k: String) throws -> Bool? { has(k) ? try bool(k) : nil }

    public func int(_ k: String) throws -> Int {
        guard case .integer(let i)? = self[k], let v = Int(exactly: i) else { throw expected(k, "an integer") }
        return v
    }
    public func int(_ k: String, default d: Int) throws -> Int { has(k) ? try int(k) : d }
    public func optionalInt(_ k: String) throws -> Int? { has(k) ? try int(k) : nil }

    public func double(_ k: String) throws -> Double {
        switch self[k] {
        case .integer(let i)?: return Double(i)
        case .number(let d)?: return d
        default: throw expected(k, "a number")
        }
    }

    public func list(_ k: String) throws -> [StrictJSON] {
        guard case .array(let a)? = self[k] else { throw expected(k, "a list") }
        return a
    }

    public func object(_ k: String) throws -> StageJSON {
        guard case .object(let m)? = self[k] else { throw expected(k, "an object") }
        return StageJSON(members: m, path: key(k))
    }

    /// A list of objects, each with its own path (`key[i]`).
    public func objects(_ k: String) throws -> [StageJSON] {
        try list(k).enumerated().map { i, v in try StageJSON(v, path: "\(key(k))[\(i)]") }
    }

    /// The value of one of `choices` (an enum-like string), or an error listing them.
    public func choice(_ k: String, _ choices: [String], default d: String? = nil) throws -> String {
        guard has(k) else {
            if let d { return d }
            throw fail(k, "missing (expected one of: \(choices.joined(separator: ", ")))")
        }
        let v = try string(k)
        guard choices.contains(v) else { throw fail(k, "unknown \"\(excerpt(v))\" (expected one of: \(choices.joined(separator: ", ")))") }
        return v
    }
}

extension StrictJSON {
    /// A stage object: `{"type": type, members…}`.
    public static func stage(_ type: String, _ members: [(String, StrictJSON)] = []) -> StrictJSON {
        .object([("type", .string(type))] + members)
    }
    public static func optional(_ s: String?) -> StrictJSON { s.map { .string($0) } ?? .null }
    public static func optional(_ b: Bool?) -> StrictJSON { b.map { .bool($0) } ?? .null }
    public static func int(_ i: Int) -> StrictJSON { .integer(Int64(i)) }
}

/// A stage of the tokenizer.json pipeline: built from its JSON object by its kind's factory, written
/// back as HF writes it, so a file Polyglot saves loads unchanged in HF `tokenizers`.
public protocol TokenizerStage: Sendable {
    /// The `type` tags this stage reads (NFC, NFD, NFKC and NFKD share one type, for instance).
    static var typeNames: [String] { get }
    /// Reads the stage from its JSON object (whose `type` is one of `typeNames`).
    init(json: StageJSON) throws
    /// The stage as tokenizer.json holds it, `type` included.
    var json: StrictJSON { get }
}

/// The registry behind each stage kind's factory: `type` tag → stage type.
struct StageRegistry<Stage>: Sendable {
    let kind: String
    private let types: [String: any TokenizerStage.Type]
    let names: [String]

    /// `types` must all conform to `Stage`.
    init(kind: String, _ types: [any TokenizerStage.Type]) {
        self.kind = kind
        var t: [String: any TokenizerStage.Type] = [:]
        for type in types { for n in type.typeNames { t[n] = type } }
        self.types = t
        names = t.keys.sorted()
    }

    func make(_ json: StageJSON) throws -> Stage {
        let t = try json.type()
        guard let type = types[t] else {
            throw json.fail("type", "unsupported \(kind) \"\(excerpt(t))\" (supported: \(names.joined(separator: ", ")))")
        }
        guard let stage = try type.init(json: json) as? Stage else {
            throw json.fail("type", "\"\(excerpt(t))\" is not a \(kind)")
        }
        return stage
    }
}
