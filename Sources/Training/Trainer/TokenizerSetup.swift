import Runs
import Tasks
import Foundation
import Platform
import Text

/// The run's tokenizer: trained on the training tasks' text (every stage's), read from a file, or the model checkpoint's.
/// It is saved in the run folder and read back from there, so a resumed run encodes exactly as the first.
enum TokenizerSetup {
    static let fileName = RunFolder.tokenizerFileName

    static func url(_ run: RunFolder) -> URL { run.tokenizerFile }

    static func prepare(_ e: Experiment, examples: [Trainer.RawTask], run: RunFolder) throws -> Tokenizer {
        let t = e.tokenizer
        let tokenizer: Tokenizer
        switch t.source {
        case .file:
            tokenizer = try Tokenizer.load(from: URL(fileURLWithPath: t.path!))
        case .model:
            tokenizer = try Tokenizer.load(from: URL(fileURLWithPath: e.model.path!).appendingPathComponent(fileName))
        case .train:
            var corpora: [String: [String]] = [:]
            // A task a later stage trains again in a language adds its text once.
            var seen = Set<String>()
            for task in examples {
                let fresh = Set(task.train.map(\.language)).filter { !seen.contains(task.name + "\u{1F}" + $0) }
                for ex in task.train where fresh.contains(ex.language) { corpora[ex.language, default: []] += ex.texts }
                for lang in fresh { seen.insert(task.name + "\u{1F}" + lang) }
            }
            var config = TokenizerTrainer.Config()
            config.vocabSize = t.vocabSize
            config.seed = e.seed
            config.preTokenizer = t.preTokenizer == .icu ? .icu : .metaspace
            config.maxSentencesPerLanguage = max(1, t.maxSentences / max(1, corpora.count))
            config.seedSize = max(config.seedSize, t.vocabSize)
            let trainer: TokenizerTrainer
            do { trainer = try TokenizerTrainer(config: config) } catch let error as ConfigError {
                throw ConfigError(key: "tokenizer." + error.key, error.message)
            }
            tokenizer = try trainer.train(corpora)
        }
        try tokenizer.save(to: url(run))
        return try load(e, run: run)
    }

    /// The tokenizer saved in the run folder, truncating to the experiment's sequence length.
    static func load(_ e: Experiment, run: RunFolder) throws -> Tokenizer {
        var tokenizer = try Tokenizer.load(from: url(run))
        tokenizer.maxLength = e.data.maxLength
        return tokenizer
    }

    /// The run's tokenizer and its files (for checkpoints) on every rank: rank 0's `tokenizer` (saved in the run
    /// folder), sent to the other ranks of a distributed job, which read it from a private temporary folder
    /// (the run folder may not be on their machine). One process: `tokenizer` and the files it saved.
    static func shared(_ e: Experiment, run: RunFolder, tokenizer: Tokenizer?) throws -> (tokenizer: Tokenizer, files: [String: Data]) {
        if !Distributed.isActive, let tokenizer { return (tokenizer, try files(run)) }
        let sent: [String: Data] = try Distributed.broadcast(Distributed.isRoot ? files(run) : nil)
        if Distributed.isRoot, let tokenizer { return (tokenizer, sent) }
        // A folder of this process's own (a fresh name, created here or refused), so removing it removes nothing else.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-rank\(Distributed.rank)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, data) in sent where !name.contains("/") && name != "." && name != ".." {
            try AtomicFile.write(data, to: folder.appendingPathComponent(name))
        }
        var loaded = try Tokenizer.load(from: folder.appendingPathComponent(fileName))
        loaded.maxLength = e.data.maxLength
        return (loaded, sent)
    }

    /// tokenizer.json and its sidecar (when there is one), for checkpoints.
    static func files(_ run: RunFolder) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let main = url(run)
        out[fileName] = try InputFile.readData(main.path, limit: InputLimits.jsonBytes, what: "tokenizer file")
        let side = Tokenizer.sidecarURL(for: main)
        if FileManager.default.fileExists(atPath: side.path) {
            out[side.lastPathComponent] = try InputFile.readData(side.path, limit: InputLimits.jsonBytes, what: "tokenizer sidecar")
        }
        return out
    }
}
