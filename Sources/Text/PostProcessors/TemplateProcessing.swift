/// Adds special tokens around one sequence or a pair, with type ids: HF's TemplateProcessing
/// (BertProcessing and RobertaProcessing are read as the equivalent templates).
public struct TemplatePostProcessor: Codable, Equatable, Sendable {
    public enum Item: Codable, Equatable, Sendable {
        /// A special token by content, with its type id.
        case special(String, typeID: Int)
        /// Sequence A (0) or B (1), with its type id.
        case sequence(Int, typeID: Int)
    }
    public var single: [Item]
    public var pair: [Item]

    public init(single: [Item], pair: [Item]) { self.single = single; self.pair = pair }

    /// "[CLS] A [SEP]" / "[CLS] A [SEP] B [SEP]" with type ids 0 then 1 (BERT).
    public static func bert(cls: String, sep: String) -> TemplatePostProcessor {
        TemplatePostProcessor(
            single: [.special(cls, typeID: 0), .sequence(0, typeID: 0), .special(sep, typeID: 0)],
            pair: [.special(cls, typeID: 0), .sequence(0, typeID: 0), .special(sep, typeID: 0), .sequence(1, typeID: 1), .special(sep, typeID: 1)])
    }

    /// "<s> A </s>" / "<s> A </s> </s> B </s>", all type id 0 (RoBERTa, XLM-R).
    public static func roberta(cls: String, sep: String) -> TemplatePostProcessor {
        TemplatePostProcessor(
            single: [.special(cls, typeID: 0), .sequence(0, typeID: 0), .special(sep, typeID: 0)],
            pair: [.special(cls, typeID: 0), .sequence(0, typeID: 0), .special(sep, typeID: 0), .special(sep, typeID: 0),
                   .sequence(1, typeID: 0), .special(sep, typeID: 0)])
    }

    /// Number of special tokens the template adds.
    public func addedCount(pair isPair: Bool) -> Int {
        (isPair ? pair : single).filter { if case .special = $0 { return true } else { return false } }.count
    }
}

/// How `decode` turns pieces back into text.
public enum PieceDecoder: Codable, Equatable, Sendable {
    /// BERT: pieces joined by spaces, continuation prefix glued on, optional clean-up of spaces
    /// before punctuation and contractions (HF's WordPiece decoder).
    case wordPiece(prefix: String, cleanup: Bool)
    /// SentencePiece: byte pieces back to bytes, "▁" back to spaces, the first space dropped when
    /// the pre-tokenizer prepends one.
    case metaspace(dropFirstSpace: Bool)

    func decode(_ pieces: [String]) -> String {
        switch self {
        case let .wordPiece(prefix, cleanup):
            var out = ""
            for (i, p) in pieces.enumerated() {
                var t = p
                if i != 0 {
                    if t.hasPrefix(prefix) { t.removeFirst(prefix.count) } else { t = " " + t }
                }
                if cleanup { t = PieceDecoder.cleanup(t) }
                out += t
            }
            return out
        case let .metaspace(dropFirstSpace):
            var bytes: [UInt8] = []
            for p in pieces {
                if let b = byteOfFallbackPiece(p) { bytes.append(b); continue }
                for b in p.utf8 { bytes.append(b) }
            }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                if startsWithMarker(bytes, at: i) { out.append(0x20); i += 3 } else { out.append(bytes[i]); i += 1 }
            }
            if dropFirstSpace && out.first == 0x20 { out.removeFirst() }
            return String(decoding: out, as: UTF8.self)
        }
    }

    static func cleanup(_ s: String) -> String {
        s.replacingOccurrences(" .", with: ".").replacingOccurrences(" ?", with: "?").replacingOccurrences(" !", with: "!")
            .replacingOccurrences(" ,", with: ",").replacingOccurrences(" ' ", with: "'").replacingOccurrences(" n't", with: "n't")
            .replacingOccurrences(" 'm", with: "'m").replacingOccurrences(" do not", with: " don't").replacingOccurrences(" 's", with: "'s")
            .replacingOccurrences(" 've", with: "'ve").replacingOccurrences(" 're", with: "'re")
    }
}

extension String {
    /// Plain substring replacement on UTF-8 (no Foundation, no Character semantics).
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        let s = Array(utf8), t = Array(target.utf8), r = Array(replacement.utf8)
        if t.isEmpty || s.count < t.count { return self }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if i + t.count <= s.count && s[i] == t[0] && Array(s[i..<(i + t.count)]) == t {
                out += r; i += t.count
            } else {
                out.append(s[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
