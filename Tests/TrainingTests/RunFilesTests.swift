import Foundation
import Platform
import Testing
@testable import Runs
@testable import Tasks
@testable import Training

func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-training-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct RunFilesTests {
    @Test func checkpointSaveReplacesAtomicallyAndRecoverRestoresASetAsideFolder() throws {
        let root = temporaryFolder("ckpt")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = CheckpointStore(root: root)
        try store.save("last") { try Data("one".utf8).write(to: $0.appendingPathComponent("state.json")) }
        try store.save("last") { try Data("two".utf8).write(to: $0.appendingPathComponent("state.json")) }
        #expect(String(decoding: try Data(contentsOf: store.url("last").appendingPathComponent("state.json")), as: UTF8.self) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["last"])

        // A failing writer leaves the previous checkpoint untouched and no temporaries.
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.save("last") { dir in
                try Data("partial".utf8).write(to: dir.appendingPathComponent("state.json"))
                throw Boom()
            }
        }
        #expect(String(decoding: try Data(contentsOf: store.url("last").appendingPathComponent("state.json")), as: UTF8.self) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["last"])

        // A crash between setting the old folder aside and renaming the new one in: recover restores the old.
        try FileManager.default.moveItem(at: store.url("last"), to: root.appendingPathComponent(".last.old"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".last.tmp-999"), withIntermediateDirectories: true)
        #expect(store.existing("last") == nil)
        try store.recover()
        #expect(store.existing("last") != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["last"])

        try store.copy("last", to: "best")
        #expect(String(decoding: try Data(contentsOf: store.url("best").appendingPathComponent("state.json")), as: UTF8.self) == "two")
    }

    @Test func trainLogTruncatesToTheCheckpointStepOnResume() throws {
        let dir = temporaryFolder("log")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("train.jsonl")
        do {
            let log = try TrainLog(url: url)
            for s in 1...5 {
                try log.append(StepRecord(step: s, loss: ["a": Double(s)], examples: ["a": 4], lr: 0.1, tokens: 10, gradNorm: nil))
            }
            try log.append(EvaluationRecord(step: 4, metrics: ["a": ["dev": ["en": ["accuracy": 0.5]]]], selection: "source-dev", selectionScore: 0.5, best: true))
            try log.sync()
        }
        // A torn last line, as a kill mid-write leaves.
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd(); try handle.write(contentsOf: Data("{\"step\": 6, \"ty".utf8)); try handle.close()
        let log = try TrainLog(url: url, resumeAfter: 4)
        try log.append(StepRecord(step: 5, loss: ["a": .nan], examples: ["a": 4], lr: 0.1, tokens: 10, gradNorm: 1))
        try log.sync()
        let records = try TrainLog.read(url)
        #expect(records.map { $0["step"] as? Int } == [1, 2, 3, 4, 4, 5])
        #expect(records[4]["type"] as? String == "eval")
        #expect((records[5]["loss"] as? [String: Any])?["a"] as? String == "nan")
    }

    @Test func runFolderRefusesAnExistingRunAndRoundTripsTheExperiment() throws {
        let dir = temporaryFolder("run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = try ExperimentLoader.decode(yaml: "name: r\nseed: 3\ntasks: [{name: a, train_languages: [en]}]")
        let run = try RunFolder.create(at: dir.path)
        try run.writeExperiment(e)
        #expect(try RunFolder.open(dir.path).readExperiment() == e)
        #expect(throws: FileError.self) { _ = try RunFolder.create(at: dir.path) }
        #expect(throws: FileError.self) { _ = try RunFolder.open(dir.appendingPathComponent("nothing").path) }
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RunFolder.defaultPath(for: e, date: date) == "results/r-seed3-20231114-221320")

        let file = dir.appendingPathComponent("data.txt")
        try Data("abc".utf8).write(to: file)
        let env = RunEnvironment.current(seed: 3, randomStreams: ["sampler"], dataRoot: dir.path,
                                         dataFiles: try DataFileChecksum.of(files: [file.path, file.path]))
        try run.writeEnvironment(env)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: run.environmentFile)) as? [String: Any]
        let files = json?["data_files"] as? [[String: Any]]
        #expect(files?.count == 1)
        #expect(files?.first?["sha256"] as? String == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(json?["icu"] as? String == ICU.version)
    }

    @Test func progressPrintsPlainLinesWhenNotATerminalAndRedrawsOnOne() {
        var out: [String] = []
        var t = 0.0
        let plain = ProgressDisplay(totalSteps: 40, interactive: false, write: { out.append($0) }, clock: { t })
        for s in 1...40 {
            t += 0.5
            plain.update(step: s, tokens: 100, losses: ["mlm": 4.0, "months": 1.0])
        }
        // One line every 40/20 = 2 steps.
        #expect(out.count == 20)
        #expect(out.last == "step 40/40 eta 0:00 200 tok/s loss mlm=4.000 months=1.000\n")
        #expect(out.allSatisfy { !$0.contains("\r") })
        out = []
        t = 0
        let bar = ProgressDisplay(totalSteps: 10, interactive: true, write: { out.append($0) }, clock: { t })
        for s in 1...10 { t += 0.05; bar.update(step: s, tokens: 10, losses: ["a": 1]) }
        bar.note("eval step 10")
        bar.finish()
        #expect(out.first?.hasPrefix("\r\u{1B}[K[==") == true)
        #expect(out.count < 10 + 3)
        #expect(out.contains("eval step 10\n"))
        #expect(ProgressDisplay.duration(3725) == "1:02:05" && ProgressDisplay.duration(65) == "1:05")
        #expect(ProgressDisplay.compact(12_345) == "12k" && ProgressDisplay.compact(1_500) == "1.5k")
    }
}
