import Foundation
import Platform

/// Builds a safetensors file: tensors are laid out back to back in the order they were added, the
/// header is padded with spaces to a multiple of 8 bytes (so F32/I64 data stays aligned when the
/// file is mapped), and the file is written atomically.
public struct SafetensorsWriter {
    public enum Values {
        case f32([Float])
        case i64([Int64])
    }

    public struct Tensor {
        public let name: String
        public let shape: [Int]
        public let values: Values
    }

    public private(set) var tensors: [Tensor] = []
    public var metadata: [String: String]
    private var names = Set<String>()

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    public mutating func add(_ name: String, shape: [Int], floats: [Float]) throws {
        try add(Tensor(name: name, shape: shape, values: .f32(floats)), count: floats.count)
    }

    public mutating func add(_ name: String, shape: [Int], int64s: [Int64]) throws {
        try add(Tensor(name: name, shape: shape, values: .i64(int64s)), count: int64s.count)
    }

    private mutating func add(_ t: Tensor, count: Int) throws {
        guard t.name != "__metadata__", !t.name.isEmpty else {
            throw SafetensorsError(path: "<writer>", tensor: t.name, "reserved or empty tensor name")
        }
        guard names.insert(t.name).inserted else {
            throw SafetensorsError(path: "<writer>", tensor: t.name, "added twice")
        }
        guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == count else {
            throw SafetensorsError(path: "<writer>", tensor: t.name, "shape \(t.shape) does not hold \(count) values")
        }
        tensors.append(t)
    }

    /// The complete file image.
    public func serialized() -> Data {
        var header = "{"
        var first = true
        func item(_ s: String) { header += (first ? "" : ",") + s; first = false }
        if !metadata.isEmpty {
            let kv = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            item("\"__metadata__\":{" + kv.joined(separator: ",") + "}")
        }
        var offset = 0
        for t in tensors {
            let (dtype, bytes): (String, Int)
            switch t.values {
            case .f32(let v): (dtype, bytes) = ("F32", v.count * 4)
            case .i64(let v): (dtype, bytes) = ("I64", v.count * 8)
            }
            let shape = t.shape.map(String.init).joined(separator: ",")
            item("\(jsonString(t.name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var data = Data(capacity: 8 + headerBytes.count + offset)
        var n = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for t in tensors {
            switch t.values {
            case .f32(let v): v.withUnsafeBufferPointer { data.append($0) }
            case .i64(let v): v.withUnsafeBufferPointer { data.append($0) }
            }
        }
        return data
    }

    public func write(to url: URL) throws {
        try AtomicFile.write(serialized(), to: url)
    }
}

/// A JSON string literal (quotes, backslashes and control characters escaped).
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
