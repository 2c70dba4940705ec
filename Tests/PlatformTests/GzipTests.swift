import Foundation
import Testing
@testable import Platform

/// Gzip reading against files made by GNU gzip (`gzip -9n`), not by the zlib calls under test.
@Suite struct GzipTests {
    /// `printf 'Polyglot gzip fixture\nline two: é中\n' | gzip -9n`
    static let first: [UInt8] = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x0b, 0xc8,
        0xcf, 0xa9, 0x4c, 0xcf, 0xc9, 0x2f, 0x51, 0x48, 0xaf, 0xca, 0x2c, 0x50,
        0x48, 0xcb, 0xac, 0x28, 0x29, 0x2d, 0x4a, 0xe5, 0xca, 0xc9, 0xcc, 0x4b,
        0x55, 0x28, 0x29, 0xcf, 0xb7, 0x52, 0x38, 0xbc, 0xf2, 0xc9, 0x8e, 0xb5,
        0x5c, 0x00, 0x9c, 0xb9, 0x00, 0x63, 0x26, 0x00, 0x00, 0x00,
    ]
    static let firstText = "Polyglot gzip fixture\nline two: é中\n"
    /// `printf 'second member\n' | gzip -9n`
    static let second: [UInt8] = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x2b, 0x4e,
        0x4d, 0xce, 0xcf, 0x4b, 0x51, 0xc8, 0x4d, 0xcd, 0x4d, 0x4a, 0x2d, 0xe2,
        0x02, 0x00, 0x36, 0x18, 0x4b, 0x0e, 0x0e, 0x00, 0x00, 0x00,
    ]

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func readsWhatGzipWrote() throws {
        let dir = try temporaryFolder("gzip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.txt.gz"
        try Data(Self.first).write(to: URL(fileURLWithPath: path))
        #expect(text(try Gzip.read(path, limit: 1 << 20)) == Self.firstText)
    }

    @Test func concatenatedMembersAndTrailingZerosReadLikeGunzip() throws {
        #expect(text(try Gzip.decompress(Self.first + Self.second, path: "x.gz", limit: 1 << 20)) == Self.firstText + "second member\n")
        #expect(text(try Gzip.decompress(Self.second + [0, 0, 0, 0], path: "x.gz", limit: 1 << 20)) == "second member\n")
    }

    @Test func damagedDataIsAnErrorNamingTheFile() {
        // Cut inside the deflate data.
        do { _ = try Gzip.decompress(Array(Self.first.prefix(30)), path: "cut.gz", limit: 1 << 20); Issue.record("a cut stream was accepted") } catch {
            #expect("\(error)".hasPrefix("cut.gz: damaged gzip data"))
        }
        // A wrong CRC-32 in the trailer.
        var badCRC = Self.second
        badCRC[badCRC.count - 8] ^= 0xFF
        do { _ = try Gzip.decompress(badCRC, path: "crc.gz", limit: 1 << 20); Issue.record("a wrong CRC was accepted") } catch {
            #expect("\(error)".contains("crc.gz: damaged gzip data"))
            #expect("\(error)".contains("incorrect data check"))
        }
        // Garbage after a member is not another member.
        #expect(throws: FileError.self) { try Gzip.decompress(Self.second + [0x41, 0x42], path: "tail.gz", limit: 1 << 20) }
        // Not gzip at all.
        do { _ = try Gzip.decompress(Array("plain text\n".utf8), path: "plain.gz", limit: 1 << 20); Issue.record("plain text was accepted") } catch {
            #expect("\(error)" == "plain.gz: not gzip data (expected the bytes 1f 8b at the start)")
        }
    }

    @Test func theLimitAppliesToTheDecompressedSize() {
        do { _ = try Gzip.decompress(Self.first, path: "big.gz", limit: 20); Issue.record("the limit was not applied") } catch {
            #expect("\(error)" == "big.gz: file is larger than the limit of 20 bytes when decompressed")
        }
        #expect((try? Gzip.decompress(Self.first, path: "fits.gz", limit: Self.firstText.utf8.count)) != nil)
    }
}
