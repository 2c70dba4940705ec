import Platform

/// After the model: adds special tokens around one sequence or a pair and sets type ids (and, for
/// byte-level tokenizers, trims spaces from offsets). As in HF `tokenizers`, a post-processor maps the
/// encodings of the input sequences to the list of encodings that are then concatenated.
public protocol PostProcessorStage: TokenizerStage {
    /// Number of special tokens added around one sequence (`pair` false) or a pair.
    func addedTokens(pair: Bool) -> Int
    /// The encodings of the one or two input sequences → the encodings to concatenate.
    func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding]
    /// The special tokens this stage inserts (content and id), checked against the vocabulary at load.
    var insertedTokens: [(content: String, id: Int)] { get }
}

extension Encoding {
    /// One inserted special token: type id as given, no word, empty offsets at 0.
    static func special(_ content: String, id: Int, typeID: Int) -> Encoding {
        var e = Encoding()
        e.ids = [id]; e.pieces = [content]; e.typeIDs = [typeID]; e.specialTokensMask = [true]
        e.attentionMask = [1]; e.wordIndex = [nil]; e.sequenceIndex = [nil]
        e.byteOffsets = [0..<0]; e.utf16Offsets = [0..<0]; e.scalarOffsets = [0..<0]
        return e
    }

    /// HF's ByteLevel offset trimming: a token's leading and trailing spaces ("Ġ" or white space in its
    /// piece) are left out of its offsets; with `addPrefixSpace`, the one space the pre-tokenizer
    /// prepended to a first token is not counted.
    mutating func trimByteLevelOffsets(addPrefixSpace: Bool) {
        for i in 0..<count {
            let scalars = Array(pieces[i].unicodeScalars)
            func isSpace(_ s: Unicode.Scalar) -> Bool { s.value == 0x120 || s.properties.isWhitespace }
            var leading = 0
            while leading < scalars.count && isSpace(scalars[leading]) { leading += 1 }
            var trailing = 0
            while trailing < scalars.count && isSpace(scalars[scalars.count - 1 - trailing]) { trailing += 1 }
            if leading == 0 && trailing == 0 { continue }
            func adjust(_ r: Range<Int>) -> Range<Int> {
                var lo = r.lowerBound, hi = r.upperBound
                if leading > 0 {
                    var l = leading
                    if (i == 0 || lo == 0) && addPrefixSpace && l == 1 { l = 0 }
                    lo = min(lo + l, hi)
                }
                if trailing > 0 && hi >= trailing { hi = max(hi - trailing, lo) }
                return lo..<hi
            }
            // A space is one unit in bytes, UTF-16 and scalars alike.
            byteOffsets[i] = adjust(byteOffsets[i]); utf16Offsets[i] = adjust(utf16Offsets[i]); scalarOffsets[i] = adjust(scalarOffsets[i])
        }
    }
}

/// HF's `Sequence` post-processor: each processor works on what the one before returned.
public struct SequencePostProcessor: PostProcessorStage {
    public static let typeNames = ["Sequence"]
    public let stages: [any PostProcessorStage]

    public init(_ stages: [any PostProcessorStage]) { self.stages = stages }
    public init(json: StageJSON) throws { stages = try json.objects("processors").map { try PostProcessors.make($0) } }
    public var json: StrictJSON { .stage("Sequence", [("processors", .array(stages.map(\.json)))]) }

    public func addedTokens(pair: Bool) -> Int { stages.reduce(0) { $0 + $1.addedTokens(pair: pair) } }
    public func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        var e = encodings
        for s in stages { e = s.process(e, addSpecialTokens: addSpecialTokens) }
        return e
    }
    public var insertedTokens: [(content: String, id: Int)] { stages.flatMap(\.insertedTokens) }
}

/// HF's `ByteLevel` post-processor: offset trimming only.
public struct ByteLevelPostProcessor: PostProcessorStage {
    public static let typeNames = ["ByteLevel"]
    public let options: ByteLevelOptions

    public init(json: StageJSON) throws { options = try ByteLevelOptions(json: json) }
    public var json: StrictJSON { options.json }
    public func addedTokens(pair: Bool) -> Int { 0 }
    public func process(_ encodings: [Encoding], addSpecialTokens: Bool) -> [Encoding] {
        guard options.trimOffsets else { return encodings }
        return encodings.map { var e = $0; e.trimByteLevelOffsets(addPrefixSpace: options.addPrefixSpace); return e }
    }
    public var insertedTokens: [(content: String, id: Int)] { [] }
}

/// The factory of post-processors: one entry per stage type.
public enum PostProcessors {
    static let registry = StageRegistry<any PostProcessorStage>(kind: "post-processor", [
        SequencePostProcessor.self, TemplateProcessing.self, BertProcessing.self, RobertaProcessing.self, ByteLevelPostProcessor.self,
    ])

    public static func make(_ json: StageJSON) throws -> any PostProcessorStage { try registry.make(json) }

    public static func make(_ value: StrictJSON?, path: String) throws -> (any PostProcessorStage)? {
        switch value { case nil, .null?: return nil; default: return try make(StageJSON(value, path: path)) }
    }
}
