import Foundation
import Platform

/// Reading and writing HF `tokenizers`' tokenizer.json. What HF cannot express (ICU word
/// segmentation, Polyglot's normalizer options) goes to a sidecar `<name>.polyglot.json` beside it:
/// HF rejects unknown top-level keys, so the sidecar keeps the main file loadable by HF. HF then
/// sees the nearest HF pipeline (Metaspace instead of ICU words); Polyglot reads both files.
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

    /// Loads a tokenizer.json (and its sidecar, when present). Errors name the file and the key.
    public static func load(from url: URL) throws -> Tokenizer {
        let path = url.path
        // Bounded (InputLimits.jsonBytes), regular files only, duplicate keys rejected.
        let bytes = try InputFile.read(path, limit: InputLimits.jsonBytes, what: "tokenizer file")
        guard let root = try StrictJSON.parse(bytes, path: path).foundationValue as? [String: Any] else {
            throw FileError(path: path, "expected a JSON object at the top level")
        }
        let data = Data(bytes)
        var sidecar: Sidecar?
        let sideURL = sidecarURL(for: url)
        if FileManager.default.fileExists(atPath: sideURL.path) {
            do { sidecar = try StrictJSON.decode(Sidecar.self, path: sideURL.path) } catch let e as FileError {
                throw FileError(path: e.path, line: e.line, "invalid Polyglot sidecar: \(e.message)")
            }
        }
        do {
            return try HFTokenizerJSON.parse(root, data: data, sidecar: sidecar)
        } catch let e as TokenizerError {
            throw FileError(path: path, e.message)
        }
    }

    /// Writes tokenizer.json (and the sidecar when Polyglot-only stages are used) atomically.
    public func save(to url: URL) throws {
        let object = try HFTokenizerJSON.serialize(self)
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        if case let .bpe(m) = modelKind { data = try HFTokenizerJSON.spliceVocabulary(data, pieces: m.vocabulary.pieces) }
        try AtomicFile.write(data, to: url)
        let side = HFTokenizerJSON.sidecar(self)
        let sideURL = Tokenizer.sidecarURL(for: url)
        if let side {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .prettyPrinted]
            try AtomicFile.write(try enc.encode(side), to: sideURL)
        } else if PathEntry(path: sideURL.path) == .file {
            // A stale sidecar of an earlier ICU tokenizer at this path; only a regular file is ever removed.
            try? FileManager.default.removeItem(at: sideURL)
        }
    }
}

enum HFTokenizerJSON {
    static func fail(_ key: String, _ message: String) -> TokenizerError { TokenizerError("\(key): \(message)") }

    static func string(_ o: [String: Any], _ k: String, _ ctx: String) throws -> String {
        guard let v = o[k] as? String else { throw fail("\(ctx).\(k)", "expected a string") }
        return v
    }

