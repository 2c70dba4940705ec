import Platform

/// Tokens produced by a subword model for one word: id and byte range within the word.
public struct TokenBuffer {
    public var ids: [Int32] = []
    public var starts: [Int32] = []
    public var ends: [Int32] = []
    public init() {}
    public var count: Int { ids.count }
    @inline(__always)
    mutating func append(_ id: Int32, _ start: Int, _ end: Int) {
        ids.append(id); starts.append(Int32(start)); ends.append(Int32(end))
    }
    mutating func removeAll() {
        ids.removeAll(keepingCapacity: true); starts.removeAll(keepingCapacity: true); ends.removeAll(keepingCapacity: true)
    }
}

/// Per-thread work arrays of the subword models (Viterbi lattice), reused between words.
public final class ModelScratch {
    var score: [Double] = []
    var from: [Int32] = []
    var pieceID: [Int32] = []
    var bpeNext: [Int32] = []
    var bpePrev: [Int32] = []
    var bpeHeap: [UInt64] = []
    public init() {}
}

/// Third stage: splits one word into vocabulary pieces.
public protocol SubwordModel: Sendable {
    var vocabulary: Vocabulary { get }
    /// Appends the tokens of `word` (UTF-8, non-empty) to `out`; byte ranges are relative to the word.
    func encode(_ word: UnsafeBufferPointer<UInt8>, into out: inout TokenBuffer, scratch: ModelScratch)
}

/// The pieces of a model in id order, with a byte-string index.
public struct Vocabulary: Sendable {
    public let pieces: [String]
    let table: ByteSpanTable

    /// Throws when a piece appears twice (ids would be ambiguous).
    public init(pieces: [String]) throws {
        self.pieces = pieces
        var t = ByteSpanTable(capacity: pieces.count)
        for (i, p) in pieces.enumerated() {
            let r = t.insert(Array(p.utf8))
            if !r.inserted {
                throw TokenizerError("piece \"\(excerpt(p))\" appears twice in the vocabulary (ids \(r.index) and \(i))")
            }
        }
        table = t
    }

    public var count: Int { pieces.count }

    public func id(for piece: String) -> Int? {
        let i = table.find(Array(piece.utf8))
        return i >= 0 ? i : nil
    }

    @inline(__always)
    func id(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int { table.find(p, n) }
}

/// The ids of the 256 byte pieces "<0x00>"…"<0xFF>", when a vocabulary has them all.
func byteFallbackIDs(_ vocabulary: Vocabulary) -> [Int32]? {
    var ids: [Int32] = []
    for b in 0..<256 {
        guard let id = vocabulary.id(for: byteFallbackPiece(UInt8(b))) else { return nil }
        ids.append(Int32(id))
    }
    return ids
}

func byteFallbackPiece(_ b: UInt8) -> String {
    let hex = String(b, radix: 16, uppercase: true)
    return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
}

/// The byte of a piece "<0xNN>", or nil.
func byteOfFallbackPiece(_ piece: String) -> UInt8? {
    let u = Array(piece.utf8)
    guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
    return UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16)
}
