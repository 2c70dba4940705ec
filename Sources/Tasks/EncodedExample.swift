import Data
import Foundation
import Models
import Platform
import Runs
import Text

/// One training feature: a token sequence (or, for multiple choice, one per choice) with its target.
public struct EncodedExample: Sendable, Equatable {
    public var ids: [Int32]
    /// Segment ids for pairs (nil: all 0).
    public var typeIDs: [Int32]?
    public var target: Target
    /// Positions MLM may mask (not special tokens).
    public var maskable: [Bool]
    /// The example (index into the encoded examples) this feature came from.
    public var example: Int
    /// Tagging: for each position, the word whose tag is read there (its first subword inside the window that
    /// scores it), else -1.
    public var wordAt: [Int32]?

    public init(ids: [Int32], typeIDs: [Int32]? = nil, target: Target, maskable: [Bool], example: Int = 0, wordAt: [Int32]? = nil) {
        self.ids = ids; self.typeIDs = typeIDs; self.target = target; self.maskable = maskable; self.example = example
        self.wordAt = wordAt
    }

    public enum Target: Sendable, Equatable {
        case label(Int32)
        case value(Float)
        /// One tag id per token; `ignoreIndex` where no word starts.
        case tags([Int32])
        /// Masked LM: targets are drawn when the batch is made.
        case maskedLM
        /// Retrieval: the token ids of the sequence this one should embed next to (its translation); the
        /// batch's other partners are its negatives.
        case partner(ids: [Int32], maskable: [Bool])
        /// Span QA: the answer's first and last token in this window's sequence ((0, 0): not in the window).
        case span(start: Int32, end: Int32)
        /// Multiple choice: one sequence per choice (with its segment ids) and the right choice's index.
        case choices(sequences: [[Int32]], typeIDs: [[Int32]]?, answer: Int32)
    }

    public static let ignoreIndex: Int32 = -100
}

extension Encoding {
    /// Token ids as the engine takes them.
    var ids32: [Int32] { ids.map(Int32.init) }
    /// Positions masked LM may replace (not special tokens).
    var maskable: [Bool] { specialTokensMask.map { !$0 } }
}

extension HeadSpec {
    /// The head's labels as a set (name → class id), for encoding gold labels and tags.
    var labelSet: LabelSet { LabelSet(labels.map { LabelSpec(name: $0, description: $0) }) }
}

extension TaskSpec {
    /// "task <name>, example <id>", the prefix of an encoding error.
    func location(_ ex: Example) -> String { "task \(name), \(ex.language) example \(ex.id)" }

    func wrongInput(_ ex: Example) -> FileError {
        FileError(path: sourcePath, "\(location(ex)): a \(type.rawValue) task cannot use this example's input")
    }
}
