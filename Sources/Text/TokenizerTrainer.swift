import Foundation
import Platform

/// Trains a tokenizer from per-language corpora. Languages are balanced as XLM-R does: a language
/// with n sentences is sampled with probability ∝ n^α, which here means each of its sentences counts
/// with weight (N·q_lang)/n_lang, q_lang = n_lang^α / Σ n^α (the expected counts of that sampling,
/// without drawing). Deterministic: with `maxSentences` a seeded subsample is drawn per language.
public struct TokenizerTrainer {
    public enum Algorithm: String, Codable, Sendable, CaseIterable { case unigram, bpe }
    public enum PreTokenization: String, Codable, Sendable, CaseIterable { case metaspace, icu }

    public struct Config: Codable, Equatable, Sendable {
        public var algorithm: Algorithm = .unigram
        public var vocabSize: Int = 16000
        public var alpha: Double = 0.3
        public var characterCoverage: Double = 0.9995
        public var maxPieceLength: Int = 16
        public var seed: UInt64 = 0
        /// Special tokens, in id order from 0; must include `unkToken`.
        public var specialTokens: [String] = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        public var unkToken: String = "<unk>"
        public var byteFallback: Bool = true
        public var normalizer: ICUNormalizer.Config = ICUNormalizer.Config()
        public var preTokenizer: PreTokenization = .metaspace
        /// ICU locale of the word breaker when `preTokenizer` is icu ("" = root, which has every dictionary).
        public var locale: String = ""
        public var splitDigits: Bool = true
        /// Subsample at most this many sentences per language (nil: all).
        public var maxSentencesPerLanguage: Int?
        /// Unigram: seed substrings kept (SentencePiece: 1M), pruning factor, EM steps per round.
        public var seedSize: Int = 1_000_000
        public var shrinkingFactor: Double = 0.75
        public var emIterations: Int = 2

        public init() {}

        enum CodingKeys: String, CodingKey {
            case algorithm, vocabSize = "vocab_size", alpha, characterCoverage = "character_coverage", maxPieceLength = "max_piece_length"
            case seed, specialTokens = "special_tokens", unkToken = "unk_token", byteFallback = "byte_fallback", normalizer
            case preTokenizer = "pre_tokenizer", locale, splitDigits = "split_digits", maxSentencesPerLanguage = "max_sentences_per_language"
            case seedSize = "seed_size", shrinkingFactor = "shrinking_factor", emIterations = "em_iterations"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Config.defaults
            algorithm = try c.decodeIfPresent(Algorithm.self, forKey: .algorithm) ?? d.algorithm
            vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? d.vocabSize
            alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? d.alpha
            characterCoverage = try c.decodeIfPresent(Double.self, forKey: .characterCoverage) ?? d.characterCoverage
            maxPieceLength = try c.decodeIfPresent(Int.self, forKey: .maxPieceLength) ?? d.maxPieceLength
            seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
            specialTokens = try c.decodeIfPresent([String].self, forKey: .specialTokens) ?? d.specialTokens
            unkToken = try c.decodeIfPresent(String.self, forKey: .unkToken) ?? d.unkToken
            byteFallback = try c.decodeIfPresent(Bool.self, forKey: .byteFallback) ?? d.byteFallback
            normalizer = try c.decodeIfPresent(ICUNormalizer.Config.self, forKey: .normalizer) ?? d.normalizer
            preTokenizer = try c.decodeIfPresent(PreTokenization.self, forKey: .preTokenizer) ?? d.preTokenizer
            locale = try c.decodeIfPresent(String.self, forKey: .locale) ?? d.locale
            splitDigits = try c.decodeIfPresent(Bool.self, forKey: .splitDigits) ?? d.splitDigits
            maxSentencesPerLanguage = try c.decodeIfPresent(Int.self, forKey: .maxSentencesPerLanguage)
            seedSize = try c.decodeIfPresent(Int.self, forKey: .seedSize) ?? d.seedSize
            shrinkingFactor = try c.decodeIfPresent(Double.self, forKey: .shrinkingFactor) ?? d.shrinkingFactor
            emIterations = try c.decodeIfPresent(Int.self, forKey: .emIterations) ?? d.emIterations
        }

        static let defaults = Config()

