import Foundation
import Testing
import Models

@Suite struct SafetensorsTests {
    struct Expected: Decodable { let shape: [Int]; let values: [Double] }

    @Test func readsEveryDtypeWrittenByTheReferenceImplementation() throws {
        let file = try SafetensorsFile(url: TestPaths.fixture("dtypes.safetensors"))
        let expected = try JSONDecoder().decode([String: Expected].self,
                                                from: Data(contentsOf: TestPaths.fixture("dtypes.json")))
        #expect(Set(file.names) == Set(expected.keys))
        #expect(file.metadata == ["format": "pt", "note": "polyglot dtypes fixture"])
        for (name, e) in expected {
            let entry = try #require(file.entry(name))
            #expect(entry.shape == e.shape, "\(name)")
            if entry.dtype.isFloatingPoint {
                let got = try file.floats(name)
                #expect(got.count == e.values.count)
                for (g, x) in zip(got, e.values) { #expect(g == Float(x), "\(name): \(g) vs \(x)") }
            } else {
                let got = try file.int64s(name)
                #expect(got == e.values.map { Int64($0) }, "\(name)")
            }
        }
        #expect(file.entry("f16")?.dtype == .f16)
        #expect(file.entry("bf16")?.dtype == .bf16)
        #expect(throws: SafetensorsError.self) { try file.floats("i64") }
        #expect(throws: SafetensorsError.self) { try file.int64s("f32") }
        #expect(throws: SafetensorsError.self) { try file.floats("missing") }
    }

    @Test func writerRoundTripsAndPadsHeader() throws {
        var w = SafetensorsWriter(metadata: ["format": "pt", "quote\"key": "line\nbreak"])
        try w.add("a.weight", shape: [2, 3], floats: [1, 2, 3, 4, 5, -6.5])
        try w.add("ids", shape: [3], int64s: [0, -1, Int64.max])
        try w.add("scalar", shape: [], floats: [42])
        try w.add("empty", shape: [0, 3], floats: [])
        #expect(throws: SafetensorsError.self) { try w.add("a.weight", shape: [1], floats: [1]) }
        #expect(throws: SafetensorsError.self) { try w.add("bad", shape: [2, 2], floats: [1]) }
        let data = w.serialized()
        let n = data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(n % 8 == 0)
        let dir = try TestPaths.temporaryDirectory("st")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.safetensors")
        try w.write(to: url)
        let f = try SafetensorsFile(url: url)
        #expect(try f.floats("a.weight") == [1, 2, 3, 4, 5, -6.5])
        #expect(f.entry("a.weight")?.shape == [2, 3])
        #expect(try f.int64s("ids") == [0, -1, Int64.max])
        #expect(try f.floats("scalar") == [42])
        #expect(try f.floats("empty") == [])
        #expect(f.metadata == ["format": "pt", "quote\"key": "line\nbreak"])
    }

    // MARK: malformed files

    /// A file image with a hand-written header and `dataBytes` bytes of data.
    func image(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> Data {
        var d = Data()
        var n = (declaredLength ?? UInt64(header.utf8.count)).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(Data(repeating: 0, count: dataBytes))
        return d
    }

    func rejection(_ data: Data) -> String? {
        let parsed = data.withUnsafeBytes { raw -> String? in
            do { _ = try SafetensorsFile.parseHeader(raw, path: "bad.safetensors"); return nil }
            catch let e as SafetensorsError { return e.description }
            catch { return "unexpected error type: \(error)" }
        }
        return parsed
    }

    func expectRejected(_ data: Data, containing fragment: String, _ comment: Comment? = nil) {
        let message = rejection(data)
        #expect(message != nil, comment)
        if let message { #expect(message.contains(fragment), "\(message) should mention \(fragment)") }
    }

    static let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#

    @Test func acceptsTheWellFormedBaseline() {
        #expect(rejection(image(header: Self.good, dataBytes: 12)) == nil)
    }

    @Test func rejectsTruncatedFiles() throws {
        let full = image(header: Self.good, dataBytes: 12)
        expectRejected(full.prefix(5), containing: "shorter than the 8-byte header length")
        expectRejected(full.prefix(40), containing: "runs past the end")
        expectRejected(full.prefix(full.count - 4), containing: "run past the")
        // Through the file API as well: a truncated file on disk is refused with its path.
        let dir = try TestPaths.temporaryDirectory("trunc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("t.safetensors")
        try full.prefix(full.count - 1).write(to: url)
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(url: url) }
        do { _ = try SafetensorsFile(url: url) } catch { #expect("\(error)".contains(url.path)) }
    }

    @Test func rejectsLyingHeaders() {
        expectRejected(image(header: Self.good, dataBytes: 12, declaredLength: 200_000_000), containing: "exceeds")
        expectRejected(image(header: Self.good, dataBytes: 12, declaredLength: UInt64.max), containing: "exceeds")
        // shape × dtype disagrees with the byte range
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 8),
                       containing: "shape [3] × F32 is 12 bytes")
        // overlapping ranges
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataBytes: 12),
                       containing: "overlap")
        // a gap between tensors
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, dataBytes: 12),
                       containing: "gap")
        // unindexed trailing bytes
        expectRejected(image(header: Self.good, dataBytes: 16), containing: "cover 12 bytes but the data section has 16")
        // out-of-range and reversed offsets
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4000]}}"#, dataBytes: 4), containing: "run past")
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, dataBytes: 8), containing: "ordered")
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, dataBytes: 4), containing: "ordered")
        // absurd shapes
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[2000000000,2000000000,2000000000],"data_offsets":[0,4]}}"#, dataBytes: 4),
                       containing: "a")
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, dataBytes: 4), containing: "non-negative")
    }

    @Test func rejectsBadHeaderContent() {
        expectRejected(image(header: #"{"a":{"dtype":"F8_E9","shape":[1],"data_offsets":[0,1]}}"#, dataBytes: 1), containing: "unknown dtype \"F8_E9\"")
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8),
                       containing: "duplicate key a")
        expectRejected(image(header: #"[1,2]"#, dataBytes: 0), containing: "not a JSON object")
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#, dataBytes: 4), containing: "not valid JSON")
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[1]}}"#, dataBytes: 0), containing: "missing data_offsets")
        expectRejected(image(header: #"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, dataBytes: 4), containing: "missing shape")
        expectRejected(image(header: #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4), containing: "missing dtype")
        expectRejected(image(header: #"{"__metadata__":{"k":1}}"#, dataBytes: 0), containing: "not a string")
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}"#, dataBytes: 4), containing: "unexpected field")
        expectRejected(image(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} x"#, dataBytes: 4), containing: "after the JSON value")
        // Deep nesting is refused, not a stack overflow.
        let deep = "{\"__metadata__\":" + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}"
        expectRejected(image(header: deep, dataBytes: 0), containing: "nesting")
    }

    @Test func readsTheSharedCheckpoint() throws {
        let url = TestPaths.miniLM.appendingPathComponent("model.safetensors")
        let f = try SafetensorsFile(url: url)
        #expect(f.entry("embeddings.word_embeddings.weight")?.shape == [30522, 384])
        #expect(f.entry("embeddings.position_ids")?.dtype == .i64)
        #expect(try f.int64s("embeddings.position_ids").prefix(4) == [0, 1, 2, 3])
        let ln = try f.floats("embeddings.LayerNorm.weight")
        #expect(ln.count == 384 && ln.allSatisfy { $0.isFinite })
    }
}
