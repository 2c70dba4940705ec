import Foundation
import Platform

/// Reading and writing HF `tokenizers`' tokenizer.json: each section is built by its stage kind's
/// factory and written back from the stages, so a file Polyglot writes loads unchanged in HF. What HF
/// cannot express (ICU word segmentation, NFKC case folding) goes to a sidecar `<name>.polyglot.json`
/// beside it: HF rejects unknown top-level keys, so the sidecar keeps the main file loadable by HF,
/// which then sees the nearest HF pipeline (Metaspace instead of ICU words); Polyglot reads both.
extension Tokenizer {
    /// The sidecar path for a tokenizer.json path.
    public static func sidecarURL(for url: URL) -> URL {
        let name = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(name + ".polyglot.json")
    }

    struct Sidecar: Codable {
        var format: Int
        var normalizer: NormalizerSpec?
        var preTokenizer: PreTokenizerSpec?
        enum CodingKeys: String, CodingKey { case format, normalizer, preTokenizer = "pre_tokenizer" }
    }

    /// Loads a tokenizer.json (and its sidecar, when present). Errors name the file and the JSON path.
    public static func load(from url: URL) throws -> Tokenizer {
        let path = url.path
        // Bounded (InputLimits.jsonBytes), regular files only, duplicate keys rejected.
        let bytes = try InputFile.read(path, limit: InputLimits.jsonBytes, what: "tokenizer file")
        let root = try StrictJSON.parse(bytes, path: path)
        guard case .object = root else { throw FileError(path: path, "expected a JSON object at the top level") }
        var sidecar: Sidecar?
        let sideURL = sidecarURL(for: url)
        if PathEntry(path: sideURL.path) != .missing {
            do { sidecar = try StrictJSON.decode(Sidecar.self, path: sideURL.path) } catch let e as FileError {
                throw FileError(path: e.path, line: e.line, "invalid Polyglot sidecar: \(e.message)")
            }
        }
        do {
            return try HFTokenizerJSON.parse(try StageJSON(root, path: ""), sidecar: sidecar)
        } catch let e as TokenizerError {
            throw FileError(path: path, e.message)
        }
    }

    /// tokenizer.json's text: every stage as HF writes it.
    public func serializedJSON() -> [UInt8] { HFTokenizerJSON.serialize(self).serialized(indent: 2) + [0x0A] }

    /// Writes tokenizer.json (and the sidecar when Polyglot-only stages are used) atomically.
    public func save(to url: URL) throws {
        try AtomicFile.write(Data(serializedJSON()), to: url)
        let sideURL = Tokenizer.sidecarURL(for: url)
        if let side = HFTokenizerJSON.sidecar(self) {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .prettyPrinted]
            try AtomicFile.write(try enc.encode(side), to: sideURL)
        } else if PathEntry(path: sideURL.path) == .file {
            // A stale sidecar of an earlier ICU tokenizer at this path; only a regular file is ever removed.
            try? FileManager.default.removeItem(at: sideURL)
        }
    }
}

/// The normalizer a sidecar names (Polyglot's own stages, or one of HF's it can also hold).
enum NormalizerSpec: Codable, Equatable, Sendable {
    case none
    case bert(BertNormalizer.Config)
    case icu(ICUNormalizer.Config)

    func make() -> (any NormalizerStage)? {
        switch self {
        case .none: nil
        case let .bert(c): BertNormalizer(c)
        case let .icu(c): ICUNormalizer(c)
        }
    }
}

/// The pre-tokenizer a sidecar names.
enum PreTokenizerSpec: Codable, Equatable, Sendable {
    case bert
    case metaspace(prependScheme: MetaspacePreTokenizer.PrependScheme, split: Bool)
    case icu(ICUWordPreTokenizer.Config)

    func make() throws -> any PreTokenizerStage {
        switch self {
        case .bert: BertPreTokenizer()
        case let .metaspace(p, s): MetaspacePreTokenizer(prependScheme: p, split: s)
        case let .icu(c): try ICUWordPreTokenizer(c)
        }
    }
}

enum HFTokenizerJSON {
    /// The top-level keys of tokenizer.json; any other is an error (as in HF).
    static let topLevelKeys = ["version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer", "model",
                               "post_processor", "decoder"]

