import Foundation

/// A JSON value parsed without losing what Foundation's parser hides: duplicate object keys are
/// reported (a safetensors header naming one tensor twice must be rejected, not silently resolved)
/// and integers keep their exact value (byte offsets beyond 2^53 must not round). Every JSON file
/// Polyglot reads from a user goes through this parser (data files, tokenizer.json, config.json,
/// sidecars, safetensors headers); a duplicate key is an error naming its key path.
public enum StrictJSON: Equatable, Sendable {
    case object([(String, StrictJSON)])
    case array([StrictJSON])
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case null

    public static func == (a: StrictJSON, b: StrictJSON) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let offset: Int
        public let message: String
        public var description: String { "byte \(offset): \(message)" }
    }

    /// Parses one JSON value from UTF-8 bytes; trailing whitespace is allowed (safetensors pads its
    /// header with spaces), anything else after the value is an error. Nesting is capped so that a
    /// hostile header cannot exhaust the stack.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws -> StrictJSON {
        var p = Parser(bytes: bytes, maxDepth: maxDepth)
        p.skipWhitespace()
        let v = try p.value(depth: 0)
        p.skipWhitespace()
        if p.pos != bytes.count { throw ParseError(offset: p.pos, message: "unexpected data after the JSON value") }
        return v
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        let maxDepth: Int
        var pos = 0
        /// Keys and indices from the root to the value being parsed, for duplicate-key messages.
        var path: [String] = []

        init(bytes: UnsafeRawBufferPointer, maxDepth: Int) { self.bytes = bytes; self.maxDepth = maxDepth }

        mutating func skipWhitespace() {
            while pos < bytes.count {
                let c = bytes[pos]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { break }
            }
        }

        func fail(_ message: String) -> ParseError { ParseError(offset: pos, message: message) }

        mutating func expect(_ literal: String) throws {
            for b in literal.utf8 {
                guard pos < bytes.count, bytes[pos] == b else { throw fail("expected '\(literal)'") }
                pos += 1
            }
        }

        mutating func value(depth: Int) throws -> StrictJSON {
            guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
            guard pos < bytes.count else { throw fail("unexpected end of JSON") }
            switch bytes[pos] {
            case UInt8(ascii: "{"):
                pos += 1
                var members: [(String, StrictJSON)] = []
                var seen = Set<String>()
                skipWhitespace()
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
                while true {
                    skipWhitespace()
                    guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    let keyStart = pos
                    let key = try string()
                    guard seen.insert(key).inserted else {
                        let shown = StrictJSON.keyPath(path + [key])
                        throw ParseError(offset: keyStart, message: "duplicate key \(shown)")
                    }
                    skipWhitespace()
                    try expect(":")
                    skipWhitespace()
                    path.append(key)
                    members.append((key, try value(depth: depth + 1)))
                    path.removeLast()
                    skipWhitespace()
                    guard pos < bytes.count else { throw fail("unexpected end of JSON in an object") }
                    if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                    if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                pos += 1
                var items: [StrictJSON] = []
                skipWhitespace()
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
                while true {
                    skipWhitespace()
                    path.append("[\(items.count)]")
                    items.append(try value(depth: depth + 1))
                    path.removeLast()
                    skipWhitespace()
                    guard pos < bytes.count else { throw fail("unexpected end of JSON in an array") }
                    if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                    if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default:
                return try number()
            }
        }

        mutating func string() throws -> String {
            pos += 1  // opening quote
            var out: [UInt8] = []
            while true {
                guard pos < bytes.count else { throw fail("unterminated string") }
                let c = bytes[pos]
                if c == UInt8(ascii: "\"") { pos += 1; break }
                if c < 0x20 { throw fail("control character in a string") }
                if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
                pos += 1
                guard pos < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[pos]; pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                    out.append(contentsOf: Array(String(u).utf8))
                default: throw fail("invalid escape")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
            return s
        }

        mutating func hex4() throws -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard pos < bytes.count else { throw fail("short \\u escape") }
                let c = bytes[pos]; pos += 1
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw fail("bad hex digit in \\u escape")
                }
                v = v << 4 | d
            }
            return v
        }

        mutating func number() throws -> StrictJSON {
            let start = pos
            var isInteger = true
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            var digits = 0
            while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1; digits += 1 }
            guard digits > 0 else { pos = start; throw fail("unexpected character") }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
                isInteger = false; pos += 1
                while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
            }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
                isInteger = false; pos += 1
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
                while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
            // An integer beyond Int64 is kept as a number (readers that need exact integers, such as
            // safetensors offsets, reject a number where they expect an integer).
            if isInteger, let v = Int64(text) { return .integer(v) }
            guard let d = Double(text), d.isFinite else { throw ParseError(offset: start, message: "bad number \(excerpt(text))") }
            return .number(d)
        }
    }

    /// `a.b[2]."key with spaces"`: keys as written (short excerpts), array indices in brackets.
    static func keyPath(_ path: [String]) -> String {
        var out = ""
        for part in path {
            if part.hasPrefix("[") { out += part; continue }
            let shown = excerpt(part)
            let plain = !part.isEmpty && part.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
            if !out.isEmpty { out += "." }
            out += plain ? shown : "\"\(shown)\""
        }
        return out.isEmpty ? "(top level)" : out
    }

    /// Parses a whole JSON document, turning a syntax error or a duplicate key into a `FileError`
    /// naming the file and the line (`line` offsets the count for a JSON Lines record).
    public static func parse(_ bytes: some Collection<UInt8>, path: String, line firstLine: Int = 1) throws -> StrictJSON {
        let array = Array(bytes)
        do {
            return try array.withUnsafeBytes { try parse($0) }
        } catch let e as ParseError {
            let upTo = array.prefix(min(e.offset, array.count))
            let line = firstLine + upTo.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            throw FileError(path: path, line: line, "invalid JSON: \(e.message)")
        }
    }

    /// Reads and parses a JSON file no larger than `InputLimits.jsonBytes` (regular files only).
    public static func read(path: String, limit: Int = InputLimits.jsonBytes) throws -> StrictJSON {
        try parse(try InputFile.read(path, limit: limit, what: "JSON file"), path: path)
    }

    /// The value as Foundation objects, as `JSONSerialization` gives them: `[String: Any]`, `[Any]`,
    /// `String`, `NSNumber` (booleans as boolean NSNumbers), `NSNull`.
    public var foundationValue: Any {
        switch self {
        case .object(let members):
            var d: [String: Any] = [:]
            d.reserveCapacity(members.count)
            for (k, v) in members { d[k] = v.foundationValue }
            return d
        case .array(let items): return items.map(\.foundationValue)
        case .string(let s): return s
        case .integer(let i): return NSNumber(value: i)
        case .number(let d): return NSNumber(value: d)
        case .bool(let b): return NSNumber(value: b)
        case .null: return NSNull()
        }
    }

    /// Decodes a `Decodable` from JSON bytes after the strict parse has checked them (duplicate keys
    /// are errors); a decoding failure names the file and the key path.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String,
                                            decoder: JSONDecoder = JSONDecoder()) throws -> T {
        _ = try parse(bytes, path: path)
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw FileError(path: path, describe(error))
        }
    }

    /// Reads (bounded, regular files only) and decodes a JSON file.
    public static func decode<T: Decodable>(_ type: T.Type, path: String, limit: Int = InputLimits.jsonBytes,
                                            decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decode(type, from: try InputFile.read(path, limit: limit, what: "JSON file"), path: path, decoder: decoder)
    }

    /// One line for a `DecodingError`: the key path and what was wrong.
    public static func describe(_ error: DecodingError) -> String {
        func key(_ path: [CodingKey]) -> String {
            keyPath(path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue })
        }
        switch error {
        case .keyNotFound(let k, let c): return "\(key(c.codingPath + [k])): missing required key"
        case .typeMismatch(_, let c): return "\(key(c.codingPath)): \(c.debugDescription)"
        case .valueNotFound(_, let c): return "\(key(c.codingPath)): expected a value, found null"
        case .dataCorrupted(let c): return "\(key(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

// MARK: Writing

extension StrictJSON {
    /// The value as JSON text: members in their order (so a vocabulary object keeps id order), numbers
    /// in the shortest form that reads back as the same double, strings escaped as JSON requires
    /// (everything else, "/" and non-ASCII included, written as is). `indent` > 0 pretty-prints.
    public func serialized(indent: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        write(into: &out, indent: indent, level: 0)
        return out
    }

    private func write(into out: inout [UInt8], indent: Int, level: Int) {
        func newline(_ l: Int) {
            guard indent > 0 else { return }
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: indent * l))
        }
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .integer(let i): out += Array(String(i).utf8)
        case .number(let d):
            if d.isFinite, d == d.rounded(), abs(d) < 1e15 {
                // Integral doubles keep a ".0" so they read back as floats.
                out += Array(String(Int64(d)).utf8) + Array(".0".utf8)
            } else {
                out += Array((d.isFinite ? "\(d)" : "null").utf8)
            }
        case .string(let s): StrictJSON.writeString(s, into: &out)
        case .array(let items):
            out.append(0x5B)
            for (i, v) in items.enumerated() {
                if i > 0 { out.append(0x2C) }
                newline(level + 1)
                v.write(into: &out, indent: indent, level: level + 1)
            }
            if !items.isEmpty { newline(level) }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out.append(0x2C) }
                newline(level + 1)
                StrictJSON.writeString(k, into: &out)
                out.append(0x3A)
                if indent > 0 { out.append(0x20) }
                v.write(into: &out, indent: indent, level: level + 1)
            }
            if !members.isEmpty { newline(level) }
            out.append(0x7D)
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    /// The member `key` of an object (nil for other values or a missing key).
    public subscript(key: String) -> StrictJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }
}