        /// Checks ranges; errors name the key.
        public func validate() throws {
            if vocabSize < specialTokens.count + (byteFallback ? 256 : 0) + 1 {
                throw ConfigError(key: "vocab_size", "\(vocabSize) leaves no room for pieces after \(specialTokens.count) special tokens\(byteFallback ? " and 256 byte pieces" : "")")
            }
            if !(alpha > 0 && alpha <= 1) { throw ConfigError(key: "alpha", "must be in (0, 1], got \(alpha)") }
            if !(characterCoverage > 0 && characterCoverage <= 1) { throw ConfigError(key: "character_coverage", "must be in (0, 1], got \(characterCoverage)") }
            if maxPieceLength < 1 || maxPieceLength > 64 { throw ConfigError(key: "max_piece_length", "must be in 1...64, got \(maxPieceLength)") }
            if !specialTokens.contains(unkToken) { throw ConfigError(key: "special_tokens", "must contain the unknown token \"\(unkToken)\"") }
            if Set(specialTokens).count != specialTokens.count { throw ConfigError(key: "special_tokens", "contains duplicates") }
            if !(shrinkingFactor > 0 && shrinkingFactor < 1) { throw ConfigError(key: "shrinking_factor", "must be in (0, 1), got \(shrinkingFactor)") }
            if emIterations < 1 { throw ConfigError(key: "em_iterations", "must be at least 1") }
            if seedSize < vocabSize { throw ConfigError(key: "seed_size", "must be at least vocab_size") }
        }
    }

    public let config: Config
    /// Receives progress lines (phase timings) when set.
    public var log: ((String) -> Void)?
    public init(config: Config, log: ((String) -> Void)? = nil) throws {
        try config.validate()
        self.config = config
        self.log = log
    }

    /// Sampling weight of each language's sentences (see the type's documentation).
    public static func languageWeights(_ counts: [String: Int], alpha: Double) -> [String: Double] {
        let total = Double(counts.values.reduce(0, +))
        let z = counts.values.reduce(0.0) { $0 + pow(Double($1), alpha) }
        var w: [String: Double] = [:]
        for (lang, n) in counts where n > 0 {
            let q = pow(Double(n), alpha) / z
            w[lang] = total * q / Double(n)
        }
        return w
    }

    /// The normalizer and pre-tokenizer a trained tokenizer will use.
    func pipeline() throws -> (NormalizerSpec, PreTokenizerSpec) {
        let pre: PreTokenizerSpec = config.preTokenizer == .icu
            ? .icu(ICUWordPreTokenizer.Config(locale: config.locale, splitDigits: config.splitDigits))
            : .metaspace(prependScheme: .always, split: true)
        return (.icu(config.normalizer), pre)
    }

    /// Trains on `corpora` (language → sentences). Throws when every corpus is empty.
    public func train(_ corpora: [String: [String]]) throws -> Tokenizer {
        let clock = Date()
        func note(_ s: String) { log?(String(format: "%6.2f s  ", Date().timeIntervalSince(clock)) + s) }
        var corpora = corpora.filter { !$0.value.isEmpty }
        if corpora.isEmpty { throw TokenizerError("training corpus is empty: no language has a sentence") }
        if let cap = config.maxSentencesPerLanguage {
            for (lang, sentences) in corpora where sentences.count > cap {
                var rng = RandomStream(seed: config.seed, name: "tokenizer-sample-\(lang)")
                var s = sentences
                rng.shuffle(&s)
                corpora[lang] = Array(s.prefix(cap))
            }
        }
        let weights = TokenizerTrainer.languageWeights(corpora.mapValues(\.count), alpha: config.alpha)
        let (normSpec, preSpec) = try pipeline()
        let words = try countWords(corpora, weights: weights, normalizer: normSpec.make() ?? IdentityNormalizer(), preTokenizer: try preSpec.make())
        if words.table.count == 0 { throw TokenizerError("training corpus is empty after normalization: no words") }
        let budget = config.vocabSize - config.specialTokens.count - (config.byteFallback ? 256 : 0)
        note("\(words.table.count) distinct words")
        if config.algorithm == .bpe {
            return try trainBPE(words: words, budget: budget, normalizer: normSpec, preTokenizer: preSpec, note: note)
        }
        let trained = UnigramTrainer(maxPieceLength: config.maxPieceLength, characterCoverage: config.characterCoverage,
                                     seedSize: config.seedSize, shrinkingFactor: config.shrinkingFactor, emIterations: config.emIterations,
                                     progress: log)
            .train(words: words, pieceCount: budget)
        note("pieces trained")
        var pieces = config.specialTokens
        var scores = [Double](repeating: 0, count: pieces.count)
        if config.byteFallback {
            for b in 0..<256 { pieces.append(byteFallbackPiece(UInt8(b))); scores.append(0) }
        }
        let taken = Set(pieces)
        for (p, s) in zip(trained.pieces, trained.scores) where !taken.contains(p) { pieces.append(p); scores.append(s) }
        let vocabulary = try Vocabulary(pieces: pieces)
        let unk = config.specialTokens.firstIndex(of: config.unkToken)!
        let model = try UnigramModel(vocabulary: vocabulary, scores: scores, unkID: unk, byteFallback: config.byteFallback)
        note("model built")
        return try assemble(model: .unigram(model), normalizer: normSpec, preTokenizer: preSpec)
    }

