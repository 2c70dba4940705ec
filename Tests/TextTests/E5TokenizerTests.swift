import Foundation
import Platform
import Testing
@testable import Text

/// The multilingual e5 tokenizer (XLM-R's: Precompiled + Replace normalizer, Metaspace, Unigram of
/// 250,002 pieces, <s> … </s>) against HF `tokenizers` on every sentence of SIB-200, the UD PUD
/// treebanks and Tatoeba (Tests/Fixtures/text/e5/e5_golden.json, tools/reference/text_e5_golden.py).
@Suite(.serialized) struct E5TokenizerTests {
    struct FileGolden {
        let path: String
        let sentences: Int
        let ids: Int
        let idsSHA256: String
        let idHashes: [UInt8]
        let normHashes: [UInt8]
        let detail: [StageJSON]
    }

    static let hashBytes = 3

    static func golden() throws -> (tokenizerSHA256: String, files: [FileGolden]) {
        let root = try StageJSON(StageSupport.json(TestData.fixtures.appendingPathComponent("e5/e5_golden.json")), path: "e5_golden.json")
        let files = try root.objects("files").map { f in
            FileGolden(path: try f.string("path"), sentences: try f.int("sentences"), ids: try f.int("ids"),
                       idsSHA256: try f.string("ids_sha256"), idHashes: try Base64.decode(try f.string("id_hashes")),
                       normHashes: try Base64.decode(try f.string("norm_hashes")), detail: try f.objects("detail"))
        }
        return (try root.string("tokenizer_sha256"), files)
    }

    /// The folder `to_hf.py` writes, made once under .build (nil, with the reason, when python3 or
    /// numpy is missing).
    static let hfFolder: Result<URL, TokenizerError> = {
        let script = TestData.modelsRoot.appendingPathComponent("multilingual-e5-small-q4/to_hf.py")
        let out = TestData.packageRoot.appendingPathComponent(".build/e5-small-hf")
        let tokenizer = out.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: tokenizer.path) { return .success(out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import numpy"]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return .failure(TokenizerError("python3 not found: \(error)")) }
        p.waitUntilExit()
        if p.terminationStatus != 0 { return .failure(TokenizerError("python3 with numpy is needed to run to_hf.py")) }
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = ["python3", script.path, out.path, "--dtype", "float16"]
        run.standardOutput = FileHandle.nullDevice
        do { try run.run() } catch { return .failure(TokenizerError("could not run to_hf.py: \(error)")) }
        run.waitUntilExit()
        guard run.terminationStatus == 0, FileManager.default.fileExists(atPath: tokenizer.path) else {
            return .failure(TokenizerError("to_hf.py \(out.path) failed (status \(run.terminationStatus))"))
        }
        return .success(out)
    }()

    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(bytes)
        return Array(h.finalize().prefix(hashBytes))
    }

