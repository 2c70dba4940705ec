import Platform

/// HF's `TemplateProcessing`: the special tokens and sequences of one input or a pair, each with its
/// type id (`"$A:0 [SEP]:1"` in HF's short form). A special token of the template may stand for
/// several ids (`special_tokens`: id → ids and tokens).
public struct TemplateProcessing: PostProcessorStage {
    public static let typeNames = ["TemplateProcessing"]

    public enum Item: Equatable, Sendable {
        /// A special token by its template id, with its type id.
        case special(String, typeID: Int)
        /// Sequence A (0) or B (1), with its type id.
        case sequence(Int, typeID: Int)
    }
    /// A special token of the template: the ids and token strings it inserts.
    public struct Special: Equatable, Sendable {
        public var id: String
        public var ids: [Int]
        public var tokens: [String]
    }

    public var single: [Item]
    public var pair: [Item]
    public var specials: [Special]

    public init(single: [Item], pair: [Item], specials: [Special]) {
        self.single = single; self.pair = pair; self.specials = specials
    }

    /// "[CLS] A [SEP]" / "[CLS] A [SEP] B [SEP]" with type ids 0 then 1 (BERT).
    public static func bert(cls: (String, Int), sep: (String, Int)) -> TemplateProcessing {
        TemplateProcessing(
            single: [.special(cls.0, typeID: 0), .sequence(0, typeID: 0), .special(sep.0, typeID: 0)],
            pair: [.special(cls.0, typeID: 0), .sequence(0, typeID: 0), .special(sep.0, typeID: 0), .sequence(1, typeID: 1), .special(sep.0, typeID: 1)],
            specials: [Special(id: cls.0, ids: [cls.1], tokens: [cls.0]), Special(id: sep.0, ids: [sep.1], tokens: [sep.0])])
    }

    /// "<s> A </s>" / "<s> A </s> </s> B </s>", all type id 0 (RoBERTa, XLM-R).
    public static func roberta(cls: (String, Int), sep: (String, Int)) -> TemplateProcessing {
        TemplateProcessing(
            single: [.special(cls.0, typeID: 0), .sequence(0, typeID: 0), .special(sep.0, typeID: 0)],
            pair: [.special(cls.0, typeID: 0), .sequence(0, typeID: 0), .special(sep.0, typeID: 0), .special(sep.0, typeID: 0),
                   .sequence(1, typeID: 0), .special(sep.0, typeID: 0)],
            specials: [Special(id: cls.0, ids: [cls.1], tokens: [cls.0]), Special(id: sep.0, ids: [sep.1], tokens: [sep.0])])
    }

    public init(json: StageJSON) throws {
        func items(_ k: String) throws -> [Item] {
            try json.list(k).enumerated().map { i, v in
                let o = try StageJSON(v, path: "\(json.key(k))[\(i)]")
                if o.has("SpecialToken") {
                    let s = try o.object("SpecialToken")
                    return .special(try s.string("id"), typeID: try s.int("type_id", default: 0))
                }
                if o.has("Sequence") {
                    let s = try o.object("Sequence")
                    let id = try s.choice("id", ["A", "B"])
                    return .sequence(id == "B" ? 1 : 0, typeID: try s.int("type_id", default: 0))
                }
                throw o.fail(nil, "expected {\"SpecialToken\": …} or {\"Sequence\": …}")
            }
        }
        single = try items("single")
        pair = try items("pair")
        var specials: [Special] = []
        if json.has("special_tokens") {
            let o = try json.object("special_tokens")
            for (name, _) in o.members {
                let s = try o.object(name)
                let ids = try s.list("ids").enumerated().map { i, v -> Int in
                    guard case .integer(let x) = v, let id = Int(exactly: x), id >= 0 else { throw s.fail("ids[\(i)]", "expected a token id") }
                    return id
                }
                let tokens = try s.list("tokens").enumerated().map { i, v -> String in
                    guard case .string(let t) = v else { throw s.fail("tokens[\(i)]", "expected a string") }
                    return t
                }
                guard ids.count == tokens.count else { throw s.fail(nil, "\(ids.count) ids but \(tokens.count) tokens") }
                specials.append(Special(id: try s.string("id", default: name), ids: ids, tokens: tokens))
            }
        }
        self.specials = specials
        for (i, item) in (single + pair).enumerated() {
            if case let .special(id, _) = item, !specials.contains(where: { $0.id == id }) {
                let where_ = i < single.count ? "single[\(i)]" : "pair[\(i - single.count)]"
                throw json.fail(where_, "special token \"\(excerpt(id))\" is missing from special_tokens")
            }
        }
    }

