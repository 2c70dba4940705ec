import Foundation
import Testing
import Engine
import Platform
import Models

/// Multi-task training steps against PyTorch (tools/reference/models_multitask_golden.py, the loop of
/// tools/reference/xtreme_hf.py's multi-task reference): one imported BERT encoder shared by a token-tagging head and a
/// sequence-classification head (pooler + projection), eight steps of one task each, AdamW over parameter groups
/// (decay / no decay, the tagging head at 4 × lr), global-norm clipping (active at some steps, not at others), the
/// linear schedule with warm-up. As the trainer does, the head a step does not train is marked idle, which is what
/// PyTorch's `zero_grad(set_to_none=True)` leaves it: no update, no weight decay, its moments and step count kept.
/// Dropout is 0, so every loss, gradient norm and final weight can be compared.
extension EngineBackedTests {
@Suite struct MultiTaskGoldenTests {
    struct Golden: Decodable {
        let tasks: [String]
        let lr: Float, weight_decay: Float, tag_multiplier: Float, clip_norm: Float
        let warmup_steps: Int, betas: [Float], eps: Float
        let tag_labels: Int, cls_labels: Int
        let losses: [Float], grad_norms: [Float]
        // Token labels are (rows × length) in the file; classifier labels one per row.
        let batches: [String: RawBatch]
        struct RawBatch: Decodable {
            let input_ids: [[Int32]], attention_mask: [[Int32]]
            let labels: LabelRows
        }
        enum LabelRows: Decodable {
            case perToken([[Int32]]), perRow([Int32])
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let rows = try? c.decode([[Int32]].self) { self = .perToken(rows) } else { self = .perRow(try c.decode([Int32].self)) }
            }
        }
    }

    static let folder = TestPaths.fixture("multitask")

