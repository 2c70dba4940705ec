/// A labelled span of tokens: `start` and `end` are inclusive token offsets (seqeval's convention).
public struct EntitySpan: Hashable, Codable, Sendable {
    public var type: String
    public var start: Int
    public var end: Int
    public init(type: String, start: Int, end: Int) {
        self.type = type; self.start = start; self.end = end
    }
}

/// Chunk extraction exactly as seqeval's default (non-strict) mode, i.e. the conlleval convention:
/// the boundary tag is the first scalar of a label (`B`, `I`, `E`, `S`, `O`), the type is what follows the first
/// `-`; an `I-` after `O` or after another type starts a chunk, and a type change ends one. IOB1, IOB2 and IOBES
/// sequences are all read by the same rules, which is what seqeval's `f1_score` does without `mode="strict"`.
public enum EntityChunker {
    /// Entities of one tag sequence, with offsets into it.
    public static func entities(_ tags: [String]) throws -> [EntitySpan] {
        var chunks: [EntitySpan] = []
        var state = State()
        for (i, label) in tags.enumerated() {
            let (tag, type) = try split(label, position: i)
            state.step(tag: tag, type: type, at: i, into: &chunks)
        }
        state.step(tag: "O", type: "_", at: tags.count, into: &chunks)
        return chunks
    }

    /// Entities of several sentences with offsets into their concatenation, each sentence followed by one `O`
    /// (how seqeval flattens a list of sentences, so its offsets and these agree).
    public static func entities(sentences: [[String]]) throws -> [EntitySpan] {
        var chunks: [EntitySpan] = []
        var state = State()
        var i = 0
        for sentence in sentences {
            for label in sentence {
                let (tag, type) = try split(label, position: i)
                state.step(tag: tag, type: type, at: i, into: &chunks)
                i += 1
            }
            state.step(tag: "O", type: "_", at: i, into: &chunks)
            i += 1
        }
        state.step(tag: "O", type: "_", at: i, into: &chunks)
        return chunks
    }

    /// (boundary tag, type): the first scalar, and the part after the first `-` of the rest (the whole rest when it
    /// has no `-`), `_` when empty — Python's `chunk[0]` and `chunk[1:].split('-', 1)[-1] or '_'`.
    static func split(_ label: String, position: Int) throws -> (Unicode.Scalar, String) {
        let scalars = label.unicodeScalars
        guard let first = scalars.first else {
            throw MetricInputError(metric: "entity F1", "empty tag at token \(position)")
        }
        let rest = scalars.dropFirst()
        var type: Substring.UnicodeScalarView
        if let dash = rest.firstIndex(of: "-") {
            type = rest[rest.index(after: dash)...]
        } else {
            type = rest
        }
        return (first, type.isEmpty ? "_" : String(type))
    }

    struct State {
        var previousTag: Unicode.Scalar = "O"
        var previousType = ""
        var begin = 0

        mutating func step(tag: Unicode.Scalar, type: String, at i: Int, into chunks: inout [EntitySpan]) {
            if EntityChunker.endsChunk(previousTag, tag, previousType, type) {
                chunks.append(EntitySpan(type: previousType, start: begin, end: i - 1))
            }
            if EntityChunker.startsChunk(previousTag, tag, previousType, type) { begin = i }
            previousTag = tag
            previousType = type
        }
    }

    static func endsChunk(_ prev: Unicode.Scalar, _ tag: Unicode.Scalar, _ prevType: String, _ type: String) -> Bool {
        if prev == "E" || prev == "S" { return true }
        if prev == "B" || prev == "I", tag == "B" || tag == "S" || tag == "O" { return true }
        return prev != "O" && prev != "." && !sameType(prevType, type)
    }

    static func startsChunk(_ prev: Unicode.Scalar, _ tag: Unicode.Scalar, _ prevType: String, _ type: String) -> Bool {
        if tag == "B" || tag == "S" { return true }
        if prev == "E" || prev == "S" || prev == "O", tag == "E" || tag == "I" { return true }
        return tag != "O" && tag != "." && !sameType(prevType, type)
    }

    /// Python compares strings by code points; Swift's `==` is canonical equivalence.
    @inline(__always) static func sameType(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.elementsEqual(b.unicodeScalars)
    }
}