    public var json: StrictJSON {
        func items(_ l: [Item]) -> StrictJSON {
            .array(l.map {
                switch $0 {
                case let .special(s, typeID): .object([("SpecialToken", .object([("id", .string(s)), ("type_id", .int(typeID))]))])
                case let .sequence(w, typeID): .object([("Sequence", .object([("id", .string(w == 0 ? "A" : "B")), ("type_id", .int(typeID))]))])
                }
            })
        }
        let specialObject = StrictJSON.object(specials.map {
            ($0.id, .object([("id", .string($0.id)), ("ids", .array($0.ids.map { .int($0) })), ("tokens", .array($0.tokens.map { .string($0) }))]))
        })
        return .stage("TemplateProcessing", [("single", items(single)), ("pair", items(pair)), ("special_tokens", specialObject)])
    }

    public func addedTokens(pair isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { n, item in
            if case let .special(id, _) = item { return n + (specials.first { $0.id == id }?.ids.count ?? 0) }
            return n
        }
    }

    public func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        var out: [Encoding] = []
        for item in encodings.count > 1 ? pair : single {
            switch item {
            case let .special(id, typeID):
                guard addSpecialTokens, let s = specials.first(where: { $0.id == id }) else { continue }
                for (tid, token) in zip(s.ids, s.tokens) { out.append(.special(token, id: tid, typeID: typeID)) }
            case let .sequence(which, typeID):
                guard which < encodings.count else { continue }
                var e = encodings[which]
                e.typeIDs = Array(repeating: typeID, count: e.count)
                out.append(e)
            }
        }
        return out
    }

    public var insertedTokens: [(content: String, id: Int)] { specials.flatMap { s in zip(s.tokens, s.ids).map { ($0, $1) } } }
}

/// HF's `BertProcessing`: `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]`, type ids 0 then 1.
public struct BertProcessing: PostProcessorStage {
    public static let typeNames = ["BertProcessing"]
    public let cls: (String, Int), sep: (String, Int)

    public init(json: StageJSON) throws {
        cls = try PostProcessors.tokenPair(json, "cls"); sep = try PostProcessors.tokenPair(json, "sep")
    }
    public var json: StrictJSON {
        .stage("BertProcessing", [("sep", .array([.string(sep.0), .int(sep.1)])), ("cls", .array([.string(cls.0), .int(cls.1)]))])
    }
    public func addedTokens(pair: Bool) -> Int { pair ? 3 : 2 }
    public func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        guard addSpecialTokens else { return encodings }
        return TemplateProcessing.bert(cls: cls, sep: sep).process(encodings, addSpecialTokens: true)
    }
    public var insertedTokens: [(content: String, id: Int)] { [cls, sep].map { ($0.0, $0.1) } }
}

/// HF's `RobertaProcessing`: `<s> A </s>` and `<s> A </s></s> B </s>`, byte-level offset trimming
/// first when `trim_offsets` is set.
public struct RobertaProcessing: PostProcessorStage {
    public static let typeNames = ["RobertaProcessing"]
    public let cls: (String, Int), sep: (String, Int)
    public let trimOffsets: Bool, addPrefixSpace: Bool

    public init(json: StageJSON) throws {
        cls = try PostProcessors.tokenPair(json, "cls"); sep = try PostProcessors.tokenPair(json, "sep")
        trimOffsets = try json.bool("trim_offsets", default: true)
        addPrefixSpace = try json.bool("add_prefix_space", default: true)
    }
    public var json: StrictJSON {
        .stage("RobertaProcessing", [("sep", .array([.string(sep.0), .int(sep.1)])), ("cls", .array([.string(cls.0), .int(cls.1)])),
                                     ("trim_offsets", .bool(trimOffsets)), ("add_prefix_space", .bool(addPrefixSpace))])
    }
    public func addedTokens(pair: Bool) -> Int { pair ? 4 : 2 }
    public func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        var e = encodings
        if trimOffsets { for i in e.indices { e[i].trimByteLevelOffsets(addPrefixSpace: addPrefixSpace) } }
        guard addSpecialTokens else { return e }
        // One token type: everything is type 0 (RoBERTa has a single token-type row).
        for i in e.indices { e[i].typeIDs = Array(repeating: 0, count: e[i].count) }
        var out: [Encoding] = [.special(cls.0, id: cls.1, typeID: 0), e[0], .special(sep.0, id: sep.1, typeID: 0)]
        if e.count > 1 {
            out += [.special(sep.0, id: sep.1, typeID: 0), e[1], .special(sep.0, id: sep.1, typeID: 0)]
        }
        return out
    }
    public var insertedTokens: [(content: String, id: Int)] { [cls, sep].map { ($0.0, $0.1) } }
}

extension PostProcessors {
    /// `[token, id]` of BertProcessing and RobertaProcessing.
    static func tokenPair(_ json: StageJSON, _ k: String) throws -> (String, Int) {
        let l = try json.list(k)
        guard l.count == 2, case .string(let s) = l[0], case .integer(let i) = l[1], let id = Int(exactly: i), id >= 0 else {
            throw json.fail(k, "expected [token, id]")
        }
        return (s, id)
    }
}
