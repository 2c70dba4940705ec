import Platform

/// The factory of subword models: tokenizer.json's `model` object → the model, and back.
public enum SubwordModels {
    public static let typeNames = ["WordPiece", "Unigram", "BPE"]

    public static func make(_ json: StageJSON) throws -> SubwordModelKind {
        // Files written before `type` was added to the model object are WordPiece when `vocab` is an object.
        var type = try json.optionalString("type")
        if type == nil, case .object? = json["vocab"] { type = "WordPiece" }
        switch type {
        case "WordPiece": return .wordPiece(try WordPieceModel(json: json))
        case "Unigram": return .unigram(try UnigramModel(json: json))
        case "BPE": return .bpe(try BPEModel(json: json))
        default:
            throw json.fail("type", "unsupported model \"\(excerpt(type ?? "?"))\" (supported: \(typeNames.joined(separator: ", ")))")
        }
    }

    /// `vocab` as an object piece → id (WordPiece, BPE): pieces in id order; ids must be 0..<n, each once.
    static func pieces(fromObject json: StageJSON) throws -> [String] {
        guard case .object(let members)? = json["vocab"] else { throw json.fail("vocab", "expected an object piece → id") }
        var pieces = [String](repeating: "", count: members.count)
        var seen = [Bool](repeating: false, count: members.count)
        for (p, v) in members {
            guard case .integer(let i) = v, i >= 0, i < members.count, !seen[Int(i)] else {
                throw json.fail("vocab[\"\(excerpt(p))\"]", "id must be a distinct integer in 0..<\(members.count)")
            }
            pieces[Int(i)] = p; seen[Int(i)] = true
        }
        return pieces
    }

    static func vocabulary(_ pieces: [String], _ json: StageJSON) throws -> Vocabulary {
        do { return try Vocabulary(pieces: pieces) } catch let e as TokenizerError { throw json.fail("vocab", e.message) }
    }

    /// The vocabulary object in id order.
    static func vocabObject(_ v: Vocabulary) -> StrictJSON {
        .object(v.pieces.enumerated().map { ($0.element, .int($0.offset)) })
    }
}

extension SubwordModelKind {
    /// tokenizer.json's `model` object.
    public var json: StrictJSON {
        switch self {
        case let .wordPiece(m): m.json
        case let .unigram(m): m.json
        case let .bpe(m): m.json
        }
    }
}

extension WordPieceModel {
    public init(json: StageJSON) throws {
        let pieces = try SubwordModels.pieces(fromObject: json)
        do {
            try self.init(vocabulary: try SubwordModels.vocabulary(pieces, json), unkToken: try json.string("unk_token", default: "[UNK]"),
                          continuingSubwordPrefix: try json.string("continuing_subword_prefix", default: "##"),
                          maxInputCharsPerWord: try json.int("max_input_chars_per_word", default: 100))
        } catch let e as TokenizerError where !e.message.hasPrefix(json.path) { throw json.fail(nil, e.message) }
    }

    public var json: StrictJSON {
        .stage("WordPiece", [("unk_token", .string(unkToken)), ("continuing_subword_prefix", .string(continuingSubwordPrefix)),
                             ("max_input_chars_per_word", .int(maxInputCharsPerWord)), ("vocab", SubwordModels.vocabObject(vocabulary))])
    }
}