    /// Runs the golden's steps the trainer's way; returns the model, losses, gradient norms, the golden settings and
    /// the fixture's tensors (the heads' starting and every parameter's final weights).
    static func run(idleHeads: Bool = true) throws
        -> (model: MultiTaskModel, losses: [Float], norms: [Float], golden: Golden, fixture: SafetensorsFile) {
        let g = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("golden.json")))
        let heads = [HeadSpec(name: "tag", kind: .tokenTagging, labels: (0..<g.tag_labels).map { "t\($0)" }, dropout: 0),
                     HeadSpec(name: "cls", kind: .sequenceClassification, labels: (0..<g.cls_labels).map { "c\($0)" }, dropout: 0)]
        let (model, _) = try HFImport.load(directory: folder, heads: heads, maxBatch: 4, maxLength: 8)
        let store = model.store
        let fixture = try SafetensorsFile(url: folder.appendingPathComponent("golden.safetensors"))
        for name in fixture.names where name.hasPrefix("init/") {
            try store.set(String(name.dropFirst(5)), values: try fixture.floats(name))
        }
        // xtreme_hf.parameter_groups: weight decay on all but biases and LayerNorm; the tagging head at its multiplier.
        var groupOf: [String: Int] = [:]
        for head in ["", "heads.tag.", "heads.cls."] {
            for decays in [true, false] {
                groupOf[head + "\(decays)"] = store.addGroup(ParameterGroup(
                    name: "\(head.isEmpty ? "encoder" : head)-\(decays)",
                    learningRateScale: head == "heads.tag." ? g.tag_multiplier : 1, weightDecay: decays ? g.weight_decay : 0))
            }
        }
        for name in store.names {
            let decays = !(name.hasSuffix(".bias") || name.contains("LayerNorm"))
            let head = ["heads.tag.", "heads.cls."].first { name.hasPrefix($0) } ?? ""
            try store.assign(group: groupOf[head + "\(decays)"]!) { $0 == name }
        }
        let optimizer = try AdamW(store: store, config: .init(beta1: g.betas[0], beta2: g.betas[1], epsilon: g.eps))
        let schedule = LearningRateSchedule.linear(warmupSteps: g.warmup_steps, totalSteps: g.tasks.count)
        var losses: [Float] = [], norms: [Float] = []
        for (step, task) in g.tasks.enumerated() {
            let raw = try #require(g.batches[task])
            let rows = raw.input_ids.count, length = raw.input_ids[0].count
            let batch = TokenBatch(ids: raw.input_ids.flatMap { $0 }, attentionMask: raw.attention_mask.flatMap { $0 },
                                   batch: rows, length: length)
            let targets: HeadTargets
            switch raw.labels {
            case .perToken(let t): targets = .tokenClasses(t.flatMap { $0 })
            case .perRow(let c): targets = .classes(c)
            }
            store.zeroGradients()
            losses.append(try model.loss(head: task, batch: batch, targets: targets, training: true, backward: true))
            norms.append(try GradientClipping.clip(store, maxNorm: g.clip_norm))
            for (i, name) in store.names.enumerated() where name.hasPrefix("heads.") {
                store.setIdle(i, idleHeads && !name.hasPrefix("heads.\(task)."))
            }
            optimizer.step(learningRate: schedule.rate(base: g.lr, step: step))
        }
        return (model, losses, norms, g, fixture)
    }

    @Test func stepsMatchPyTorch() throws {
        let (model, losses, norms, g, fixture) = try Self.run()
        let lossDiff = zip(losses, g.losses).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? .infinity
        let normDiff = zip(norms, g.grad_norms).map { abs($0 - $1) / $1 }.max() ?? .infinity
        print("multi-task golden: losses \(losses.map { String(format: "%.5f", $0) }.joined(separator: " ")); "
              + "max relative diff of losses \(lossDiff), of gradient norms \(normDiff)")
        #expect(losses.count == g.losses.count && lossDiff < 1e-4)
        #expect(norms.count == g.grad_norms.count && normDiff < 1e-4)
        // The fixture clips at some steps and not at others, so both branches of clipping are compared.
        #expect(g.grad_norms.contains { $0 > g.clip_norm } && g.grad_norms.contains { $0 < g.clip_norm })

        let finals = fixture.names.filter { $0.hasPrefix("final/") }
        #expect(Set(finals.map { String($0.dropFirst(6)) }) == Set(model.store.names), "parameter names differ from the fixture's")
        var worst: (Float, String) = (0, "")
        for name in finals {
            let p = String(name.dropFirst(6))
            // The attention key bias has a gradient of zero up to rounding (softmax ignores a shift shared by all
            // keys); Adam turns that rounding noise into steps of up to lr, differently in each implementation.
            if p.hasSuffix("attention.self.key.bias") { continue }
            let ours = try model.store.get(p), ref = try fixture.floats(name)
            let scale = max(ref.map(abs).max() ?? 0, 1e-2)
            let d = zip(ours, ref).map { abs($0 - $1) }.max() ?? .infinity
            if d / scale > worst.0 { worst = (d / scale, p) }
            #expect(d <= 1e-5 * scale, "\(p): max abs diff \(d) after \(g.tasks.count) steps, largest |w| \(scale)")
        }
        print("multi-task golden: final weights, max diff relative to each tensor's largest |w|: \(worst.0) (\(worst.1))")
    }

    /// The comparison above can fail: with the idle heads updated (as Polyglot's optimizer did before 4cd21ee), the
    /// heads end elsewhere than PyTorch's.
    @Test func headsUpdatedAtEveryStepDoNotMatch() throws {
        let (model, _, _, _, fixture) = try Self.run(idleHeads: false)
        for p in ["heads.tag.proj.weight", "heads.cls.proj.weight"] {
            let ours = try model.store.get(p), ref = try fixture.floats("final/" + p)
            let scale = ref.map(abs).max() ?? 0
            let d = zip(ours, ref).map { abs($0 - $1) }.max() ?? 0
            #expect(d > 1e-2 * scale, "\(p) matched PyTorch although its head was updated at steps that did not train it")
        }
    }
}
}
