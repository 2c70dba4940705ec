import Testing
import Foundation
import Platform
@testable import Engine

/// Bottleneck adapters (Pfeiffer, Houlsby, stacked), MAD-X's invertible adapter and LoRA: finite differences
/// through every parameter of the encoder + MLM head carrying them; zero-initialized adapters and LoRA leave
/// the model's outputs unchanged; merged LoRA equals unmerged; the invertible adapter inverts; bad configs.
@Suite struct AdapterTests {
    struct Setup {
        let store: ParameterStore, encoder: TransformerEncoder, head: MLMHead
        let ids: [Int32], mask: [Int32], labels: [Int32]
    }

    static func config(preLN: Bool = false, dropout: Float = 0) -> EncoderConfig {
        EncoderConfig(vocabSize: 20, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, maxPositions: 8,
                      typeVocabSize: 2, numLanguages: 0, layerNormEps: 1e-5, preLayerNorm: preLN,
                      hiddenDropout: dropout, attentionDropout: dropout, initializerRange: 0.5)
    }

    func make(_ setup: AdapterSetup, preLN: Bool = false, dropout: Float = 0, seed: UInt64 = 11) throws -> Setup {
        let store = ParameterStore(seed: seed)
        let encoder = try TransformerEncoder(config: Self.config(preLN: preLN, dropout: dropout), store: store, maxBatch: 2, maxLength: 6,
                                             adapters: setup)
        let head = try MLMHead(config: encoder.config, store: store, tiedTo: encoder, maxTokens: 12)
        try store.allocate()
        return Setup(store: store, encoder: encoder, head: head,
                     ids: [3, 7, 1, 19, 4, 2, 5, 9, 12, 0, 0, 0], mask: [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
                     labels: [-100, 7, 4, -100, 11, 2, 5, -100, 12, -100, -100, -100])
    }

    func loss(_ s: Setup, gradient: Bool) throws -> Float {
        let h = try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, batch: 2, length: 6, training: true)
        try s.head.forward(hidden: h)
        let l = try s.head.loss(labels: s.labels, computeGradient: gradient)
        if gradient {
            s.store.zeroGradients()
            try s.encoder.backward(dHidden: try s.head.backward())
        }
        return l
    }

    /// Adapter weights start at BERT's normal(0, 0.02): scaled up here so the check sees their effect.
    func enlargeAdapters(_ s: Setup) throws {
        for name in s.store.names where AdapterSetup.isAdapterWeight(name) {
            let p = try s.store.value(named: name)
            var rng = RandomStream(seed: 3, name: name)
            for i in 0..<p.count { p.data[i] = rng.nextGaussian() * 0.4 }
        }
    }

    // The finite-difference cases use smooth non-linearities: at ReLU's kink a step of the check crosses over
    // (the difference quotient then depends on the step), while the chain rule through an adapter does not
    // depend on its non-linearity, whose derivative `activationsMatchTheirReferences` checks (ReLU included).
    static let pfeiffer = AdapterSetup.Bottleneck(name: "task", config: BottleneckAdapterConfig(architecture: .pfeiffer, reductionFactor: 2,
                                                                                                nonLinearity: .gelu))
    static let houlsby = AdapterSetup.Bottleneck(name: "task", config: BottleneckAdapterConfig(architecture: .houlsby, reductionFactor: 4))
    static let language = AdapterSetup.Bottleneck(name: "en", config: BottleneckAdapterConfig(architecture: .pfeiffer, reductionFactor: 2,
                                                                                              nonLinearity: .swish, invertible: true, leaveOut: [1]))
    static let lora = AdapterSetup.LoRA(name: "lora", config: LoRAConfig(rank: 2, alpha: 4, targets: LoRATarget.allCases))

