import Foundation
import Testing
import Platform
@testable import Engine

/// Deterministic test data.
struct TestData {
    var rng: RandomStream
    init(_ name: String) { rng = RandomStream(seed: 42, name: name) }
    mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in rng.nextGaussian() * scale } }
    mutating func ints(_ n: Int, below: Int) -> [Int32] { (0..<n).map { _ in Int32(rng.nextInt(below: below)) } }
    mutating func tensor(_ shape: Shape, scale: Float = 1) -> OwnedTensor {
        try! OwnedTensor(shape, values: floats(shape.count, scale: scale))
    }
}

/// Σ w ⊙ y in Double: the scalar whose gradient w.r.t. y is w.
func weightedSum(_ y: Tensor, _ w: [Float]) -> Double {
    var s = 0.0
    for i in 0..<y.count { s += Double(y[i]) * Double(w[i]) }
    return s
}

struct GradientMismatch: CustomStringConvertible {
    var index: Int, numeric: Double, analytic: Double
    var description: String { "index \(index): finite difference \(numeric), analytic \(analytic)" }
}

/// Central finite differences of `loss` w.r.t. the floats at `p` (a sample of `count` of them) compared to
/// `analytic`. Returns the mismatches (empty when the gradient checks out).
func finiteDifferenceCheck(_ p: UnsafeMutablePointer<Float>, count: Int, analytic: [Float], samples: Int = 24,
                           step h: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3,
                           loss: () throws -> Double) rethrows -> [GradientMismatch] {
    var rng = RandomStream(seed: 7, name: "fd")
    let indices = count <= samples ? Array(0..<count) : (0..<samples).map { _ in rng.nextInt(below: count) }
    var bad: [GradientMismatch] = []
    for i in indices {
        let v = p[i]
        p[i] = v + h; let lp = try loss()
        p[i] = v - h; let lm = try loss()
        p[i] = v
        let numeric = (lp - lm) / Double(2 * h)
        let a = Double(analytic[i])
        if abs(numeric - a) > atol + rtol * max(abs(numeric), abs(a)) { bad.append(GradientMismatch(index: i, numeric: numeric, analytic: a)) }
    }
    return bad
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}
func maxAbsDiff(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var m = 0.0
    for i in a.indices { m = max(m, abs(Double(a[i]) - b[i])) }
    return m
}

/// Tests/Fixtures/engine, found from this file's path.
func fixtureDirectory() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("engine")
}

/// A fixture written by tools/reference/engine_golden.py: a JSON index and raw little-endian float32.
struct GoldenFixture {
    struct Entry: Decodable { let offset: Int; let shape: [Int] }
    struct Meta: Decodable {
        let config: [String: Double]
        let batch: Int, length: Int
        let tensors: [String: Entry]
    }
    let meta: Meta
    let floats: [Float]

    init(_ name: String) throws {
        let dir = fixtureDirectory()
        meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: dir.appendingPathComponent(name + ".json")))
        let raw = try Data(contentsOf: dir.appendingPathComponent(name + ".bin"))
        floats = raw.withUnsafeBytes { buf in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
    func tensor(_ name: String) -> [Float] {
        guard let e = meta.tensors[name] else { fatalError("fixture lacks \(name)") }
        let n = e.shape.reduce(1, *)
        return Array(floats[e.offset..<(e.offset + n)])
    }
    var names: [String] { Array(meta.tensors.keys) }
}

func expectGradient(_ mismatches: [GradientMismatch], sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(mismatches.isEmpty, "\(mismatches.prefix(5))", sourceLocation: sourceLocation)
}

/// Runs a product the way the pool does, as three row (or column) blocks of C, each a separate call.
func runInBlocks(_ args: Matmul.BlockArgs, byRows rows: Bool) {
    let total = rows ? args.2 : args.3
    withUnsafePointer(to: args) { p in
        for (lo, hi) in [(0, total / 3), (total / 3, total - 5), (total - 5, total)] {
            (rows ? Matmul.rowBlock : Matmul.columnBlock)(UnsafeRawPointer(p), lo, hi)
        }
    }
}