    static func parse(_ root: StageJSON, sidecar: Tokenizer.Sidecar?) throws -> Tokenizer {
        for (k, _) in root.members where !topLevelKeys.contains(k) {
            throw root.fail(k, "unknown top-level key (expected: \(topLevelKeys.joined(separator: ", ")))")
        }
        let model = try SubwordModels.make(try root.object("model"))
        var added: [AddedToken] = []
        if root.has("added_tokens") {
            added = try root.objects("added_tokens").map { try AddedToken(json: $0) }
        }
        let normalizer: (any NormalizerStage)?
        if let n = sidecar?.normalizer {
            normalizer = n.make()
        } else if let c = ICUNormalizer.recognize(root["normalizer"]) {
            // The sequence Polyglot writes for its ICU normalizer: one pass instead of several.
            normalizer = ICUNormalizer(c)
        } else {
            normalizer = try Normalizers.make(root["normalizer"], path: "normalizer")
        }
        let preTokenizer = try sidecar?.preTokenizer?.make() ?? PreTokenizers.make(root["pre_tokenizer"], path: "pre_tokenizer")
        let post = try PostProcessors.make(root["post_processor"], path: "post_processor")
        let decoder = try Decoders.make(root["decoder"], path: "decoder")
        let truncation = root.has("truncation") ? try Truncation(json: try root.object("truncation")) : nil
        let padding = root.has("padding") ? try Padding(json: try root.object("padding")) : nil
        do {
            return try Tokenizer(normalizer: normalizer, preTokenizer: preTokenizer, model: model, postProcessor: post,
                                 decoder: decoder, addedTokens: added, truncation: truncation, padding: padding)
        } catch let e as TokenizerError { throw TokenizerError("tokenizer: \(e.message)") }
    }

    static func serialize(_ t: Tokenizer) -> StrictJSON {
        let truncation: StrictJSON = t.truncation?.json ?? .null
        let padding: StrictJSON = t.padding?.json ?? .null
        let added: StrictJSON = .array(t.addedTokens.map(\.json))
        let normalizer: StrictJSON = t.normalizer?.json ?? .null
        let pre: StrictJSON = t.preTokenizer?.json ?? .null
        let post: StrictJSON = t.postProcessor?.json ?? .null
        let decoder: StrictJSON = t.decoder?.json ?? .null
        let members: [(String, StrictJSON)] = [
            ("version", .string("1.0")), ("truncation", truncation), ("padding", padding), ("added_tokens", added),
            ("normalizer", normalizer), ("pre_tokenizer", pre), ("post_processor", post), ("decoder", decoder),
            ("model", t.modelKind.json),
        ]
        return .object(members)
    }

    static func sidecar(_ t: Tokenizer) -> Tokenizer.Sidecar? {
        let icuWords = t.preTokenizer as? ICUWordPreTokenizer
        let icuNorm = t.normalizer as? ICUNormalizer
        guard icuWords != nil || icuNorm?.config.form == .nfkcCasefold else { return nil }
        let pre: PreTokenizerSpec? = icuWords.map { .icu($0.config) }
        return Tokenizer.Sidecar(format: 1, normalizer: icuNorm.map { .icu($0.config) }, preTokenizer: pre)
    }

    /// HF's decoder for Metaspace pieces with byte fallback (what Polyglot-trained SentencePiece-style
    /// tokenizers use).
    static var metaspaceDecoder: StrictJSON {
        .stage("Sequence", [("decoders", .array([
            .stage("Replace", [("pattern", .object([("String", .string("\u{2581}"))])), ("content", .string(" "))]),
            .stage("ByteFallback"), .stage("Fuse"),
            .stage("Strip", [("content", .string(" ")), ("start", .int(1)), ("stop", .int(0))]),
        ]))])
    }
}

extension ICUNormalizer: NormalizerStage {
    /// Never built from a `type` tag: read from the sequence of HF stages it writes (`recognize`) or
    /// from the sidecar.
    public static let typeNames: [String] = []

    public init(json: StageJSON) throws {
        guard let c = ICUNormalizer.recognize(.object(json.members)) else {
            throw json.fail(nil, "not the normalizer sequence Polyglot writes")
        }
        self.init(c)
    }

