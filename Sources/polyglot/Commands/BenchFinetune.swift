import ArgumentParser
import CMallocCounter
import Foundation
import Platform
import Training

/// Fine-tuning-step throughput of a Hugging Face encoder with a new sequence-classification head: the same
/// workload as the PyTorch peer (bench/finetune_bench.py), so the two compare directly.
struct BenchFinetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Time fine-tuning steps (forward, backward, AdamW over every parameter) of a model folder with a classification head.",
        discussion: """
        The model is a Hugging Face BERT-family folder; the head is BERT's sequence classifier ([CLS] → pooler → \
        dropout → classifier) over --labels classes, dropout as the folder's config says. Each step draws random ids \
        in [5, vocab) of --seq tokens and random labels; AdamW uses lr 2e-5 and weight decay 0.01 on every parameter. \
        Heap allocations are counted over the timed steps and divided by their number.
        """
    )

    @Option(help: "Hugging Face model folder (config.json, model.safetensors).") var model: String
    @Option(help: "Sequence length.") var seq = 128
    @Option(help: "Sequences per batch.") var batch = 32
    @Option(help: "Classes of the classification head.") var labels = 7
    @Option(help: "Timed steps.") var steps = 10
    @Option(help: "Untimed warm-up steps.") var warmup = 2
    @Option(help: "Threads (the worker pool; OpenBLAS runs single-threaded inside it).") var threads = 2
    @Option(help: "Seed for the head, the ids, the labels and dropout.") var seed: UInt64 = 0
    @Option(help: "Matrix products: fp32, or bf16 (AVX512-BF16; fp32 accumulation, fp32 weights and AdamW).") var precision: Precision = .fp32
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        for (value, flag) in [(seq, "--seq"), (batch, "--batch"), (steps, "--steps"), (threads, "--threads")] {
            try OptionRange.positive(value, flag)
        }
        try OptionRange.atLeast(2, labels, "--labels")
        try OptionRange.atLeast(0, warmup, "--warmup")
    }

    func run() throws {
        do { try measure() } catch { fail(error) }
    }

    func measure() throws {
        Threads.configure(threads)
        let settings = FinetuneBenchmark.Settings(sequenceLength: seq, batchSize: batch, labels: labels, seed: seed,
                                                   precision: precision)
        let bench = try FinetuneBenchmark(directory: URL(fileURLWithPath: model), settings: settings)
        for _ in 0..<warmup { try bench.step() }
        let allocationsBefore = polyglot_allocation_count()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { try bench.step() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let allocations = Double(polyglot_allocation_count() - allocationsBefore) / Double(steps)

        let tokens = Double(batch * seq)
        let perStep = seconds / Double(steps)
        let tokensPerSecond = tokens / perStep
        let peak = RuntimeInfo.peakResidentBytes
        let loss = bench.lastLoss
        if json {
            let object: [String: Any] = [
                "tokens_per_second": tokensPerSecond, "peak_rss_bytes": peak, "allocations_per_step": allocations,
                "step_ms": perStep * 1000, "threads": threads, "parameters": bench.parameterCount, "loss": Double(loss),
                "model": model, "precision": precision.rawValue, "blas_core": BLAS.coreName,
                "config": ["seq": seq, "batch": batch, "labels": labels, "steps": steps, "warmup": warmup, "seed": seed],
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            try say(String(decoding: data, as: UTF8.self))
        } else {
            try say(String(format: "polyglot threads=%d precision=\(precision.rawValue) blas_core=\(BLAS.coreName) params=%.1fM step=%.0fms tokens/s=%.0f peak_rss_mb=%.0f allocations/step=%.1f loss=%.4f",
                         threads, Double(bench.parameterCount) / 1e6, perStep * 1000, tokensPerSecond,
                         Double(peak) / 1_048_576, allocations, loss))
        }
    }
}
