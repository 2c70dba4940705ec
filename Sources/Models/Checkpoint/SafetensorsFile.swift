import Foundation
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// A safetensors file mapped into memory. The header is validated completely when the file is
/// opened — offsets in range, no overlaps or gaps, sizes matching shape × dtype, known dtypes, no
/// duplicate names, a bounded header — so that reading a tensor afterwards cannot go out of bounds.
/// Tensor bytes are only copied out when asked for, converted to `Float` or `Int64`.
public final class SafetensorsFile: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: SafetensorsDType
        public let shape: [Int]
        /// Byte range within the data section (after the header).
        public let begin: Int
        public let end: Int
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Headers larger than this are refused before being read: a real header is kilobytes, and a
    /// corrupt length field must not make us allocate gigabytes.
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    /// Entries in file order (by offset).
    public let entries: [Entry]
    public let metadata: [String: String]
    private let index: [String: Int]
    private let base: UnsafeMutableRawPointer?
    private let mappedSize: Int
    private let dataOffset: Int

    public var names: [String] { entries.map(\.name) }

    public convenience init(path: String) throws {
        try self.init(url: URL(fileURLWithPath: path))
    }

    public init(url: URL) throws {
        let path = url.path
        self.path = path
        // Regular files only: a FIFO or a device is refused before it is opened.
        let fd = try InputFile.open(path)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SafetensorsError(path: path, "cannot stat: \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        guard size >= 8 else { throw SafetensorsError(path: path, "file is \(size) bytes, shorter than the 8-byte header length") }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw SafetensorsError(path: path, "cannot map: \(String(cString: strerror(errno)))")
        }
        do {
            let parsed = try SafetensorsFile.parseHeader(UnsafeRawBufferPointer(start: m, count: size), path: path)
            self.entries = parsed.entries
            self.metadata = parsed.metadata
            self.dataOffset = parsed.dataOffset
        } catch {
            munmap(m, size)
            throw error
        }
        self.base = m
        self.mappedSize = size
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() { index[e.name] = i }
        self.index = index
    }

    deinit {
        if let base { munmap(base, mappedSize) }
    }

    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The tensor's values as `Float` (F32 copied; F16, BF16 and F64 converted).
    public func floats(_ name: String) throws -> [Float] {
        let e = try floatEntry(name)
        var out = [Float](repeating: 0, count: e.elementCount)
        try out.withUnsafeMutableBufferPointer { try floats(name, into: $0) }
        return out
    }

    /// Reads a tensor's values from flat element `skipping` on into `dst` (exactly the rest of the tensor)
    /// without an intermediate array: a checkpoint's 250k-row embedding table goes straight into the store.
    public func floats(_ name: String, into dst: UnsafeMutableBufferPointer<Float>, skipping: Int = 0) throws {
        let e = try floatEntry(name)
        let n = e.elementCount - skipping
        guard skipping >= 0, n >= 0, dst.count == n, let d = dst.baseAddress else {
            throw SafetensorsError(path: path, tensor: name, "\(e.elementCount) values, asked for \(dst.count) after skipping \(skipping)")
        }
        let width = e.dtype == .f32 ? 4 : e.dtype == .f64 ? 8 : 2
        let src = UnsafeRawPointer(base!) + dataOffset + e.begin + skipping * width
        // In slices of 4M values, each released from the mapping once copied, so that a large tensor
        // (e5's 384 MB embedding table) is never in memory twice.
        let slice = 1 << 22
        var lo = 0
        while lo < n {
            let hi = Swift.min(n, lo + slice)
            switch e.dtype {
            case .f32:
                // The mapping may leave the tensor unaligned for Float; memcpy does not care.
                memcpy(d + lo, src + 4 * lo, (hi - lo) * 4)
            case .f16:
                for i in lo..<hi { d[i] = halfToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            case .bf16:
                for i in lo..<hi { d[i] = bfloat16ToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            case .f64:
                for i in lo..<hi { d[i] = Float(src.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
            default: break
            }
            release(from: e.begin + (skipping + lo) * width, bytes: (hi - lo) * width)
            lo = hi
        }
        // Weights must be finite: a NaN or an infinity would silently poison every output.
        if let bad = dst.firstIndex(where: { !$0.isFinite }) {
            throw SafetensorsError(path: path, tensor: name,
                                   "value \(dst[bad]) at index \(Self.index(bad + skipping, shape: e.shape)) (flat \(bad + skipping)); weights must be finite numbers")
        }
    }

    /// Drops the mapped pages of bytes [begin, begin + bytes) of the data section from this process's
    /// memory once they are copied out (a later read maps them in again from the file), so loading a model
    /// holds the weights once, in the parameter store, not twice. Only whole pages inside the range go.
    private func release(from begin: Int, bytes: Int) {
        guard let base, bytes > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = dataOffset + begin, end = start + bytes
        let first = (start + page - 1) / page * page, last = end / page * page
        if last > first { madvise(base + first, last - first, Int32(MADV_DONTNEED)) }
    }

    private func floatEntry(_ name: String) throws -> Entry {
        guard let e = entry(name) else { throw SafetensorsError(path: path, tensor: name, "no such tensor") }
        guard e.dtype.isFloatingPoint else {
            throw SafetensorsError(path: path, tensor: name, "dtype \(e.dtype.rawValue) is not a floating-point type")
        }
        return e
    }

    /// `[i, j, …]` of a flat row-major index in a tensor of `shape`.
    static func index(_ flat: Int, shape: [Int]) -> String {
        var rest = flat
        var parts: [Int] = []
        for d in shape.reversed() where d > 0 { parts.append(rest % d); rest /= d }
        return "[" + parts.reversed().map(String.init).joined(separator: ", ") + "]"
    }

    /// The tensor's values as `Int64` (any integer or bool dtype).
    public func int64s(_ name: String) throws -> [Int64] {
        guard let e = entry(name) else { throw SafetensorsError(path: path, tensor: name, "no such tensor") }
        guard !e.dtype.isFloatingPoint else {
            throw SafetensorsError(path: path, tensor: name, "dtype \(e.dtype.rawValue) is not an integer type")
        }
        let n = e.elementCount
        let src = UnsafeRawPointer(base!) + dataOffset + e.begin
        var out = [Int64](repeating: 0, count: n)
        for i in 0..<n {
            switch e.dtype {
            case .i64: out[i] = src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)
            case .u64:
                let v = src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                guard v <= UInt64(Int64.max) else {
                    throw SafetensorsError(path: path, tensor: name, "U64 value \(v) does not fit in Int64")
                }
                out[i] = Int64(v)
            case .i32: out[i] = Int64(src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
            case .u32: out[i] = Int64(src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            case .i16: out[i] = Int64(src.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
            case .u16: out[i] = Int64(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            case .i8: out[i] = Int64(src.load(fromByteOffset: i, as: Int8.self))
            case .u8, .bool: out[i] = Int64(src.load(fromByteOffset: i, as: UInt8.self))
            default: break
            }
        }
        return out
    }

    /// What a validated header describes.
    public struct ParsedHeader: Sendable {
        public var entries: [Entry]
        public var metadata: [String: String]
        public var dataOffset: Int
    }

    /// Validates the whole layout of a safetensors image (8-byte little-endian header length, JSON
    /// header, data section); `path` only labels errors.
    public static func parseHeader(_ file: UnsafeRawBufferPointer, path: String) throws -> ParsedHeader {
        let size = file.count
        guard size >= 8 else { throw SafetensorsError(path: path, "file is \(size) bytes, shorter than the 8-byte header length") }
        let n = UInt64(littleEndian: file.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard n <= UInt64(maxHeaderBytes) else {
            throw SafetensorsError(path: path, "header length \(n) exceeds the \(maxHeaderBytes)-byte limit")
        }
        let headerLength = Int(n)
        guard headerLength >= 2 else { throw SafetensorsError(path: path, "header length \(headerLength) is too small for a JSON object") }
        guard 8 + headerLength <= size else {
            throw SafetensorsError(path: path, "header length \(headerLength) runs past the end of the \(size)-byte file (truncated?)")
        }
        let json: StrictJSON
        do {
            json = try StrictJSON.parse(UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)]))
        } catch {
            throw SafetensorsError(path: path, "header is not valid JSON: \(error)")
        }
        guard case .object(let members) = json else { throw SafetensorsError(path: path, "header is not a JSON object") }
        let dataSize = size - 8 - headerLength
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let kv) = value else { throw SafetensorsError(path: path, "__metadata__ is not an object") }
                for (k, v) in kv {
                    guard case .string(let s) = v else {
                        throw SafetensorsError(path: path, "__metadata__ value for \"\(excerpt(k))\" is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            guard case .object(let fields) = value else { throw SafetensorsError(path: path, tensor: name, "entry is not an object") }
            var dtype: SafetensorsDType?
            var shape: [Int]?
            var offsets: (Int64, Int64)?
            for (key, v) in fields {
                switch key {
                case "dtype":
                    guard case .string(let s) = v else { throw SafetensorsError(path: path, tensor: name, "dtype is not a string") }
                    guard let d = SafetensorsDType(rawValue: s) else {
                        throw SafetensorsError(path: path, tensor: name, "unknown dtype \"\(excerpt(s))\" (expected one of: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    dtype = d
                case "shape":
                    guard case .array(let dims) = v else { throw SafetensorsError(path: path, tensor: name, "shape is not an array") }
                    var s: [Int] = []
                    for d in dims {
                        guard case .integer(let x) = d, x >= 0, x <= Int64(Int32.max) else {
                            throw SafetensorsError(path: path, tensor: name, "shape has an entry that is not a non-negative integer")
                        }
                        s.append(Int(x))
                    }
                    shape = s
                case "data_offsets":
                    guard case .array(let o) = v, o.count == 2, case .integer(let b) = o[0], case .integer(let e) = o[1] else {
                        throw SafetensorsError(path: path, tensor: name, "data_offsets is not a pair of integers")
                    }
                    offsets = (b, e)
                default:
                    throw SafetensorsError(path: path, tensor: name, "unexpected field \"\(excerpt(key))\"")
                }
            }
            guard let dtype else { throw SafetensorsError(path: path, tensor: name, "missing dtype") }
            guard let shape else { throw SafetensorsError(path: path, tensor: name, "missing shape") }
            guard let (b, e) = offsets else { throw SafetensorsError(path: path, tensor: name, "missing data_offsets") }
            guard b >= 0, b <= e else {
                throw SafetensorsError(path: path, tensor: name, "data_offsets [\(b), \(e)] are not an ordered non-negative range")
            }
            guard e <= Int64(dataSize) else {
                throw SafetensorsError(path: path, tensor: name, "data_offsets [\(b), \(e)] run past the \(dataSize)-byte data section (truncated?)")
            }
            var count = 1
            for d in shape {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow else { throw SafetensorsError(path: path, tensor: name, "shape \(shape) overflows") }
                count = p
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, Int64(bytes) == e - b else {
                throw SafetensorsError(path: path, tensor: name,
                    "shape \(shape) × \(dtype.rawValue) is \(overflow ? "too many" : String(bytes)) bytes but data_offsets [\(b), \(e)] hold \(e - b)")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: Int(b), end: Int(e)))
        }
        // The byte ranges must tile the data section exactly: an overlap means two tensors alias,
        // a gap or an unindexed tail means the file is not what its header says.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        for e in entries {
            if e.begin < cursor {
                throw SafetensorsError(path: path, tensor: e.name, "data_offsets [\(e.begin), \(e.end)] overlap the previous tensor (which ends at \(cursor))")
            }
            if e.begin > cursor {
                throw SafetensorsError(path: path, tensor: e.name, "data_offsets [\(e.begin), \(e.end)] leave a gap after byte \(cursor)")
            }
            cursor = e.end
        }
        guard cursor == dataSize else {
            throw SafetensorsError(path: path, "tensors cover \(cursor) bytes but the data section has \(dataSize)")
        }
        return ParsedHeader(entries: entries, metadata: metadata, dataOffset: 8 + headerLength)
    }
}