    /// (label, setup, pre-LN, dropout).
    static let cases: [(String, AdapterSetup, Bool, Float)] = [
        ("pfeiffer gelu", AdapterSetup(bottlenecks: [pfeiffer]), false, 0),
        ("houlsby gelu", AdapterSetup(bottlenecks: [.init(name: "t", config: .init(architecture: .houlsby, reductionFactor: 4, nonLinearity: .gelu))]), false, 0),
        ("houlsby swish", AdapterSetup(bottlenecks: [houlsby]), false, 0),
        ("pfeiffer tanh", AdapterSetup(bottlenecks: [.init(name: "t", config: .init(architecture: .pfeiffer, reductionFactor: 2, nonLinearity: .tanh))]), false, 0),
        ("madx stack", AdapterSetup(bottlenecks: [language, pfeiffer]), false, 0),
        ("houlsby on pfeiffer", AdapterSetup(bottlenecks: [language, houlsby]), false, 0.2),
        ("lora", AdapterSetup(lora: lora), false, 0),
        ("lora dropout", AdapterSetup(lora: .init(name: "l", config: LoRAConfig(rank: 3, alpha: 6, dropout: 0.3, targets: [.query, .value, .output]))), false, 0.2),
        ("lora pre-LN", AdapterSetup(lora: lora), true, 0),
        ("adapters and lora", AdapterSetup(bottlenecks: [language, pfeiffer], lora: lora), false, 0),
    ]

    static let step: Float = 3e-3
    @Test(arguments: 0..<cases.count)
    func gradientsMatchFiniteDifferences(_ i: Int) throws {
        let (label, setup, preLN, dropout) = Self.cases[i]
        let s = try make(setup, preLN: preLN, dropout: dropout)
        try enlargeAdapters(s)
        let stream = s.encoder.dropoutStream
        _ = try loss(s, gradient: true)
        var failures: [String] = []
        for name in s.store.names {
            let g = try s.store.gradient(named: name).toArray()
            let p = try s.store.value(named: name)
            let bad = try finiteDifferenceCheck(p.data, count: p.count, analytic: g, samples: 6, step: Self.step, rtol: 3e-2, atol: 3e-3) {
                s.encoder.dropoutStream = stream // the same dropout masks for every evaluation
                return Double(try loss(s, gradient: false))
            }
            if !bad.isEmpty { failures.append("\(name): \(bad.prefix(3))") }
        }
        #expect(failures.isEmpty, "\(label): \(failures)")
        // Every adapter weight got a gradient (the check above would pass vacuously for an unused weight).
        for name in s.store.names where AdapterSetup.isAdapterWeight(name) && !name.hasSuffix("lora_B") {
            #expect(try s.store.gradient(named: name).toArray().contains { $0 != 0 }, "\(label): \(name) has no gradient")
        }
    }

    /// With the base frozen (`trainsBase` false) the backward skips the base's weight gradients, and the
    /// added weights' and heads' gradients are bitwise those of the full backward.
    @Test func aFrozenBaseLeavesTheAddedWeightsGradientsAsTheyWere() throws {
        let s = try make(AdapterSetup(bottlenecks: [Self.language, Self.pfeiffer], lora: Self.lora), dropout: 0.2)
        try enlargeAdapters(s)
        let stream = s.encoder.dropoutStream
        _ = try loss(s, gradient: true)
        var full: [String: [Float]] = [:]
        for name in s.store.names { full[name] = try s.store.gradient(named: name).toArray() }
        s.encoder.trainsBase = false
        s.encoder.dropoutStream = stream
        _ = try loss(s, gradient: true)
        var skipped = 0
        for name in s.store.names {
            let g = try s.store.gradient(named: name).toArray()
            if AdapterSetup.isAdapterWeight(name) || name.hasPrefix("cls.") {
                #expect(g == full[name], "\(name)")
            } else if !name.contains("LayerNorm") {
                #expect(g.allSatisfy { $0 == 0 }, "\(name): a frozen base weight got a gradient")
                if full[name]?.contains(where: { $0 != 0 }) == true { skipped += 1 }
            }
        }
        #expect(skipped > 10, "the full backward's base gradients were not zero to begin with")
    }

