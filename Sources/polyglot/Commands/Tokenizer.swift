import ArgumentParser
import Foundation
import Platform
import Text

struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train, apply and inspect tokenizers (HF tokenizer.json files, Unigram and WordPiece).",
        subcommands: [TokenizerTrain.self, TokenizerEncode.self, TokenizerDecode.self, TokenizerStats.self]
    )
}

/// `LANG=PATH` arguments, read as UTF-8 lines.
struct LanguageInput {
    let language: String
    let path: String

    static func parse(_ s: String) throws -> LanguageInput {
        guard let eq = s.firstIndex(of: "="), eq != s.startIndex, s.index(after: eq) != s.endIndex else {
            throw ValidationError("--input expects LANG=PATH, got \"\(s)\"")
        }
        return LanguageInput(language: String(s[..<eq]), path: String(s[s.index(after: eq)...]))
    }
}

/// A text file's lines, read whole; a FIFO, device or folder is refused before reading.
func readTextLines(_ path: String, policy: InvalidUTF8Policy) throws -> [String] {
    try TextInput.lines(of: try InputFile.read(path, limit: InputLimits.textBytes, what: "text file"), path: path, policy: policy)
}

func readStdinLines(policy: InvalidUTF8Policy) throws -> [String] {
    let data: Data
    do { data = try FileHandle.standardInput.readToEnd() ?? Data() } catch {
        throw FileError(path: "<stdin>", "cannot read: \(error.localizedDescription)")
    }
    return try TextInput.lines(of: [UInt8](data), path: "<stdin>", policy: policy)
}

extension InvalidUTF8Policy: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
extension TokenizerTrainer.Algorithm: ExpressibleByArgument {}
extension TokenizerTrainer.PreTokenization: ExpressibleByArgument {}
extension ICUNormalizer.Form: ExpressibleByArgument {}