    static func le(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 24) & 0xFF)] }

    /// The Precompiled stage of the e5 tokenizer (normalizer.normalizers[0]) on its own, from the
    /// tokenizer.json to_hf.py wrote: normalized text and offsets of every sentence as HF has them.
    @Test func precompiledMatchesHFOnEverySentence() throws {
        let folder: URL
        switch E5TokenizerTests.hfFolder {
        case .success(let u): folder = u
        case .failure(let e): print("skipped: \(e.message)"); return
        }
        let tokenizerJSON = folder.appendingPathComponent("tokenizer.json")
        let (sha, files) = try E5TokenizerTests.golden()
        #expect(try SHA256.hex(ofFile: tokenizerJSON.path) == sha, "the golden file was made from another tokenizer.json")
        let root = try StageJSON(StageSupport.json(tokenizerJSON), path: "")
        let normalizer = try root.object("normalizer")
        let stage = try Normalizers.make(try normalizer.objects("normalizers")[0])
        #expect(stage is PrecompiledNormalizer)
        var total = 0, matched = 0
        var failures: [String] = []
        for file in files {
            let sentences = try TestData.sentences(file.path)
            #expect(sentences.count == file.sentences, "\(file.path): sentence count")
            guard sentences.count == file.sentences, file.normHashes.count == file.sentences * E5TokenizerTests.hashBytes else { continue }
            let details = Dictionary(uniqueKeysWithValues: try file.detail.map { (try $0.int("index"), $0) })
            for (k, s) in sentences.enumerated() {
                total += 1
                let out = StageSupport.run(stage, s)
                let (offsets, _) = StageSupport.charOffsets(out)
                var bytes = out.bytes + [0xFF]
                for pair in offsets { bytes += E5TokenizerTests.le(pair[0]) + E5TokenizerTests.le(pair[1]) }
                let h = E5TokenizerTests.hash(bytes)
                let want = Array(file.normHashes[(k * E5TokenizerTests.hashBytes)..<((k + 1) * E5TokenizerTests.hashBytes)])
                if h == want { matched += 1 } else if failures.count < 20 { failures.append("\(file.path) sentence \(k + 1): \(s.prefix(80).debugDescription) → \(out.string.prefix(80).debugDescription)") }
                if let d = details[k] {
                    #expect(out.string == (try d.string("normalized")), "\(file.path) sentence \(k + 1)")
                    let want = try d.list("normalized_offsets").map { pair -> [Int] in
                        guard case .array(let a) = pair else { return [] }
                        return a.compactMap { if case .integer(let i) = $0 { Int(i) } else { nil } }
                    }
                    #expect(offsets == want, "\(file.path) sentence \(k + 1): offsets")
                }
            }
        }
        print("e5 Precompiled: \(matched) of \(total) sentences match HF")
        #expect(matched == total, "\(total - matched) sentences differ, first: \(failures.joined(separator: "\n"))")
        #expect(total > 60_000)
    }

    /// The whole tokenizer: ids of every sentence (with <s> and </s>), per-file id counts and
    /// digests, and the byte offsets of the first sentences of each file.
    @Test func e5TokenizerMatchesHFOnEverySentence() throws {
        let folder: URL
        switch E5TokenizerTests.hfFolder {
        case .success(let u): folder = u
        case .failure(let e): print("skipped: \(e.message)"); return
        }
        let tok = try Tokenizer.load(from: folder.appendingPathComponent("tokenizer.json"))
        let (_, files) = try E5TokenizerTests.golden()
        var total = 0, matched = 0
        var failures: [String] = []
        for file in files {
            let sentences = try TestData.sentences(file.path)
            #expect(sentences.count == file.sentences, "\(file.path): sentence count")
            guard sentences.count == file.sentences, file.idHashes.count == file.sentences * E5TokenizerTests.hashBytes else { continue }
            let encodings = try tok.encodeBatch(sentences)
            var whole = SHA256()
            var count = 0
            for (k, e) in encodings.enumerated() {
                total += 1
                var bytes: [UInt8] = []
                for id in e.ids { bytes += E5TokenizerTests.le(id) }
                whole.update(E5TokenizerTests.le(e.ids.count) + bytes)
                count += e.ids.count
                let want = Array(file.idHashes[(k * E5TokenizerTests.hashBytes)..<((k + 1) * E5TokenizerTests.hashBytes)])
                if E5TokenizerTests.hash(bytes) == want { matched += 1 } else if failures.count < 20 {
                    failures.append("\(file.path) sentence \(k + 1): \(sentences[k].prefix(80).debugDescription)")
                }
            }
            #expect(count == file.ids, "\(file.path): id count")
            #expect(whole.finalize().map { String(format: "%02x", $0) }.joined() == file.idsSHA256, "\(file.path): ids digest")
            for d in file.detail {
                let k = try d.int("index")
                let e = encodings[k]
                let ids = try d.list("ids").compactMap { v -> Int? in if case .integer(let i) = v { Int(i) } else { nil } }
                #expect(e.ids == ids, "\(file.path) sentence \(k + 1): ids")
                let offsets = try d.list("offsets").map { pair -> [Int] in
                    guard case .array(let a) = pair else { return [] }
                    return a.compactMap { if case .integer(let i) = $0 { Int(i) } else { nil } }
                }
                #expect(e.byteOffsets.map { [$0.lowerBound, $0.upperBound] } == offsets, "\(file.path) sentence \(k + 1): offsets")
            }
        }
        print("e5 tokenizer: \(matched) of \(total) sentences match HF")
        #expect(matched == total, "\(total - matched) sentences differ, first: \(failures.joined(separator: "\n"))")
        #expect(total > 60_000)
    }

    /// Throughput of the Precompiled stage alone on the SIB-200 training text (printed), with and
    /// without offsets; both must write the same bytes.
    @Test func precompiledThroughput() throws {
        let stage = try Normalizers.make(StageJSON(StageSupport.e5PrecompiledJSON(), path: "normalizer"))
        var lines: [String] = []
        for lang in try FileManager.default.contentsOfDirectory(atPath: TestData.dataRoot.appendingPathComponent("sib200/annotated").path).sorted() {
            lines += try TestData.sentences("sib200/annotated/\(lang)/train.tsv")
        }
        let bytes = lines.reduce(0) { $0 + $1.utf8.count }
        for tracks in [false, true] {
            var out = AlignedText(tracksSource: tracks)
            var best = Double.infinity
            var produced = 0
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                produced = 0
                for var line in lines {
                    out.removeAll()
                    line.withUTF8 { stage.normalize($0, base: 0, into: &out) }
                    produced += out.count
                }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            print(String(format: "Precompiled (offsets: %@): %.1f MB/s over %.1f MB", tracks ? "yes" : "no", Double(bytes) / 1e6 / best, Double(bytes) / 1e6))
            #expect(produced > bytes * 9 / 10)
        }
    }
}