    @Test func weightNamesFollowAdapterHub() throws {
        let s = try make(AdapterSetup(bottlenecks: [Self.language, Self.houlsby], lora: Self.lora))
        let names = Set(s.store.names)
        for expected in ["encoder.layer.0.output.adapters.en.adapter_down.0.weight", "encoder.layer.0.output.adapters.en.adapter_up.bias",
                         "encoder.layer.1.attention.output.adapters.task.adapter_down.0.bias",
                         "invertible_adapters.en.F.0.weight", "invertible_adapters.en.G.2.bias",
                         "encoder.layer.1.attention.self.value.loras.lora.lora_A", "encoder.layer.0.intermediate.dense.loras.lora.lora_B"] {
            #expect(names.contains(expected), "\(expected)")
        }
        // leave_out: the language adapter is not in layer 1; Pfeiffer adapters have no attention adapter.
        #expect(!names.contains("encoder.layer.1.output.adapters.en.adapter_down.0.weight"))
        #expect(!names.contains("encoder.layer.0.attention.output.adapters.en.adapter_down.0.weight"))
        // Widths: hidden 8, reduction 2 → 4; Houlsby reduction 4 → 2; invertible halves 4 → 4/2 = 2.
        #expect(try s.store.value(named: "encoder.layer.0.output.adapters.en.adapter_down.0.weight").shape.dims == [4, 8])
        #expect(try s.store.value(named: "encoder.layer.0.output.adapters.task.adapter_up.weight").shape.dims == [8, 2])
        #expect(try s.store.value(named: "invertible_adapters.en.F.0.weight").shape.dims == [2, 4])
        #expect(try s.store.value(named: "encoder.layer.0.intermediate.dense.loras.lora.lora_A").shape.dims == [2, 8])
        #expect(try s.store.value(named: "encoder.layer.0.output.dense.loras.lora.lora_B").shape.dims == [8, 2])
    }