struct TokenizerTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a Unigram or BPE tokenizer from per-language text files (one sentence a line) and write tokenizer.json.",
        discussion: "Languages are balanced by sampling weights ∝ n_lang^alpha (XLM-R). With --pre-tokenizer icu, ICU word segmentation is stored in a sidecar <name>.polyglot.json beside the tokenizer.json."
    )
    @Option(name: .customLong("input"), help: "LANG=PATH, repeatable.") var inputs: [String]
    @Option(help: "Vocabulary size, special and byte pieces included.") var vocabSize = 16000
    @Option(help: "Subword algorithm.") var algorithm: TokenizerTrainer.Algorithm = .unigram
    @Option(help: "Output tokenizer.json path.") var output: String
    @Option(help: "Random seed (subsampling).") var seed: UInt64 = 0
    @Option(help: "Language sampling exponent.") var alpha = 0.3
    @Option(help: "Share of character occurrences the vocabulary must cover.") var characterCoverage = 0.9995
    @Option(help: "Longest piece, in characters.") var maxPieceLength = 16
    @Option(help: "Pre-tokenizer: metaspace (HF-compatible) or icu (ICU word boundaries).") var preTokenizer: TokenizerTrainer.PreTokenization = .metaspace
    @Option(help: "Normalization form.") var normalization: ICUNormalizer.Form = .nfkc
    @Flag(help: "Lowercase text.") var lowercase = false
    @Option(help: "At most this many sentences per language (seeded subsample).") var maxSentences: Int?
    @Option(help: "Invalid UTF-8 in the input: reject or replace.") var invalidUtf8: InvalidUTF8Policy = .reject
    @Flag(help: "Print training phases with timings on stderr.") var verbose = false
    @Flag(help: "Replace an existing --output file (and its sidecar) Polyglot did not write (never a link, device or an input).") var force = false

    func validate() throws {
        let d = TokenizerTrainer.Config()
        try OptionRange.atLeast(d.specialTokens.count + (d.byteFallback ? 256 : 0) + 1, vocabSize, "--vocab-size",
                                meaning: "\(d.specialTokens.count) special tokens\(d.byteFallback ? ", 256 byte pieces" : "") and one piece")
        guard alpha.isFinite, alpha > 0, alpha <= 1 else { throw ValidationError("--alpha must be above 0 and at most 1, got \(alpha)") }
        guard characterCoverage.isFinite, characterCoverage > 0, characterCoverage <= 1 else {
            throw ValidationError("--character-coverage must be above 0 and at most 1, got \(characterCoverage)")
        }
        guard (1...64).contains(maxPieceLength) else { throw ValidationError("--max-piece-length must be between 1 and 64, got \(maxPieceLength)") }
        if let maxSentences { try OptionRange.positive(maxSentences, "--max-sentences") }
    }

    func run() throws {
        do {
            let sources = try inputs.map { try LanguageInput.parse($0) }
            let inputPaths = sources.map { CommandInput($0.path, flag: "--input") }
            try OutputPolicy.checkFile(output, force: force, inputs: inputPaths)
            try OutputPolicy.checkFile(Tokenizer.sidecarURL(for: URL(fileURLWithPath: output)).path, force: force, inputs: inputPaths)
            var config = TokenizerTrainer.Config()
            config.algorithm = algorithm
            config.vocabSize = vocabSize; config.seed = seed; config.alpha = alpha
            config.characterCoverage = characterCoverage; config.maxPieceLength = maxPieceLength
            config.preTokenizer = preTokenizer
            config.normalizer.form = normalization
            config.normalizer.lowercase = lowercase
            config.maxSentencesPerLanguage = maxSentences
            var corpora: [String: [String]] = [:]
            for input in sources {
                let lines = try readTextLines(input.path, policy: invalidUtf8)
                if lines.allSatisfy({ $0.isEmpty }) { throw FileError(path: input.path, "empty corpus: no text lines") }
                corpora[input.language, default: []] += lines.filter { !$0.isEmpty }
            }
            let start = Date()
            let log: ((String) -> Void)? = verbose ? { note($0) } : nil
            let tokenizer = try TokenizerTrainer(config: config, log: log).train(corpora)
            try OutputPolicy.checkFile(output, force: force, inputs: inputPaths)
            try tokenizer.save(to: URL(fileURLWithPath: output))
            let seconds = Date().timeIntervalSince(start)
            try say("trained \(tokenizer.vocabSize) pieces in \(String(format: "%.1f", seconds)) s → \(output)")
        } catch let e as ValidationError { throw e } catch { fail(error) }
    }
}

struct TokenizerEncode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode text, one output line per input line (stdin when no --input)."
    )
    enum Format: String, ExpressibleByArgument { case ids, pieces, json }
    @Option(help: "tokenizer.json path.") var tokenizer: String
    @Option(help: "Text file, one sentence a line.") var input: String?
    @Flag(help: "Append byte offsets (start:end per token) after a tab (ids/pieces), or include them (json).") var offsets = false
    @Option(help: "ids (space-separated), pieces, or json.") var format: Format = .ids
    @Flag(help: "Do not add the post-processor's special tokens.") var noSpecialTokens = false
    @Option(help: "Invalid UTF-8 in the input: reject or replace.") var invalidUtf8: InvalidUTF8Policy = .reject
    @Flag(help: ArgumentHelp("Ignore the file's truncation and padding sections.",
                             discussion: "By default both apply to each line as HF's encode applies them: truncation to max_length, and padding when its strategy is a fixed length (pad tokens have attention 0). With this flag neither applies."))
    var ignoreTruncationAndPadding = false

    func run() throws {
        do {
            var tok = try Tokenizer.load(from: URL(fileURLWithPath: tokenizer))
            if ignoreTruncationAndPadding { tok.truncation = nil; tok.padding = nil }
            let lines = try input.map { try readTextLines($0, policy: invalidUtf8) } ?? readStdinLines(policy: invalidUtf8)
            let encodings = try tok.encodeBatch(lines, addSpecialTokens: !noSpecialTokens, padBatch: false)
            var out = ""
            for e in encodings {
                switch format {
                case .ids: out += e.ids.map(String.init).joined(separator: " ")
                case .pieces: out += e.pieces.joined(separator: " ")
                case .json:
                    var o: [String: Any] = ["ids": e.ids, "pieces": e.pieces, "type_ids": e.typeIDs,
                                            "special_tokens_mask": e.specialTokensMask.map { $0 ? 1 : 0 }, "attention_mask": e.attentionMask,
                                            "word_index": e.wordIndex.map { $0.map { $0 as Any } ?? NSNull() }]
                    if offsets {
                        o["offsets"] = e.byteOffsets.map { [$0.lowerBound, $0.upperBound] }
                        o["utf16_offsets"] = e.utf16Offsets.map { [$0.lowerBound, $0.upperBound] }
                    }
                    out += String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
                }
                if offsets && format != .json {
                    out += "\t" + e.byteOffsets.map { "\($0.lowerBound):\($0.upperBound)" }.joined(separator: " ")
                }
                out += "\n"
            }
            try sayText(out)
        } catch { fail(error) }
    }
}

