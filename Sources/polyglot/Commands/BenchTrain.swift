import ArgumentParser
import CMallocCounter
import Engine
import Foundation
import Platform

/// Training-step throughput of the encoder with an MLM head over every position on random tokens: the same
/// workload and FLOP accounting as the PyTorch peer (bench/torch_train_bench.py), so the two compare directly.
struct BenchTrain: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time training steps (forward, backward, AdamW) of the encoder + MLM head on random tokens.",
        discussion: """
        FLOPs per token (forward) = 2·layers·(4·dim² + 2·dim·ffn) + 2·vocab·dim + layers·4·seq·dim; a training step
        counts 3× that. Heap allocations are counted over the timed steps and divided by their number.

        Under mpirun -np N each rank computes a contiguous share of the batch's sequences (the same batch, so tokens/s \
        compares with one process directly) and the gradients are summed over the ranks every step; rank 0 reports, \
        with the all-reduce's time per step and the bytes each rank sends.
        """
    )

    @Option(help: "Transformer blocks.") var layers = 4
    @Option(help: "Hidden size.") var dim = 256
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Feed-forward size.") var ffn = 1024
    @Option(help: "Vocabulary size.") var vocab = 16000
    @Option(help: "Sequence length.") var seq = 128
    @Option(help: "Sequences per batch.") var batch = 32
    @Option(help: "Timed steps.") var steps = 20
    @Option(help: "Untimed warm-up steps.") var warmup = 3
    @Option(help: "Threads (BLAS and the worker pool).") var threads = 2
    @Option(help: "OpenBLAS threads: 1 (default) lets the engine split matrix products over its own pool; set it to --threads to let OpenBLAS thread each product itself (allocates per call).")
    var blasThreads = 1
    @Option(help: "Hidden and attention dropout (BERT's default, as the peer).") var dropout: Float = 0.1
    @Option(help: "Seed for weights, tokens and dropout.") var seed: UInt64 = 0
    @Option(help: "Matrix products: fp32, or bf16 (AVX512-BF16; fp32 accumulation, fp32 weights).") var precision: Precision = .fp32
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        for (value, flag) in [(layers, "--layers"), (dim, "--dim"), (heads, "--heads"), (ffn, "--ffn"), (seq, "--seq"),
                              (batch, "--batch"), (steps, "--steps"), (threads, "--threads"), (blasThreads, "--blas-threads")] {
            try OptionRange.positive(value, flag)
        }
        try OptionRange.atLeast(6, vocab, "--vocab", meaning: "5 special ids and one token")
        try OptionRange.atLeast(0, warmup, "--warmup")
        guard dropout.isFinite, dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be 0 or more and below 1, got \(dropout)") }
    }

    func run() throws {
        do { try measure() } catch { fail(error) }
    }

    func measure() throws {
        // Single-threaded OpenBLAS: the engine splits products across the pool itself (see Matmul.gemm).
        Threads.configure(threads, blasThreads: blasThreads)
        let config = EncoderConfig(vocabSize: vocab, hiddenSize: dim, numLayers: layers, numHeads: heads, intermediateSize: ffn,
                                   maxPositions: max(512, seq), typeVocabSize: 2, layerNormEps: 1e-12,
                                   hiddenDropout: dropout, attentionDropout: dropout)
        let store = ParameterStore(seed: seed)
        let encoder = try TransformerEncoder(config: config, store: store, maxBatch: batch, maxLength: seq)
        let head = try MLMHead(config: config, store: store, tiedTo: encoder, maxTokens: batch * seq)
        try store.allocate()
        try store.setPrecision(precision)
        let decay = store.addGroup(ParameterGroup(name: "decay", weightDecay: 0.01))
        try store.assign(group: decay) { _ in true }
        let optimizer = try AdamW(store: store)
        var rng = RandomStream(seed: seed, name: "bench-tokens")
        let allIDs = (0..<(batch * seq)).map { _ in Int32(5 + rng.nextInt(below: vocab - 5)) }
        // Under mpirun: this rank's sequences of the batch, and the gradient sum over the ranks.
        let share = Distributed.share(of: batch)
        guard !share.isEmpty else {
            throw ValidationError("--batch \(batch) is smaller than the \(Distributed.size) ranks: every rank needs a sequence")
        }
        let ids = Array(allIDs[(share.lowerBound * seq)..<(share.upperBound * seq)])
        let fraction = Float(share.count) / Float(batch)
        let reduce = GradientAllReduce(store: store)
        var reduceSeconds = 0.0, reduceBytes = 0

        var lastLoss: Float = 0
        func step() throws {
            let hidden = try encoder.forward(tokenIDs: ids, batch: share.count, length: seq, training: true, rowOffset: share.lowerBound)
            try head.forward(hidden: hidden)
            lastLoss = try head.loss(labels: ids, computeGradient: true)
            try encoder.backward(dHidden: try head.backward())
            if Distributed.isActive {
                store.scaleGradients(by: fraction)
                try reduce.run()
                reduceSeconds += reduce.lastSeconds
                reduceBytes = reduce.lastFloats * MemoryLayout<Float>.size
            }
            optimizer.step(learningRate: 1e-4)
            store.zeroGradients()
        }
        for _ in 0..<warmup { try step() }
        reduceSeconds = 0
        let allocationsBefore = polyglot_allocation_count()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { try step() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let allocations = Double(polyglot_allocation_count() - allocationsBefore) / Double(steps)
        // The job's loss: the ranks' shares weighted by their tokens.
        lastLoss = Float(try Distributed.sum(Double(lastLoss * fraction)))
        guard Distributed.isRoot else { return }

        let tokens = Double(batch * seq)
        let perStep = seconds / Double(steps)
        let forwardPerToken = 2.0 * Double(layers * (4 * dim * dim + 2 * dim * ffn)) + 2.0 * Double(vocab * dim) + Double(layers * 4 * seq * dim)
        let gflops = 3 * forwardPerToken * tokens / perStep / 1e9
        let tokensPerSecond = tokens / perStep
        let peak = RuntimeInfo.peakResidentBytes
        if json {
            let object: [String: Any] = [
                "tokens_per_second": tokensPerSecond, "gflops": gflops, "peak_rss_bytes": peak, "allocations_per_step": allocations,
                "step_ms": perStep * 1000, "threads": threads, "ranks": Distributed.size,
                "allreduce_ms": reduceSeconds / Double(steps) * 1000, "allreduce_bytes": reduceBytes, "parameters": store.count, "loss": Double(lastLoss), "precision": precision.rawValue, "blas_core": BLAS.coreName,
                "config": ["layers": layers, "dim": dim, "heads": heads, "ffn": ffn, "vocab": vocab, "seq": seq, "batch": batch,
                           "steps": steps, "warmup": warmup, "dropout": Double(dropout)],
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            try say(String(decoding: data, as: UTF8.self))
        } else {
            let job = Distributed.isActive
                ? String(format: " ranks=%d allreduce=%.1fms/step (%.1f MB)", Distributed.size, reduceSeconds / Double(steps) * 1000, Double(reduceBytes) / 1e6) : ""
            try say(String(format: "polyglot threads=%d precision=\(precision.rawValue) blas_core=\(BLAS.coreName) params=%.2fM step=%.1fms tokens/s=%.0f GFLOP/s=%.1f peak_rss=%.2fGB allocations/step=%.1f loss=%.4f",
                         threads, Double(store.count) / 1e6, perStep * 1000, tokensPerSecond, gflops, Double(peak) / 1e9, allocations, lastLoss) + job)
        }
    }
}