    /// Special tokens as added tokens and the RoBERTa-style template around the trained model.
    func assemble(model: SubwordModelKind, normalizer: NormalizerSpec, preTokenizer: PreTokenizerSpec) throws -> Tokenizer {
        let specials = config.specialTokens.enumerated().map { AddedToken(content: $1, id: $0) }
        var post: TemplateProcessing?
        if let cls = config.specialTokens.firstIndex(of: "<s>"), let sep = config.specialTokens.firstIndex(of: "</s>") {
            post = TemplateProcessing.roberta(cls: ("<s>", cls), sep: ("</s>", sep))
        }
        return try Tokenizer(normalizer: normalizer.make(), preTokenizer: try preTokenizer.make(), model: model, postProcessor: post,
                             decoder: try Decoders.make(StageJSON(HFTokenizerJSON.metaspaceDecoder, path: "decoder")), addedTokens: specials)
    }

    /// Vocabulary layout: special tokens, the 256 byte pieces (with byte fallback), the alphabet, then
    /// merged pieces in the order they were learned.
    func trainBPE(words: WordCounts, budget: Int, normalizer: NormalizerSpec, preTokenizer: PreTokenizerSpec,
                  note: (String) -> Void) throws -> Tokenizer {
        var pieces = config.specialTokens
        if config.byteFallback {
            for b in 0..<256 { pieces.append(byteFallbackPiece(UInt8(b))) }
        }
        let trained = BPETrainer(maxPieceLength: config.maxPieceLength, characterCoverage: config.characterCoverage, progress: log)
            .train(words: words, pieceCount: budget, reserved: Set(pieces))
        note("merges trained")
        pieces += trained.alphabet
        pieces += trained.pieces
        let model = try BPEModel(vocabulary: try Vocabulary(pieces: pieces), merges: trained.merges, unkToken: config.unkToken,
                                 byteFallback: config.byteFallback, fuseUnknown: true)
        note("model built")
        return try assemble(model: .bpe(model), normalizer: normalizer, preTokenizer: preTokenizer)
    }

    /// Distinct words (pre-tokens, UTF-8) with their weighted counts.
    struct WordCounts {
        var table = ByteSpanTable(capacity: 1 << 16)
        var weight: [Double] = []
    }

    func countWords(_ corpora: [String: [String]], weights: [String: Double], normalizer: any TextNormalizer, preTokenizer: any PreTokenizer) throws -> WordCounts {
        // Every sentence with its weight, languages in a fixed order so the result never depends on hashing.
        var jobs: [(String, Double)] = []
        for lang in corpora.keys.sorted() {
            let w = weights[lang] ?? 0
            for s in corpora[lang]! { jobs.append((s, w)) }
        }
        let parts = max(1, min(Threads.count, jobs.count / 256 + 1))
        var partials = [WordCounts](repeating: WordCounts(), count: parts)
        var failure: Error?
        let lock = NSLock()
        partials.withUnsafeMutableBufferPointer { out in
            ParallelWork.run(chunks: parts) { p in
                var local = WordCounts()
                let scratch = PreTokenizerScratch()
                var text = AlignedText()
                var spans: [WordSpan] = []
                let lo = jobs.count * p / parts, hi = jobs.count * (p + 1) / parts
                do {
                    for j in lo..<hi {
                        var s = jobs[j].0
                        text.removeAll(); spans.removeAll(keepingCapacity: true)
                        s.withUTF8 { normalizer.normalize($0, base: 0, into: &text) }
                        try preTokenizer.split(&text, words: &spans, isFirstSegment: true, scratch: scratch)
                        text.bytes.withUnsafeBufferPointer { b in
                            for w in spans where w.end > w.start {
                                let e = local.table.insert(b.baseAddress! + Int(w.start), Int(w.end - w.start))
                                if e.inserted { local.weight.append(0) }
                                local.weight[e.index] += jobs[j].1
                            }
                        }
                    }
                } catch {
                    lock.withLock { if failure == nil { failure = error } }
                }
                out[p] = local
            }
        }
        if let failure { throw failure }
        var merged = partials[0]
        for p in partials.dropFirst() {
            for e in 0..<p.table.count {
                let key = Array(p.table.key(e))
                let r = key.withUnsafeBufferPointer { merged.table.insert($0.baseAddress!, $0.count) }
                if r.inserted { merged.weight.append(0) }
                merged.weight[r.index] += p.weight[e]
            }
        }
        return merged
    }
}