struct TokenizerDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode lines of space-separated ids back to text (stdin when no --input)."
    )
    @Option(help: "tokenizer.json path.") var tokenizer: String
    @Option(help: "File of id lines.") var input: String?
    @Flag(help: "Keep special tokens in the output.") var keepSpecialTokens = false

    func run() throws {
        do {
            let tok = try Tokenizer.load(from: URL(fileURLWithPath: tokenizer))
            let path = input ?? "<stdin>"
            let lines = try input.map { try readTextLines($0, policy: .reject) } ?? readStdinLines(policy: .reject)
            var out = ""
            for (n, line) in lines.enumerated() {
                var ids: [Int] = []
                for (k, field) in line.split(separator: " ").enumerated() {
                    guard let id = Int(field) else { throw FileError(path: path, line: n + 1, "field \(k + 1) \"\(field)\" is not an id") }
                    ids.append(id)
                }
                do { out += try tok.decode(ids, skipSpecialTokens: !keepSpecialTokens) + "\n" } catch let e as TokenizerError {
                    throw FileError(path: path, line: n + 1, e.message)
                }
            }
            try sayText(out)
        } catch { fail(error) }
    }
}

struct TokenizerStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Per-language fertility (subwords per word), continued-word ratio, byte-fallback rate and vocabulary share (Rust et al. 2021).",
        discussion: "Words are the tokenizer's own pre-tokens (ICU words or whitespace-delimited words); the marker alone does not count as a word."
    )
    @Option(help: "tokenizer.json path.") var tokenizer: String
    @Option(name: .customLong("input"), help: "LANG=PATH, repeatable.") var inputs: [String]
    @Flag(help: "One JSON object per language.") var json = false
    @Option(help: "Invalid UTF-8 in the input: reject or replace.") var invalidUtf8: InvalidUTF8Policy = .reject

    func run() throws {
        do {
            let tok = try Tokenizer.load(from: URL(fileURLWithPath: tokenizer))
            var rows: [TokenizerStatistics] = []
            for s in inputs {
                let input = try LanguageInput.parse(s)
                let lines = try readTextLines(input.path, policy: invalidUtf8)
                rows.append(try TokenizerStatistics.measure(tok, language: input.language, sentences: lines))
            }
            for r in rows {
                if json {
                    let o: [String: Any] = ["language": r.language, "words": r.words, "tokens": r.tokens, "fertility": r.fertility,
                                            "continued_word_ratio": r.continuedWordRatio, "byte_fallback_rate": r.byteFallbackRate,
                                            "vocabulary_share": r.vocabularyShare]
                    try say(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
                } else {
                    try say(String(format: "%@  words %d  tokens %d  fertility %.3f  continued %.3f  byte-fallback %.4f  vocab-share %.3f",
                                 r.language, r.words, r.tokens, r.fertility, r.continuedWordRatio, r.byteFallbackRate, r.vocabularyShare))
                }
            }
        } catch { fail(error) }
    }
}
