// swift-tools-version:6.0
import Foundation
import PackageDescription

// The CPU the Swift modules are compiled for. On x86-64 it is Haswell-class (AVX2 and FMA, every
// x86-64 CPU since 2013-2015): the numeric kernels are written to vectorize, and with the baseline
// (SSE2) they run 4 lanes wide without fused multiply-add. POLYGLOT_TARGET_CPU overrides it at
// build time ("x86-64" for an older CPU, "native" for the build machine's own, "" for the compiler's default).
let targetCPU: String? = {
    if let requested = ProcessInfo.processInfo.environment["POLYGLOT_TARGET_CPU"] { return requested.isEmpty ? nil : requested }
    #if arch(x86_64)
    return "haswell"
    #else
    return nil
    #endif
}()
let cpuFlags: [String] = targetCPU.map { ["-target-cpu", $0] } ?? []

// Compiler flags for the numeric modules: kernels are written over unsafe buffers and
// must not pay for exclusivity checks in the hot loops.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
    .unsafeFlags(cpuFlags),
    .enableExperimentalFeature("StrictConcurrency=minimal"),
]
// Every Swift target gets the same target CPU: SIMD values cross module boundaries, and their
// calling convention depends on the vector extensions a module was compiled with.
let common: [SwiftSetting] = [.unsafeFlags(cpuFlags), .enableExperimentalFeature("StrictConcurrency=minimal")]

let package = Package(
    name: "Polyglot",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "polyglot", targets: ["polyglot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // C wrappers over ICU4C: ICU renames its symbols per version (ubrk_open -> ubrk_open_72)
        // through macros Swift cannot import, so every call goes through a plain C function.
        .target(
            name: "CICU",
            path: "Sources/CICU",
            linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icui18n"), .linkedLibrary("icudata")]
        ),
        // OpenBLAS, loaded at run time (dlopen) so that its kernels can be chosen for CPUs it does not know
        // (Sources/CBLAS/include/pg_blas.h); tools/setup.sh installs it (libopenblas-dev).
        .target(name: "CBLAS", dependencies: ["CHostCPU"], path: "Sources/CBLAS", linkerSettings: [.linkedLibrary("dl")]),
        // Open MPI, loaded at run time (dlopen) and only when mpirun started the process with more than one
        // rank (Sources/CMPI/include/pg_mpi.h): Polyglot builds and runs without it; tools/setup.sh installs it.
        .target(name: "CMPI", path: "Sources/CMPI", linkerSettings: [.linkedLibrary("dl")]),
        // zlib, to read gzip-compressed files (committed reference results keep predictions as .jsonl.gz).
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Counts heap allocations for `polyglot bench` by defining malloc & co. in the executable
        // (forwarding to glibc). Linked into `polyglot` only, never into libraries or tests.
        .target(name: "CMallocCounter", path: "Sources/CMallocCounter"),
        // Lets `polyglot` refuse to start, with a message, on a CPU without the extensions it was built for.
        .target(
            name: "CHostCPU", path: "Sources/CHostCPU",
            cSettings: targetCPU == "haswell" ? [.define("POLYGLOT_REQUIRES_AVX2_FMA")] : []
        ),
        // bf16 matrix products with fp32 accumulation (AVX512-BF16): the kernels are compiled for that
        // extension function by function, the CPU check for the baseline, so the target builds everywhere.
        .target(name: "CBF16", dependencies: ["CHostCPU"], path: "Sources/CBF16", cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))]),
        // SIGINT/SIGTERM handlers that only set an atomic flag (Platform's StopSignal reads it).
        .target(name: "CStopSignal", path: "Sources/CStopSignal"),
        // Safe Swift layers over ICU and BLAS, the thread pool, atomic files, errors, versions.
        .target(name: "Platform", dependencies: ["CICU", "CBLAS", "CBF16", "CZlib", "CStopSignal", "CMPI"], swiftSettings: fastMath),
        .target(name: "Engine", dependencies: ["Platform"], swiftSettings: fastMath),
        .target(name: "Text", dependencies: ["Platform"], swiftSettings: fastMath),
        .target(name: "Models", dependencies: ["Engine", "Text", "Platform"], swiftSettings: fastMath),
        .target(name: "Data", dependencies: ["Text", "Platform", .product(name: "Yams", package: "Yams")], swiftSettings: common),
        // Experiments, run folders, checkpoints folders and the results layout: what training writes and
        // evaluation reads, so neither imports the other.
        .target(name: "Runs", dependencies: ["Data", "Text", "Engine", "Platform", .product(name: "Yams", package: "Yams")], swiftSettings: common),
        // What each task type does: encode, collate, loss targets, predict, score; the metrics.
        .target(name: "Tasks", dependencies: ["Runs", "Models", "Data", "Engine", "Text", "Platform"], swiftSettings: fastMath),
        .target(name: "Training", dependencies: ["Tasks", "Runs", "Models", "Data", "Engine", "Text", "Platform"], swiftSettings: fastMath),
        .target(name: "Evaluation", dependencies: ["Tasks", "Runs", "Models", "Data", "Engine", "Text", "Platform"], swiftSettings: fastMath),
        // `polyglot demo`: trains, evaluates and tabulates the built-in suite.
        .target(name: "Demo", dependencies: ["Training", "Evaluation", "Tasks", "Runs", "Models", "Data", "Text", "Platform"], swiftSettings: common),
        .executableTarget(
            name: "polyglot",
            dependencies: [
                "Platform", "Engine", "Text", "Models", "Data", "Runs", "Tasks", "Training", "Evaluation", "Demo", "CMallocCounter", "CHostCPU",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: common
        ),
        .testTarget(name: "PlatformTests", dependencies: ["Platform"], swiftSettings: common),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Platform"], swiftSettings: common),
        .testTarget(name: "TextTests", dependencies: ["Text", "Platform"], swiftSettings: common),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Engine", "Text", "Platform"], swiftSettings: common),
        .testTarget(name: "DataTests", dependencies: ["Data", "Text", "Platform"], swiftSettings: common),
        .testTarget(name: "TasksTests", dependencies: ["Tasks", "Runs", "Models", "Data", "Engine", "Text", "Platform"], swiftSettings: common),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Tasks", "Runs", "Models", "Data", "Engine", "Platform"], swiftSettings: common),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Demo", "Training", "Tasks", "Runs", "Platform"], swiftSettings: common),
        // Runs the built `polyglot` as a subprocess: the command-line battery (outputs, failed writes, option ranges).
        .testTarget(name: "CLITests", dependencies: ["Platform"], swiftSettings: common),
    ]
)

// Fuzz targets for every parser (`make fuzz`). They exist only when POLYGLOT_FUZZ=1 at build time:
// the executable takes libFuzzer's driver as its entry point and links only with
// `-sanitize=fuzzer`, so the ordinary build and `make test` must never see it.
if ProcessInfo.processInfo.environment["POLYGLOT_FUZZ"] == "1" {
    package.targets.append(.executableTarget(
        name: "PolyglotFuzz",
        dependencies: ["Platform", "Text", "Models", "Data", "Runs"],
        path: "Fuzz/Sources/PolyglotFuzz",
        swiftSettings: common
    ))
}
