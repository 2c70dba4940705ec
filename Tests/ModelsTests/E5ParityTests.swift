import Foundation
import Testing
import Engine
import Models
import Platform
import Text

/// multilingual-e5-small (a BERT body with XLM-R's 250,002-piece vocabulary; the shared 4-bit image written as a
/// Hugging Face + sentence-transformers folder by its own to_hf.py) against sentence-transformers' vectors on
/// SIB-200, PUD and Tatoeba sentences, with and without the "query: " prompt (tools/reference/models_e5.py).
/// The conversion needs python3 with numpy; without them the suite is skipped (CI converts the image itself).
extension EngineBackedTests {
@Suite(.enabled(if: E5Image.converterAvailable, "python3 with numpy is needed to convert the shared e5 image (to_hf.py); not found"))
struct E5ParityTests {
    struct Fixture: Decodable {
        struct Sentence: Decodable { let source: String; let text: String; let ids: [Int32]; let query_ids: [Int32] }
        let max_seq_length: Int
        let prompt: String
        let dim: Int
        let modules: [String]
        let sentences: [Sentence]
    }

    static func fixture() throws -> (Fixture, [Float]) {
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: TestPaths.fixture("e5_golden.json")))
        let bytes = try Data(contentsOf: TestPaths.fixture("e5_golden.f32"))
        let count = f.sentences.count * 2 * f.dim
        try #require(bytes.count == count * 4, "e5_golden.f32 holds \(bytes.count) bytes, expected \(count * 4)")
        let vectors = bytes.withUnsafeBytes { raw in (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
        return (f, vectors)
    }

    /// Max |Δ| per data set (sib200, pud, tatoeba) between `got[i]` and the golden vector `variant` (0 plain, 1 query) of sentence i.
    static func differences(_ got: [[Float]], _ f: Fixture, _ golden: [Float], variant: Int) -> [String: Float] {
        var worst: [String: Float] = [:]
        for (i, (v, s)) in zip(got, f.sentences).enumerated() {
            let base = (i * 2 + variant) * f.dim
            let set = String(s.source.prefix { $0 != "/" })
            for c in 0..<f.dim { worst[set] = max(worst[set] ?? 0, abs(v[c] - golden[base + c])) }
        }
        return worst
    }

    /// The model path: sentence-transformers' ids (plain and with "query: ") through the imported e5 with the
    /// folder's own pooling and Normalize module.
    @Test func embeddingsFromGoldenIdsMatchSentenceTransformers() throws {
        let (f, golden) = try Self.fixture()
        let dir = try E5Image.convertedFolder()
        let longest = f.sentences.map { max($0.ids.count, $0.query_ids.count) }.max() ?? 1
        let (model, report) = try HFImport.load(directory: dir, maxBatch: 16, maxLength: longest)
        #expect(report.initialized.isEmpty && report.unused.isEmpty)
        #expect(model.config.encoder.vocabSize == 250_037)
        #expect(model.config.hfTokenizerClass == "XLMRobertaTokenizer")
        // Its export keeps the tokenizer class, so that transformers builds XLM-R's tokenizer, not BERT's.
        let exported = try HFExport.hfConfig(model, classificationHead: nil)
        #expect(exported.modelType == "bert" && exported.tokenizerClass == "XLMRobertaTokenizer")
        #expect(f.modules == ["Transformer", "Pooling", "Normalize"])
        #expect(model.config.sentenceTransformers == SentenceTransformersSettings(pooling: .mean, normalize: true, maxSeqLength: f.max_seq_length))
        let embedder = SentenceEmbedder(pooling: model.config.embeddingPooling ?? .cls, normalize: model.config.embeddingNormalize ?? false,
                                        batchSize: 16)
        let plain = try embedder.embed(f.sentences.map(\.ids), with: model.inference)
        let query = try embedder.embed(f.sentences.map(\.query_ids), with: model.inference)
        for (variant, got) in [(0, plain), (1, query)] {
            let worst = Self.differences(got, f, golden, variant: variant)
            print("e5 from golden ids, \(variant == 0 ? "plain" : "query: "): max |Δ| " + worst.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            #expect(Set(worst.keys) == ["sib200", "pud", "tatoeba"])
            for (set, d) in worst.sorted(by: { $0.key < $1.key }) {
                #expect(d <= 1e-4, "\(variant == 0 ? "plain" : "query: ") \(set): max |Δ| \(d) over \(f.sentences.count) sentences")
            }
        }
        // The prompt changes the vectors: the comparison above is not passing by accident.
        #expect(zip(plain[0], query[0]).map { abs($0 - $1) }.max() ?? 0 > 1e-3)
    }

    /// Text to vector, as `polyglot embed` runs it: e5's own tokenizer.json (Precompiled + Replace normalizers,
    /// Metaspace, Unigram, `<s> … </s>`) gives HF's ids, and the vectors match sentence-transformers'.
    @Test func textToEmbeddingPipelineMatchesSentenceTransformers() throws {
        let (f, golden) = try Self.fixture()
        let dir = try E5Image.convertedFolder()
        let tokenizer = try Tokenizer.load(from: dir.appendingPathComponent("tokenizer.json"))
        let length = try ModelDirectory.defaultEmbeddingLength(dir)
        #expect(length == f.max_seq_length)
        var tok = tokenizer
        tok.maxLength = length
        var wrongIDs: [String] = []
        for s in f.sentences {
            if try tok.encode(s.text).ids.map(Int32.init) != s.ids { wrongIDs.append(s.source) }
            if try tok.encode(f.prompt + s.text).ids.map(Int32.init) != s.query_ids { wrongIDs.append(s.source + " (query)") }
        }
        #expect(wrongIDs.isEmpty, "token ids differ from HF's for \(wrongIDs.count): \(wrongIDs.prefix(5))")
        let longest = f.sentences.map { max($0.ids.count, $0.query_ids.count) }.max() ?? 1
        let (model, _) = try HFImport.load(directory: dir, maxBatch: 16, maxLength: longest)
        let embedder = SentenceEmbedder(pooling: .mean, normalize: true, batchSize: 16)
        for (variant, prompt) in [(0, ""), (1, f.prompt)] {
            let got = try embedder.embed(texts: f.sentences.map(\.text), tokenizer: tokenizer, maxLength: length, model: model,
                                         prompt: try model.config.prompt(text: prompt, name: nil))
            let worst = Self.differences(got, f, golden, variant: variant)
            print("e5 from text, \(variant == 0 ? "plain" : "query: "): max |Δ| " + worst.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            for (set, d) in worst { #expect(d <= 1e-4, "from text, variant \(variant): \(set): max |Δ| \(d)") }
        }
    }
}
}

/// The shared e5 image and its conversion into .build (outside the suite: its enabling trait reads it).
enum E5Image {
    static let image = TestPaths.dataRoot.deletingLastPathComponent().appendingPathComponent("models/multilingual-e5-small-q4")

    static let converterAvailable: Bool = {
        guard FileManager.default.fileExists(atPath: image.appendingPathComponent("to_hf.py").path) else { return false }
        return (try? python(["-c", "import numpy"])) == 0
    }()

    static func python(_ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// The converted folder under .build, converted again when the image or the converter changed
    /// (their sizes and modification times are the stamp).
    static func convertedFolder() throws -> URL {
        let build = TestPaths.packageRoot.appendingPathComponent(".build/polyglot-test-models")
        let folder = build.appendingPathComponent("multilingual-e5-small")
        let stampURL = folder.appendingPathComponent("converted-from.txt")
        let stamp = try ["e5-small-q4.bin", "to_hf.py", "tokenizer.json"].map { name -> String in
            let attrs = try FileManager.default.attributesOfItem(atPath: image.appendingPathComponent(name).path)
            return "\(name) \(attrs[.size] ?? 0) \((attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }.joined(separator: "\n")
        if let old = try? String(contentsOf: stampURL, encoding: .utf8), old == stamp { return folder }
        try FileManager.default.createDirectory(at: build, withIntermediateDirectories: true)
        let temp = build.appendingPathComponent("multilingual-e5-small.tmp-\(getpid())")
        try? FileManager.default.removeItem(at: temp)
        let status = try python([image.appendingPathComponent("to_hf.py").path, temp.path])
        try #require(status == 0, "to_hf.py exited with \(status)")
        try Data(stamp.utf8).write(to: temp.appendingPathComponent("converted-from.txt"))
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.moveItem(at: temp, to: folder)
        return folder
    }
}