    /// The configuration when `value` is a sequence in the shape Polyglot writes (form, ignorables,
    /// lowercase, accents, spaces), nil otherwise.
    static func recognize(_ value: StrictJSON?) -> Config? {
        guard let value, case .object = value else { return nil }
        var list: [StrictJSON]
        if case .string("Sequence")? = value["type"] {
            guard case .array(let l)? = value["normalizers"] else { return nil }
            list = l
        } else {
            list = [value]
        }
        if list.isEmpty { return nil }
        var c = Config(form: .none, removeDefaultIgnorables: false, lowercase: false, stripAccents: false, collapseSpaces: false)
        var i = 0
        func type(_ k: Int) -> String {
            guard k < list.count, case .string(let t)? = list[k]["type"] else { return "" }
            return t
        }
        func replace(_ k: Int) -> (String, String)? {
            guard type(k) == "Replace", case .object(let p)? = list[k]["pattern"], p.count == 1, case .string(let content)? = list[k]["content"],
                  p[0].0 == "Regex", case .string(let pattern) = p[0].1 else { return nil }
            return (pattern, content)
        }
        switch type(0) {
        case "NFC": c.form = .nfc; i += 1
        case "NFKC": c.form = .nfkc; i += 1
        case "NFD": c.form = .nfd; i += 1
        case "NFKD": c.form = .nfkd; i += 1
        default: break
        }
        if let (p, content) = replace(i), content.isEmpty, p == HFTokenizerJSON.ignorablesRegex { c.removeDefaultIgnorables = true; i += 1 }
        if type(i) == "Lowercase" { c.lowercase = true; i += 1 }
        if type(i) == "NFD" && type(i + 1) == "StripAccents" { c.stripAccents = true; i += 2 }
        if let (p1, c1) = replace(i), p1 == " {2,}", c1 == " ", let (p2, c2) = replace(i + 1), p2 == HFTokenizerJSON.edgeSpacesRegex, c2.isEmpty {
            c.collapseSpaces = true; i += 2
        }
        // Only the whole list, and only what Polyglot itself writes (one of its Replace patterns is there):
        // HF's own NFC/Lowercase/… stages align offsets as HF does, which one fused pass does not.
        guard i == list.count, c.removeDefaultIgnorables || c.collapseSpaces else { return nil }
        return c
    }

    public var json: StrictJSON {
        var list: [StrictJSON] = []
        switch config.form {
        case .none: break
        case .nfc: list.append(.stage("NFC"))
        case .nfkc: list.append(.stage("NFKC"))
        case .nfd: list.append(.stage("NFD"))
        case .nfkd: list.append(.stage("NFKD"))
        // HF has no case folding: NFKC + Lowercase is its nearest (the sidecar keeps the exact form).
        case .nfkcCasefold: list.append(.stage("NFKC")); list.append(.stage("Lowercase"))
        }
        func replace(_ regex: String, _ content: String) -> StrictJSON {
            .stage("Replace", [("pattern", .object([("Regex", .string(regex))])), ("content", .string(content))])
        }
        if config.removeDefaultIgnorables { list.append(replace(HFTokenizerJSON.ignorablesRegex, "")) }
        if config.lowercase && config.form != .nfkcCasefold { list.append(.stage("Lowercase")) }
        if config.stripAccents { list.append(.stage("NFD")); list.append(.stage("StripAccents")) }
        if config.collapseSpaces {
            list.append(replace(" {2,}", " "))
            list.append(replace(HFTokenizerJSON.edgeSpacesRegex, ""))
        }
        return .stage("Sequence", [("normalizers", .array(list))])
    }
}

extension ICUWordPreTokenizer: PreTokenizerStage {
    /// Never built from a `type` tag: Polyglot's own stage lives in the sidecar.
    public static let typeNames: [String] = []

    public init(json: StageJSON) throws { throw json.fail(nil, "Polyglot's ICU word pre-tokenizer is read from the sidecar") }

    /// HF has no ICU word breaking; Metaspace is the nearest (the sidecar keeps the ICU stage).
    public var json: StrictJSON {
        .stage("Metaspace", [("replacement", .string("\u{2581}")), ("prepend_scheme", .string("always")), ("split", .bool(true))])
    }
}

extension HFTokenizerJSON {
    static let edgeSpacesRegex = "\\A +| +\\z"

    /// A character class of every code point `ICUNormalizer` removes as default-ignorable.
    static let ignorablesRegex: String = {
        var ranges: [(UInt32, UInt32)] = []
        var c: UInt32 = 0
        while c <= 0x10FFFF {
            if ICUNormalizer.isRemovableIgnorable(c) {
                if let last = ranges.last, last.1 + 1 == c { ranges[ranges.count - 1].1 = c } else { ranges.append((c, c)) }
            }
            c += 1
        }
        func hex(_ v: UInt32) -> String { "\\x{" + String(v, radix: 16, uppercase: true) + "}" }
        return "[" + ranges.map { $0.0 == $0.1 ? hex($0.0) : hex($0.0) + "-" + hex($0.1) }.joined() + "]"
    }()

}