    /// The base weights are drawn per name, so a model with adapters starts from the same base weights.
    func baseOutputs(preLN: Bool = false) throws -> [Float] {
        let s = try make(AdapterSetup(), preLN: preLN)
        return try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, batch: 2, length: 6, training: false).toArray()
    }

    @Test func zeroInitializedAdaptersAndLoRALeaveOutputsUnchanged() throws {
        let zero = BottleneckAdapterConfig(architecture: .pfeiffer, reductionFactor: 2, initWeights: .mamAdapter)
        let zeroH = BottleneckAdapterConfig(architecture: .houlsby, reductionFactor: 2, initWeights: .mamAdapter)
        let base = try baseOutputs()
        for setup in [AdapterSetup(bottlenecks: [.init(name: "p", config: zero)]), AdapterSetup(bottlenecks: [.init(name: "h", config: zeroH)]),
                      AdapterSetup(bottlenecks: [.init(name: "p", config: zero), .init(name: "h", config: zeroH)], lora: Self.lora)] {
            let s = try make(setup)
            // The down projections are not zero (a zero adapter would get no gradient), only the up projections.
            #expect(try s.store.value(named: "encoder.layer.0.output.adapters.\(setup.bottlenecks[0].name).adapter_down.0.weight").toArray().contains { $0 != 0 })
            let out = try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, batch: 2, length: 6, training: false).toArray()
            #expect(out == base, "\(setup.bottlenecks.map(\.name))")
        }
        let s = try make(AdapterSetup(lora: Self.lora), preLN: true)
        #expect(try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, batch: 2, length: 6, training: false).toArray() == (try baseOutputs(preLN: true)))
        // BERT-initialized adapters do change the outputs.
        let b = try make(AdapterSetup(bottlenecks: [Self.pfeiffer]))
        #expect(try b.encoder.forward(tokenIDs: b.ids, attentionMask: b.mask, batch: 2, length: 6, training: false).toArray() != base)
    }

    /// The packed inference pass runs the same adapters as the padded forward (real rows to 1e-5 relative).
    @Test(arguments: [(5, false), (9, false), (6, true)]) func inferencePassMatchesThePaddedForward(_ i: Int, preLN: Bool) throws {
        let s = try make(Self.cases[i].1, preLN: preLN)
        try enlargeAdapters(s)
        let padded = try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, batch: 2, length: 6, training: false).toArray()
        let packed = try #require(try EncoderInference(s.encoder).forwardPadded(tokenIDs: s.ids, attentionMask: s.mask, tokenTypeIDs: nil,
                                                                                languageIDs: nil, batch: 2, length: 6)).toArray()
        var worst: Float = 0
        for row in 0..<12 where s.mask[row] == 1 {
            for j in 0..<8 { worst = max(worst, abs(padded[row * 8 + j] - packed[row * 8 + j]) / max(1, abs(padded[row * 8 + j]))) }
        }
        #expect(worst <= 1e-5, "\(Self.cases[i].0), pre-LN \(preLN): \(worst)")
        #expect(padded != (try baseOutputs(preLN: preLN)), "the adapters change the outputs")
    }

    @Test func mergedLoRAEqualsUnmerged() throws {
        let s = try make(AdapterSetup(lora: Self.lora))
        try enlargeAdapters(s)
        let adapted = try s.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, batch: 2, length: 6, training: false).toArray()
        // Merge every LoRA into its base matrix, then run a plain encoder with the merged weights.
        let plain = try make(AdapterSetup())
        for name in plain.store.names { try plain.store.set(name, values: try s.store.value(named: name).toArray()) }
        for (l, t, _) in try #require(s.encoder.adapters).loras {
            let name = EncoderAdapters.baseWeight(layer: l, t)
            try plain.store.set(name, values: try #require(try s.encoder.loraMerged(name)))
        }
        #expect(try s.encoder.loraMerged("encoder.layer.0.output.LayerNorm.weight") == nil)
        let merged = try plain.encoder.forward(tokenIDs: s.ids, attentionMask: s.mask, batch: 2, length: 6, training: false).toArray()
        #expect(maxAbsDiff(adapted, merged) <= 1e-5, "max |merged − unmerged| \(maxAbsDiff(adapted, merged))")
        #expect(adapted != (try baseOutputs()), "the enlarged LoRA changes the outputs")
    }

    @Test func invertibleAdapterInverts() throws {
        let s = try make(AdapterSetup(bottlenecks: [Self.language]))
        try enlargeAdapters(s)
        let inv = try #require(s.encoder.adapters?.invertible)
        var data = TestData("invertible")
        let x = data.floats(12 * 8)
        let y = UnsafeMutablePointer<Float>.allocate(capacity: x.count)
        defer { y.deallocate() }
        y.update(from: x, count: x.count)
        inv.adapter.forward(y, buffers: inv.buffers, tokens: 12)
        #expect(maxAbsDiff(Array(UnsafeBufferPointer(start: y, count: x.count)), x) > 0.1, "the block changes its input")
        let back = try #require(s.head.inverse)
        back.adapter.inverse(y, buffers: back.buffers, tokens: 12)
        #expect(maxAbsDiff(Array(UnsafeBufferPointer(start: y, count: x.count)), x) <= 1e-5)
    }

    @Test func activationsMatchTheirReferences() throws {
        let xs: [Float] = [-4, -1.5, -0.3, -1e-3, 0.2, 0.7, 2.5, 6]
        for f in Activation.allCases {
            let x = try OwnedTensor(.vector(xs.count), values: xs), y = try OwnedTensor(.vector(xs.count), values: xs)
            try f.forward(x: x.tensor, y: y.tensor)
            let dy = try OwnedTensor(.vector(xs.count), values: [Float](repeating: 1, count: xs.count))
            let dx = try OwnedTensor(.vector(xs.count), values: xs)
            try f.backward(dy: dy.tensor, x: x.tensor, y: y.tensor, dx: dx.tensor)
            for i in xs.indices {
                #expect(abs(Double(y.tensor[i]) - f.naive(Double(xs[i]))) <= 1e-5, "\(f) at \(xs[i])")
                #expect(abs(Double(dx.tensor[i]) - f.naiveDerivative(Double(xs[i]))) <= 1e-5, "\(f)′ at \(xs[i])")
            }
        }
    }

    @Test func badConfigurationsAreRefusedWithTheirKey() throws {
        func message(_ setup: AdapterSetup, preLN: Bool = false) -> String {
            do { _ = try make(setup, preLN: preLN); return "" } catch { return "\(error)" }
        }
        let bigRank = message(AdapterSetup(lora: .init(name: "l", config: LoRAConfig(rank: 9, targets: [.query]))))
        #expect(bigRank.contains("lora.l.rank") && bigRank.contains("[8, 8]"), "\(bigRank)")
        let noTargets = message(AdapterSetup(lora: .init(name: "l", config: LoRAConfig(targets: []))))
        #expect(noTargets.contains("lora.l.targets"), "\(noTargets)")
        let reduction = message(AdapterSetup(bottlenecks: [.init(name: "a", config: .init(reductionFactor: 32))]))
        #expect(reduction.contains("adapters.a.reduction_factor"), "\(reduction)")
        let layer = message(AdapterSetup(bottlenecks: [.init(name: "a", config: .init(reductionFactor: 2, leaveOut: [2]))]))
        #expect(layer.contains("adapters.a.leave_out") && layer.contains("layer 2"), "\(layer)")

        let preLN = message(AdapterSetup(bottlenecks: [Self.pfeiffer]), preLN: true)
        #expect(preLN.contains("pre-LN"), "\(preLN)")
        let twice = message(AdapterSetup(bottlenecks: [Self.pfeiffer, Self.houlsby]))
        #expect(twice.contains("distinct"), "\(twice)")
    }
}
