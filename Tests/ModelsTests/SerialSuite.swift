import Testing

/// Suites that run the encoder or the engine's ops. They run one test at a time: the process-wide
/// worker pool (`Threads.parallelFor`) serves one caller at a time, so concurrent forward passes from
/// parallel tests would interleave their chunks.
@Suite(.serialized) enum EngineBackedTests {}
