import Engine
import Foundation
import Models
import Platform
import Testing
@testable import Runs
@testable import Training

/// `strategy: adapters` and `lora` train the added weights and the heads and leave the base model as it
/// started (bitwise); the run records what trained; its checkpoints carry the adapters for `eval`; a LoRA
/// model exports merged, a bottleneck one is refused.
@Suite struct AdapterTrainingTests {
    static let strategies: [(kind: String, settings: [String])] = [
        ("adapters", ["strategy.kind=adapters", "strategy.adapter={architecture: houlsby, reduction_factor: 4}"]),
        ("lora", ["strategy.kind=lora", "strategy.lora={rank: 4, alpha: 8, targets: [query, value, intermediate]}"]),
        // MAD-X's language adapter: Pfeiffer with the invertible adapter, whose inverse the masked-LM head runs.
        ("adapters", ["strategy.kind=adapters", "strategy.adapter={architecture: pfeiffer, reduction_factor: 2, invertible: true}"]),
    ]

    /// Runs `polyglot` with exactly these arguments: its exit status and standard error.
    static func polyglot(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let errors = TrainingRunSupport.temporaryRun("stderr").appendingPathExtension("txt")
        defer { try? FileManager.default.removeItem(at: errors) }
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        let p = Process()
        p.executableURL = TrainingRunSupport.binary
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: errors)
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }

    func weights(_ run: URL) throws -> [String: [Float]] {
        let file = try SafetensorsFile(url: run.appendingPathComponent(TrainingRunSupport.lastWeights))
        var out: [String: [Float]] = [:]
        for e in file.entries { out[e.name] = try file.floats(e.name) }
        return out
    }

    @Test(arguments: 0..<3) func onlyAddedWeightsAndHeadsTrain(_ i: Int) throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let (kind, settings) = Self.strategies[i]
        let file = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "adapters-\(kind)")
        let trained = TrainingRunSupport.temporaryRun("\(kind)-trained"), start = TrainingRunSupport.temporaryRun("\(kind)-start")
        let export = TrainingRunSupport.temporaryRun("\(kind)-export")
        defer { for d in [file, trained, start, export] { try? FileManager.default.removeItem(at: d) } }
        let set = settings.flatMap { ["--set", $0] }
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", trained.path] + set) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", start.path, "--set", "optimization.max_steps=0", "--set", "optimization.warmup_steps=0"] + set) == 0)
        let after = try weights(trained), before = try weights(start)
        #expect(Set(after.keys) == Set(before.keys))
        var changedAdapters = 0, changedHeads = 0
        for (name, values) in after {
            if AdapterSetup.isAdapterWeight(name) {
                if values != before[name] { changedAdapters += 1 }
            } else if name.hasPrefix("heads.") || name.hasPrefix("cls.") {
                if values != before[name] { changedHeads += 1 }
            } else {
                #expect(values == before[name], "\(kind): the base weight \(name) changed")
            }
        }
        #expect(changedAdapters > 0 && changedHeads > 0, "\(kind): \(changedAdapters) adapter and \(changedHeads) head weights changed")
        if settings.contains(where: { $0.contains("invertible: true") }) {
            for name in after.keys where name.hasPrefix("invertible_adapters.") { #expect(after[name] != before[name], "\(name) did not train") }
            #expect(after.keys.contains { $0.hasPrefix("invertible_adapters.task.F.0") })
        }
        // train.jsonl says what trained: the added weights and the heads, a small share of the model.
        let records = try TrainLog.read(trained.appendingPathComponent("train.jsonl"))
        let parameters = try #require(records.first { $0["type"] as? String == "parameters" })
        let total = try #require(parameters["total"] as? Int), trainable = try #require(parameters["trainable"] as? Int)
        let adapterFloats = after.filter { AdapterSetup.isAdapterWeight($0.key) }.reduce(0) { $0 + $1.value.count }
        let headFloats = after.filter { $0.key.hasPrefix("heads.") || $0.key.hasPrefix("cls.") }.reduce(0) { $0 + $1.value.count }
        #expect(parameters["strategy"] as? String == kind)
        #expect(trainable == adapterFloats + headFloats && trainable < total, "\(trainable) of \(total)")
        #expect(parameters["optimizer_state_bytes"] as? Int == trainable * 8)
        #expect(records.filter { $0["type"] as? String == "step" }.allSatisfy { ($0["seconds"] as? Double ?? -1) > 0 })
        // The checkpoint rebuilds with its adapters: eval scores the run.
        #expect(try TrainingRunSupport.runToEnd(["eval", trained.path, "--max-examples", "20"]) == 0)
        let model = trained.appendingPathComponent("checkpoints/last/model").path
        let exported = try Self.polyglot(["export", "--model", model, "--output", export.path])
        if kind == "lora" {
            #expect(exported.status == 0, "\(exported.stderr)")
            // The export holds W + (alpha/r)·B·A: the frozen query weight with the trained LoRA merged in.
            let file = try SafetensorsFile(url: export.appendingPathComponent("model.safetensors"))
            let name = try #require(file.entries.map(\.name).first { $0.hasSuffix("encoder.layer.0.attention.self.query.weight") })
            let merged = try file.floats(name)
            let w = try #require(after["encoder.layer.0.attention.self.query.weight"])
            let a = try #require(after["encoder.layer.0.attention.self.query.loras.task.lora_A"])  // [4, 32]
            let b = try #require(after["encoder.layer.0.attention.self.query.loras.task.lora_B"])  // [32, 4]
            var worst = 0.0
            for i in 0..<32 {
                for j in 0..<32 {
                    var ba = 0.0
                    for k in 0..<4 { ba += Double(b[i * 4 + k]) * Double(a[k * 32 + j]) }
                    worst = max(worst, abs(Double(merged[i * 32 + j]) - (Double(w[i * 32 + j]) + 2 * ba)))
                }
            }
            #expect(worst <= 1e-5 && merged != w, "max |export − (W + 2·B·A)| \(worst)")
        } else {
            #expect(exported.status == 1 && exported.stderr.contains("bottleneck adapters"), "\(exported.stderr)")
        }
    }

    /// `polyglot adapter export` writes the adapter alone; it loads into a model of the same base and
    /// configuration (the same weights back) and is refused by another base or another kind of adapter.
    @Test func adapterFilesRoundTripAndRefuseAnotherBase() throws {
        guard TrainingRunSupport.binaryExists else { Issue.record(Comment(rawValue: TrainingRunSupport.missingBinary)); return }
        let file = try TrainingRunSupport.experimentFile(TrainingRunSupport.tiny, name: "adapter-file")
        let trained = TrainingRunSupport.temporaryRun("file-trained"), start = TrainingRunSupport.temporaryRun("file-start")
        let other = TrainingRunSupport.temporaryRun("file-other"), lora = TrainingRunSupport.temporaryRun("file-lora")
        let out = TrainingRunSupport.temporaryRun("file-out"), loraOut = TrainingRunSupport.temporaryRun("file-lora-out")
        defer { for d in [file, trained, start, other, lora, out, loraOut] { try? FileManager.default.removeItem(at: d) } }
        let set = Self.strategies[0].settings.flatMap { ["--set", $0] }
        let untrained = ["--set", "optimization.max_steps=0", "--set", "optimization.warmup_steps=0"]
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", trained.path] + set) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", start.path] + set + untrained) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", other.path, "--set", "seed=4"] + set + untrained) == 0)
        #expect(try TrainingRunSupport.runToEnd(["train", file.path, "--output", lora.path] + Self.strategies[1].settings.flatMap { ["--set", $0] }) == 0)
        func model(_ run: URL) -> URL { run.appendingPathComponent("checkpoints/last/model") }
        let exported = try Self.polyglot(["adapter", "export", "--model", model(trained).path, "--output", out.path])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(try Self.polyglot(["adapter", "export", "--model", model(lora).path, "--output", loraOut.path]).status == 0)
        let header = try AdapterFile.readHeader(out)
        #expect(header.kind == .bottleneck && header.bottleneck?.architecture == .houlsby && header.name == "task")
        // Only the adapter's weights, a small file.
        let saved = try SafetensorsFile(url: out.appendingPathComponent(AdapterFile.weightsFile))
        #expect(!saved.entries.isEmpty && saved.entries.allSatisfy { AdapterSetup.isAdapterWeight($0.name) })

        // Into the untrained twin (same base): the trained adapter's weights, bit for bit.
        let twin = try ModelCheckpoint.load(model(start), maxBatch: 2, maxLength: 16)
        let trainedModel = try ModelCheckpoint.load(model(trained), maxBatch: 2, maxLength: 16)
        #expect(try BaseModelHash.of(twin) == header.baseModelSHA256)
        try AdapterFile.load(out, into: twin, slot: "task")
        for name in twin.store.names where AdapterSetup.isAdapterWeight(name) {
            #expect(try twin.store.get(name) == trainedModel.store.get(name), "\(name)")
        }
        // Another base (another seed): refused, naming the key.
        let stranger = try ModelCheckpoint.load(model(other), maxBatch: 2, maxLength: 16)
        var message = "loaded"
        do { try AdapterFile.load(out, into: stranger, slot: "task") } catch { message = "\(error)" }
        #expect(message.contains("base_model_sha256") && message.contains(AdapterFile.headerFile), "\(message)")
        // A LoRA file into a bottleneck adapter: refused.
        do { try AdapterFile.load(loraOut, into: twin, slot: "task"); Issue.record("a LoRA file loaded into a bottleneck adapter") } catch {
            #expect("\(error)".contains("does not match"), "\(error)")
        }
        // An unknown adapter name: one line naming what the model has.
        let unknown = try Self.polyglot(["adapter", "export", "--model", model(trained).path, "--adapter", "xx", "--output", out.path + "-x"])
        #expect(unknown.status == 1 && unknown.stderr.contains("has: task"), "\(unknown.stderr)")
    }

    /// What only the built model can check (a rank against its matrices) is named by the experiment's key.
    @Test func aRankLargerThanTheMatrixIsRefusedWithTheKey() throws {
        let dir = TrainingRunSupport.temporaryRun("big-rank")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let e = try ExperimentLoader.decode(yaml: TrainingRunSupport.tiny, file: "x.yaml", overrides: ["strategy.kind=lora", "strategy.lora={rank: 33}"])
            _ = try Trainer.start(e, experimentFile: "x.yaml", outputPath: dir.path, options: TrainingRunSupport.options)
            Issue.record("a rank of 33 on 32-wide matrices trained")
        } catch let error as ConfigError {
            #expect(error.key == "strategy.lora.rank" && error.message.contains("[32, 32]"), "\(error)")
        }
    }

    @Test func strategyKeysAreCheckedAgainstTheKind() throws {
        func message(_ overrides: [String]) -> String {
            do { _ = try ExperimentLoader.decode(yaml: TrainingRunSupport.tiny, file: "x.yaml", overrides: overrides).validate(file: "x.yaml"); return "" }
            catch { return "\(error)" }
        }
        #expect(message(["strategy.adapter={reduction_factor: 4}"]).contains("strategy.adapter"))
        #expect(message(["strategy.kind=lora", "strategy.lora={rank: 2, alpah: 4}"]).contains("alpah"))
        #expect(message(["strategy.kind=adapters", "strategy.adapter={architecture: parallel}"]).contains("pfeiffer, houlsby"))
        #expect(message(["strategy.kind=lora", "strategy.l2_sp=0.1"]).contains("strategy.kind"))
        #expect(message(["strategy.kind=lora", "strategy.lora={targets: [query, gate]}"]).contains("attention_output"))
    }
}
