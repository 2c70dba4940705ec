import Foundation
import Testing
@testable import Platform

/// Vectors from FIPS 180-4's examples and NIST's SHA-256 test vectors.
@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func paddingBoundariesMatchOneShotAndPieceWiseHashing() {
        // Lengths around the 55/56/64-byte padding boundaries; feeding in pieces must not change the digest.
        let bytes = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for n in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200] {
            let whole = SHA256.hex(bytes[0..<n])
            var h = SHA256()
            var i = 0
            while i < n { let j = min(n, i + 13); h.update(bytes[i..<j]); i = j }
            #expect(SHA256.hexString(h.finalize()) == whole, "length \(n)")
        }
        // The buffer path (whole blocks straight from memory) in pieces that straddle block ends.
        for n in [0, 1, 63, 64, 65, 127, 128, 129, 200] {
            var h = SHA256()
            var i = 0
            while i < n { let j = min(n, i + [1, 70, 13, 64][i % 4]); h.update(Data(bytes[i..<j])); i = j }
            #expect(SHA256.hexString(h.finalize()) == SHA256.hex(bytes[0..<n]), "buffer pieces, length \(n)")
        }
        // 56 bytes of 'a' (padding spills into a second block), checked against Python's hashlib.
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 56)) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
    }

    @Test func fileDigestMatchesInMemoryDigestAndMissingFileNamesPath() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-\(getpid()).bin")
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try SHA256.hex(ofFile: url.path) == SHA256.hex(bytes))
        #expect(throws: FileError.self) { try SHA256.hex(ofFile: "/nonexistent/file.txt") }
    }
}