    /// Unigram scores read with JSONDecoder: JSONSerialization's numbers are not always the nearest
    /// double to the text, and a last-bit difference changes Viterbi ties.
    struct UnigramScores: Decodable {
        struct Entry: Decodable {
            let score: Double
            init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                _ = try c.decode(String.self)
                score = try c.decode(Double.self)
            }
        }
        struct Model: Decodable { let vocab: [Entry] }
        let model: Model
    }

    static func parse(_ root: [String: Any], data: Data, sidecar: Tokenizer.Sidecar?) throws -> Tokenizer {
        guard let model = root["model"] as? [String: Any] else { throw fail("model", "missing or not an object") }
        let modelType = (model["type"] as? String) ?? (model["vocab"] is [String: Any] ? "WordPiece" : "")
        var added: [SpecialToken] = []
        if let list = root["added_tokens"] as? [[String: Any]] {
            for (i, t) in list.enumerated() {
                guard let c = t["content"] as? String, let id = t["id"] as? Int else {
                    throw fail("added_tokens[\(i)]", "needs \"content\" (string) and \"id\" (integer)")
                }
                added.append(SpecialToken(content: c, id: id))
            }
        }
        let kind: SubwordModelKind
        switch modelType {
        case "WordPiece":
            guard let vocab = model["vocab"] as? [String: Any] else { throw fail("model.vocab", "expected an object piece → id") }
            var pieces = [String](repeating: "", count: vocab.count)
            var seen = [Bool](repeating: false, count: vocab.count)
            for (p, v) in vocab {
                guard let id = v as? Int, id >= 0, id < vocab.count, !seen[id] else {
                    throw fail("model.vocab[\"\(excerpt(p))\"]", "id must be a distinct integer in 0..<\(vocab.count)")
                }
                pieces[id] = p; seen[id] = true
            }
            let unk = (model["unk_token"] as? String) ?? "[UNK]"
            let prefix = (model["continuing_subword_prefix"] as? String) ?? "##"
            let maxChars = (model["max_input_chars_per_word"] as? Int) ?? 100
            do {
                kind = .wordPiece(try WordPieceModel(vocabulary: try Vocabulary(pieces: pieces), unkToken: unk,
                                                      continuingSubwordPrefix: prefix, maxInputCharsPerWord: maxChars))
            } catch let e as TokenizerError { throw fail("model", e.message) }
        case "Unigram":
            guard let vocab = model["vocab"] as? [Any] else { throw fail("model.vocab", "expected a list of [piece, score]") }
            var pieces: [String] = [], scores: [Double] = []
            for (i, entry) in vocab.enumerated() {
                guard let pair = entry as? [Any], pair.count == 2, let p = pair[0] as? String, let s = (pair[1] as? NSNumber)?.doubleValue else {
                    throw fail("model.vocab[\(i)]", "expected [piece, score]")
                }
                pieces.append(p); scores.append(s)
            }
            do {
                let exact = try JSONDecoder().decode(UnigramScores.self, from: data).model.vocab.map(\.score)
                guard exact.count == scores.count else { throw fail("model.vocab", "inconsistent entries") }
                scores = exact
            } catch let e as TokenizerError { throw e } catch {
                throw fail("model.vocab", "scores cannot be read as numbers: \(error)")
            }
            guard let unk = model["unk_id"] as? Int else { throw fail("model.unk_id", "missing (Polyglot needs an unknown piece)") }
            let fallback = (model["byte_fallback"] as? Bool) ?? false
            do {
                kind = .unigram(try UnigramModel(vocabulary: try Vocabulary(pieces: pieces), scores: scores, unkID: unk, byteFallback: fallback))
            } catch let e as TokenizerError { throw fail("model", e.message) }
        case "BPE":
            kind = .bpe(try parseBPE(model))
        default:
            throw fail("model.type", "unsupported model \"\(excerpt(modelType))\" (supported: WordPiece, Unigram, BPE)")
        }

        let normalizer = try sidecar?.normalizer ?? parseNormalizer(root["normalizer"])
        let preTokenizer = try sidecar?.preTokenizer ?? parsePreTokenizer(root["pre_tokenizer"])
        let post = try parsePostProcessor(root["post_processor"])
        let decoder: PieceDecoder
        switch kind {
        case let .wordPiece(m):
            var cleanup = true
            if let d = root["decoder"] as? [String: Any], let c = d["cleanup"] as? Bool { cleanup = c }
            decoder = .wordPiece(prefix: m.continuingSubwordPrefix, cleanup: cleanup)
        case .unigram, .bpe:
            var drop = true
            if case let .metaspace(scheme, _) = preTokenizer { drop = scheme != .never }
            decoder = .metaspace(dropFirstSpace: drop)
        }
        var maxLength: Int?
        if let t = root["truncation"] as? [String: Any] {
            guard let m = t["max_length"] as? Int else { throw fail("truncation.max_length", "expected an integer") }
            maxLength = m
        }
        do {
            return try Tokenizer(normalizer: normalizer, preTokenizer: preTokenizer, model: kind, postProcessor: post,
                                 decoder: decoder, specialTokens: added, maxLength: maxLength)
        } catch let e as TokenizerError { throw fail("tokenizer", e.message) }
    }

    /// HF's BPE model. Options Polyglot does not implement must be at their neutral values.
    static func parseBPE(_ model: [String: Any]) throws -> BPEModel {
        func isNull(_ k: String) -> Bool { model[k] == nil || model[k] is NSNull }
        if !isNull("dropout") { throw fail("model.dropout", "BPE dropout is not supported (must be null)") }
        for k in ["continuing_subword_prefix", "end_of_word_suffix"] where !isNull(k) {
            if let v = model[k] as? String, v.isEmpty { continue }
            throw fail("model.\(k)", "not supported (must be null)")
        }
        if let v = model["ignore_merges"], !isNull("ignore_merges") {
            guard let b = v as? Bool, !b else { throw fail("model.ignore_merges", "not supported (must be false)") }
        }
        guard let vocab = model["vocab"] as? [String: Any] else { throw fail("model.vocab", "expected an object piece → id") }
        var pieces = [String](repeating: "", count: vocab.count)
        var seen = [Bool](repeating: false, count: vocab.count)
        for (p, v) in vocab {
            guard let id = v as? Int, id >= 0, id < vocab.count, !seen[id] else {
                throw fail("model.vocab[\"\(excerpt(p))\"]", "id must be a distinct integer in 0..<\(vocab.count)")
            }
            pieces[id] = p; seen[id] = true
        }
        guard let list = model["merges"] as? [Any] else { throw fail("model.merges", "expected a list of merges") }
        var merges: [(String, String)] = []
        merges.reserveCapacity(list.count)
        for (i, m) in list.enumerated() {
            if let s = m as? String {
                // The older form "left right"; pieces cannot contain the space.
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw fail("model.merges[\(i)]", "expected \"left right\", got \"\(s)\"") }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = m as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                merges.append((a, b))
            } else {
                throw fail("model.merges[\(i)]", "expected [left, right] or \"left right\"")
            }
        }
        let unk: String?
        if isNull("unk_token") { unk = nil } else {
            guard let u = model["unk_token"] as? String else { throw fail("model.unk_token", "expected a string or null") }
            unk = u
        }
        do {
            return try BPEModel(vocabulary: try Vocabulary(pieces: pieces), merges: merges, unkToken: unk,
                                byteFallback: (model["byte_fallback"] as? Bool) ?? false, fuseUnknown: (model["fuse_unk"] as? Bool) ?? false)
        } catch let e as TokenizerError {
            // BPEModel names a bad merge as "merges[i]: …"; make that the key.
            if e.message.hasPrefix("merges["), let colon = e.message.firstIndex(of: ":") {
                throw fail("model." + e.message[..<colon], String(e.message[e.message.index(colon, offsetBy: 2)...]))
            }
            throw fail("model", e.message)
        }
    }

    static func parseNormalizer(_ v: Any?) throws -> NormalizerSpec {
        guard let o = v as? [String: Any] else {
            if v == nil || v is NSNull { return .none }
            throw fail("normalizer", "expected an object or null")
        }
        let list: [[String: Any]]
        if (o["type"] as? String) == "Sequence" {
            guard let l = o["normalizers"] as? [[String: Any]] else { throw fail("normalizer.normalizers", "expected a list") }
            list = l
        } else {
            list = [o]
        }
        if list.count == 1, (list[0]["type"] as? String) == "BertNormalizer" {
            let b = list[0]
            return .bert(BertNormalizer.Config(cleanText: (b["clean_text"] as? Bool) ?? true,
                                               handleChineseChars: (b["handle_chinese_chars"] as? Bool) ?? true,
                                               stripAccents: b["strip_accents"] as? Bool, lowercase: (b["lowercase"] as? Bool) ?? true))
        }
        // A sequence in the shape Polyglot writes: form, ignorables, lowercase, accents, spaces.
        var c = ICUNormalizer.Config(form: .none, removeDefaultIgnorables: false, lowercase: false, stripAccents: false, collapseSpaces: false)
        var i = 0
        func type(_ k: Int) -> String { (k < list.count ? list[k]["type"] as? String : nil) ?? "" }
        func replace(_ k: Int) -> (String, String)? {
            guard type(k) == "Replace", let p = list[k]["pattern"] as? [String: Any], let content = list[k]["content"] as? String else { return nil }
            return ((p["Regex"] as? String) ?? (p["String"] as? String) ?? "", content)
        }
        switch type(0) {
        case "NFC": c.form = .nfc; i += 1
        case "NFKC": c.form = .nfkc; i += 1
        case "NFD": c.form = .nfd; i += 1
        case "NFKD": c.form = .nfkd; i += 1
        default: break
        }
        if let (p, content) = replace(i), content.isEmpty, p == ignorablesRegex { c.removeDefaultIgnorables = true; i += 1 }
        if type(i) == "Lowercase" { c.lowercase = true; i += 1 }
        if type(i) == "NFD" && type(i + 1) == "StripAccents" { c.stripAccents = true; i += 2 }
        if let (p1, c1) = replace(i), p1 == " {2,}", c1 == " ", let (p2, c2) = replace(i + 1), p2 == edgeSpacesRegex, c2.isEmpty {
            c.collapseSpaces = true; i += 2
        }
        if i != list.count {
            throw fail("normalizer", "unsupported normalizer \(type(i).isEmpty ? "entry \(i)" : "\"\(excerpt(type(i)))\"") (supported: BertNormalizer, or a sequence of NFC/NFKC/NFD/NFKD, Lowercase, NFD+StripAccents and Polyglot's Replace patterns)")
        }
        return .icu(c)
    }

    static func parsePreTokenizer(_ v: Any?) throws -> PreTokenizerSpec {
        guard var o = v as? [String: Any] else { throw fail("pre_tokenizer", "missing (supported: BertPreTokenizer, Metaspace)") }
        if (o["type"] as? String) == "Sequence", let l = o["pretokenizers"] as? [[String: Any]], l.count == 1 { o = l[0] }
        switch o["type"] as? String {
        case "BertPreTokenizer": return .bert
        case "Metaspace":
            if let r = o["replacement"] as? String, r != "\u{2581}" { throw fail("pre_tokenizer.replacement", "only \"▁\" is supported") }
            var scheme = MetaspacePreTokenizer.PrependScheme.always
            if let s = o["prepend_scheme"] as? String {
                guard let p = MetaspacePreTokenizer.PrependScheme(rawValue: s) else { throw fail("pre_tokenizer.prepend_scheme", "unknown \"\(excerpt(s))\" (expected one of: \(MetaspacePreTokenizer.PrependScheme.allCases.map(\.rawValue).joined(separator: ", ")))") }
                scheme = p
            } else if let a = o["add_prefix_space"] as? Bool {
                scheme = a ? .always : .never
            }
            return .metaspace(prependScheme: scheme, split: (o["split"] as? Bool) ?? true)
        case let t:
            throw fail("pre_tokenizer.type", "unsupported pre-tokenizer \"\(excerpt(t ?? "?"))\" (supported: BertPreTokenizer, Metaspace)")
        }
    }

    static func parsePostProcessor(_ v: Any?) throws -> TemplatePostProcessor? {
        guard let o = v as? [String: Any] else { return nil }
        func pairOf(_ k: String) throws -> String {
            guard let a = o[k] as? [Any], let s = a.first as? String else { throw fail("post_processor.\(k)", "expected [token, id]") }
            return s
        }
        switch o["type"] as? String {
        case "TemplateProcessing":
            func items(_ k: String) throws -> [TemplatePostProcessor.Item] {
                guard let l = o[k] as? [[String: Any]] else { throw fail("post_processor.\(k)", "expected a list") }
                return try l.enumerated().map { i, e in
                    if let s = e["SpecialToken"] as? [String: Any], let id = s["id"] as? String {
                        return .special(id, typeID: (s["type_id"] as? Int) ?? 0)
                    }
                    if let s = e["Sequence"] as? [String: Any], let id = s["id"] as? String {
                        return .sequence(id == "B" ? 1 : 0, typeID: (s["type_id"] as? Int) ?? 0)
                    }
                    throw fail("post_processor.\(k)[\(i)]", "expected SpecialToken or Sequence")
                }
            }
            return TemplatePostProcessor(single: try items("single"), pair: try items("pair"))
        case "BertProcessing": return .bert(cls: try pairOf("cls"), sep: try pairOf("sep"))
        case "RobertaProcessing": return .roberta(cls: try pairOf("cls"), sep: try pairOf("sep"))
        case let t: throw fail("post_processor.type", "unsupported post-processor \"\(excerpt(t ?? "?"))\" (supported: TemplateProcessing, BertProcessing, RobertaProcessing)")
        }
    }

    // MARK: Writing

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

    static func sidecar(_ t: Tokenizer) -> Tokenizer.Sidecar? {
        var needed = false
        if case .icu = t.preTokenizerSpec { needed = true }
        if case let .icu(c) = t.normalizerSpec, c.form == .nfkcCasefold { needed = true }
        return needed ? Tokenizer.Sidecar(format: 1, normalizer: t.normalizerSpec, preTokenizer: t.preTokenizerSpec) : nil
    }

    static func serialize(_ t: Tokenizer) throws -> [String: Any] {
        var root: [String: Any] = ["version": "1.0"]
        root["truncation"] = t.maxLength.map { ["direction": "Right", "max_length": $0, "strategy": "LongestFirst", "stride": 0] as [String: Any] } ?? NSNull()
        root["padding"] = NSNull()
        root["added_tokens"] = t.specialTokens.map {
            ["id": $0.id, "content": $0.content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true] as [String: Any]
        }
        switch t.normalizerSpec {
        case .none: root["normalizer"] = NSNull()
        case let .bert(c):
            root["normalizer"] = ["type": "BertNormalizer", "clean_text": c.cleanText, "handle_chinese_chars": c.handleChineseChars,
                                  "strip_accents": c.stripAccents.map { $0 as Any } ?? NSNull(), "lowercase": c.lowercase] as [String: Any]
        case let .icu(c):
            var list: [[String: Any]] = []
            switch c.form {
            case .none: break
            case .nfc: list.append(["type": "NFC"])
            case .nfkc: list.append(["type": "NFKC"])
            case .nfd: list.append(["type": "NFD"])
            case .nfkd: list.append(["type": "NFKD"])
            // HF has no case folding: NFKC + Lowercase is its nearest (the sidecar keeps the exact form).
            case .nfkcCasefold: list.append(["type": "NFKC"]); list.append(["type": "Lowercase"])
            }
            if c.removeDefaultIgnorables { list.append(["type": "Replace", "pattern": ["Regex": ignorablesRegex], "content": ""]) }
            if c.lowercase && c.form != .nfkcCasefold { list.append(["type": "Lowercase"]) }
            if c.stripAccents { list.append(["type": "NFD"]); list.append(["type": "StripAccents"]) }
            if c.collapseSpaces {
                list.append(["type": "Replace", "pattern": ["Regex": " {2,}"], "content": " "])
                list.append(["type": "Replace", "pattern": ["Regex": edgeSpacesRegex], "content": ""])
            }
            root["normalizer"] = ["type": "Sequence", "normalizers": list] as [String: Any]
        }
        switch t.preTokenizerSpec {
        case .bert: root["pre_tokenizer"] = ["type": "BertPreTokenizer"]
        case let .metaspace(scheme, split):
            root["pre_tokenizer"] = ["type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": scheme.rawValue, "split": split] as [String: Any]
        case .icu:
            // HF has no ICU word breaking; Metaspace is the nearest (the sidecar keeps the ICU stage).
            root["pre_tokenizer"] = ["type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "always", "split": true] as [String: Any]
        }
        if let pp = t.postProcessor {
            func items(_ l: [TemplatePostProcessor.Item]) -> [[String: Any]] {
                l.map {
                    switch $0 {
                    case let .special(s, typeID): ["SpecialToken": ["id": s, "type_id": typeID] as [String: Any]]
                    case let .sequence(w, typeID): ["Sequence": ["id": w == 0 ? "A" : "B", "type_id": typeID] as [String: Any]]
                    }
                }
            }
            var specials: [String: Any] = [:]
            for item in pp.single + pp.pair {
                if case let .special(s, _) = item, let id = t.id(for: s) { specials[s] = ["id": s, "ids": [id], "tokens": [s]] as [String: Any] }
            }
            root["post_processor"] = ["type": "TemplateProcessing", "single": items(pp.single), "pair": items(pp.pair), "special_tokens": specials] as [String: Any]
        } else {
            root["post_processor"] = NSNull()
        }
        switch t.modelKind {
        case let .wordPiece(m):
            var vocab: [String: Int] = [:]
            for (i, p) in m.vocabulary.pieces.enumerated() { vocab[p] = i }
            root["model"] = ["type": "WordPiece", "unk_token": m.unkToken, "continuing_subword_prefix": m.continuingSubwordPrefix,
                             "max_input_chars_per_word": m.maxInputCharsPerWord, "vocab": vocab] as [String: Any]
            if case let .wordPiece(prefix, cleanup) = t.decoder {
                root["decoder"] = ["type": "WordPiece", "prefix": prefix, "cleanup": cleanup] as [String: Any]
            }
        case let .unigram(m):
            root["model"] = ["type": "Unigram", "unk_id": Int(m.unkID), "byte_fallback": m.byteFallback,
                             "vocab": zip(m.vocabulary.pieces, m.scores).map { [$0.0, $0.1] as [Any] }] as [String: Any]
            root["decoder"] = metaspaceDecoder
        case let .bpe(m):
            root["model"] = ["type": "BPE", "dropout": NSNull(), "continuing_subword_prefix": NSNull(), "end_of_word_suffix": NSNull(),
                             "unk_token": m.unkID.map { m.vocabulary.pieces[Int($0)] as Any } ?? NSNull(),
                             "fuse_unk": m.fuseUnknown, "byte_fallback": m.byteFallback, "ignore_merges": false,
                             "vocab": vocabPlaceholder, "merges": m.mergePieces.map { [$0.0, $0.1] }] as [String: Any]
            root["decoder"] = metaspaceDecoder
        }
        return root
    }

    static let vocabPlaceholder = "__polyglot_bpe_vocab__"

    /// Replaces the placeholder by the vocabulary object written in id order. JSONSerialization's
    /// sorted keys compare Strings by canonical equivalence, which leaves the order of some pieces
    /// (partial Thai or Devanagari clusters) unstable, and a [String: Int] would merge canonically
    /// equivalent pieces; bytes in id order are deterministic and keep every piece.
    static func spliceVocabulary(_ data: Data, pieces: [String]) throws -> Data {
        var object: [UInt8] = [0x7B]
        for (i, p) in pieces.enumerated() {
            if i > 0 { object.append(0x2C) }
            object.append(0x22)
            for b in p.utf8 {
                switch b {
                case 0x22: object += [0x5C, 0x22]
                case 0x5C: object += [0x5C, 0x5C]
                case 0..<0x20: object += Array(String(format: "\\u%04x", b).utf8)
                default: object.append(b)
                }
            }
            object.append(0x22); object.append(0x3A)
            object += Array(String(i).utf8)
        }
        object.append(0x7D)
        let marker = Data(("\"" + vocabPlaceholder + "\"").utf8)
        guard let r = data.range(of: marker) else { throw TokenizerError("internal: vocabulary placeholder missing from the serialized tokenizer") }
        var out = data
        out.replaceSubrange(r, with: object)
        return out
    }

    /// HF's decoder for Metaspace pieces with byte fallback.
    static var metaspaceDecoder: [String: Any] { ["type": "Sequence", "decoders": [
        ["type": "Replace", "pattern": ["String": "\u{2581}"], "content": " "] as [String: Any],
        ["type": "ByteFallback"], ["type": "Fuse"],
        ["type": "Strip", "content": " ", "start": 1, "stop": 0] as [String: Any],
    ]] }
}