extension UnigramModel {
    public init(json: StageJSON) throws {
        var pieces: [String] = [], scores: [Double] = []
        let list = try json.list("vocab")
        pieces.reserveCapacity(list.count); scores.reserveCapacity(list.count)
        for (i, entry) in list.enumerated() {
            guard case .array(let pair) = entry, pair.count == 2, case .string(let p) = pair[0] else {
                throw json.fail("vocab[\(i)]", "expected [piece, score]")
            }
            switch pair[1] {
            case .number(let s): scores.append(s)
            case .integer(let s): scores.append(Double(s))
            default: throw json.fail("vocab[\(i)]", "expected [piece, score] with a number as score")
            }
            pieces.append(p)
        }
        guard json.has("unk_id") else { throw json.fail("unk_id", "missing (Polyglot needs an unknown piece)") }
        let unk = try json.int("unk_id")
        do {
            try self.init(vocabulary: try SubwordModels.vocabulary(pieces, json), scores: scores, unkID: unk,
                          byteFallback: try json.bool("byte_fallback", default: false))
        } catch let e as TokenizerError where !e.message.hasPrefix(json.path) { throw json.fail(nil, e.message) }
    }

    public var json: StrictJSON {
        .stage("Unigram", [("unk_id", .int(Int(unkID))),
                           ("vocab", .array(zip(vocabulary.pieces, scores).map { .array([.string($0.0), .number($0.1)]) })),
                           ("byte_fallback", .bool(byteFallback))])
    }
}

extension BPEModel {
    public init(json: StageJSON) throws {
        if json.has("dropout") {
            let d = try json.double("dropout")
            // Dropout only changes training-time segmentation; a 0 is the same as none.
            if d != 0 { throw json.fail("dropout", "BPE dropout is a training-time option Polyglot does not apply (must be null or 0)") }
        }
        let pieces = try SubwordModels.pieces(fromObject: json)
        var merges: [(String, String)] = []
        let list = try json.list("merges")
        merges.reserveCapacity(list.count)
        for (i, m) in list.enumerated() {
            switch m {
            case .string(let s):
                // The older form "left right"; pieces cannot contain the space. Split on the byte: a space
                // before a combining mark is one Character.
                let parts = s.utf8.split(separator: 0x20, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw json.fail("merges[\(i)]", "expected \"left right\", got \"\(excerpt(s))\"") }
                merges.append((String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self)))
            case .array(let pair):
                guard pair.count == 2, case .string(let a) = pair[0], case .string(let b) = pair[1] else { fallthrough }
                merges.append((a, b))
            default:
                throw json.fail("merges[\(i)]", "expected [left, right] or \"left right\"")
            }
        }
        let prefix = try json.optionalString("continuing_subword_prefix")
        let suffix = try json.optionalString("end_of_word_suffix")
        do {
            try self.init(vocabulary: try SubwordModels.vocabulary(pieces, json), merges: merges, unkToken: try json.optionalString("unk_token"),
                          byteFallback: try json.bool("byte_fallback", default: false), fuseUnknown: try json.bool("fuse_unk", default: false),
                          continuingSubwordPrefix: prefix.flatMap { $0.isEmpty ? nil : $0 },
                          endOfWordSuffix: suffix.flatMap { $0.isEmpty ? nil : $0 },
                          ignoreMerges: try json.bool("ignore_merges", default: false))
        } catch let e as TokenizerError {
            // BPEModel names a bad merge as "merges[i]: …"; make that the key.
            if e.message.hasPrefix("merges["), let colon = e.message.firstIndex(of: ":") {
                throw json.fail(String(e.message[..<colon]), String(e.message[e.message.index(colon, offsetBy: 2)...]))
            }
            if e.message.hasPrefix(json.path) { throw e }
            throw json.fail(nil, e.message)
        }
    }

    public var json: StrictJSON {
        .stage("BPE", [("dropout", .null), ("unk_token", .optional(unkID.map { vocabulary.pieces[Int($0)] })),
                       ("continuing_subword_prefix", .optional(continuingSubwordPrefix)), ("end_of_word_suffix", .optional(endOfWordSuffix)),
                       ("fuse_unk", .bool(fuseUnknown)), ("byte_fallback", .bool(byteFallback)), ("ignore_merges", .bool(ignoreMerges)),
                       ("vocab", SubwordModels.vocabObject(vocabulary)),
                       ("merges", .array(mergePieces.map { .array([.string($0.0), .string($0.1)]) }))])
    }
}
