import CZlib
import Foundation

/// Reads gzip files (RFC 1952) through zlib: committed reference results keep their per-example
/// predictions as `.jsonl.gz`, and `compare` reads them as they are.
public enum Gzip {
    /// The decompressed bytes of a whole gzip file, refusing a compressed file over `limit` bytes and
    /// output over `limit` bytes; concatenated members (what `cat a.gz b.gz` makes) are read one after
    /// another, as gunzip does. A damaged stream or a wrong CRC-32 or length is an error naming the file.
    public static func read(_ path: String, limit: Int, what: String = "file") throws -> [UInt8] {
        let compressed = try InputFile.read(path, limit: limit, what: what)
        return try decompress(compressed, path: path, limit: limit, what: what)
    }

    /// Decompresses gzip members from `bytes`; `path` and `what` name the source in errors.
    public static func decompress(_ bytes: [UInt8], path: String, limit: Int, what: String = "file") throws -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else {
            throw FileError(path: path, "not gzip data (expected the bytes 1f 8b at the start)")
        }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var offset = 0
        while offset < bytes.count {
            var stream = z_stream()
            guard polyglot_inflate_init_gzip(&stream) == Z_OK else { throw FileError(path: path, "zlib could not start decompressing") }
            defer { inflateEnd(&stream) }
            var status = Z_OK
            try bytes.withUnsafeBufferPointer { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + offset)
                stream.avail_in = UInt32(input.count - offset)
                while status != Z_STREAM_END {
                    status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                        stream.next_out = buffer.baseAddress
                        stream.avail_out = UInt32(buffer.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    guard status == Z_OK || status == Z_STREAM_END else {
                        let detail = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                        let reason = status == Z_BUF_ERROR ? "the data ends inside a gzip member" : detail
                        throw FileError(path: path, "damaged gzip data at compressed byte \(offset + Int(stream.total_in)): \(reason)")
                    }
                    let produced = chunk.count - Int(stream.avail_out)
                    if out.count + produced > limit {
                        throw FileError(path: path, "\(what) is larger than the limit of \(InputLimits.describe(limit)) when decompressed")
                    }
                    out.append(contentsOf: chunk[..<produced])
                }
            }
            offset += Int(stream.total_in)
            // gzip files may end in zero padding after the last member (tape blocks); gunzip ignores it.
            if bytes[offset...].allSatisfy({ $0 == 0 }) { break }
        }
        return out
    }
}
