import Foundation
import Testing
@testable import Text

/// decode(encode(x)) == normalized x, and offsets point at the right original text, for every
/// language of the shared data (UD, SIB-200, Tatoeba), with the Metaspace and the ICU pre-tokenizer.
@Suite(.serialized) struct RoundTripTests {
    static func allSentences() throws -> [(String, String)] {
        var out: [(String, String)] = []
        let fm = FileManager.default
        let root = TestData.dataRoot
        for dir in try fm.contentsOfDirectory(atPath: root.appendingPathComponent("sib200/annotated").path).sorted() {
            for split in ["train", "dev", "test"] {
                let rel = "sib200/annotated/\(dir)/\(split).tsv"
                out += try TestData.sentences(rel).map { (rel, $0) }
            }
        }
        for file in try fm.contentsOfDirectory(atPath: root.appendingPathComponent("tatoeba").path).sorted() where file.hasPrefix("tatoeba.") {
            let rel = "tatoeba/\(file)"
            out += try TestData.sentences(rel).map { (rel, $0) }
        }
        for dir in try fm.contentsOfDirectory(atPath: root.appendingPathComponent("ud").path).sorted() where dir.hasPrefix("UD_") {
            for file in try fm.contentsOfDirectory(atPath: root.appendingPathComponent("ud/\(dir)").path).sorted() where file.hasSuffix(".conllu") {
                let rel = "ud/\(dir)/\(file)"
                out += try TestData.sentences(rel).prefix(200).map { (rel, $0) }
            }
        }
        return out
    }

    static let extra = [
        "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ", "日本語の文章を単語に分割します。", "中文句子没有空格。",
        "اللغة العربية تكتب من اليمين إلى اليسار", "हिन्दी भाषा देवनागरी लिपि में लिखी जाती है।", "한국어 문장은 띄어쓰기를 합니다.",
        "Emoji 👩‍👩‍👧 families 🇯🇵 flags 👍🏽 and ✈️", "  leading and   repeated spaces  ", "tab\tand\u{00AD}soft hyphen",
        "ﬁne ligatures ① and Ｆｕｌｌｗｉｄｔｈ", "e\u{301}te\u{301} combining", "",
    ]

    static func check(_ t: Tokenizer, _ sentences: [(String, String)]) throws -> [String] {
        var failures: [String] = []
        let state = EncoderState()
        for (n, (source, text)) in sentences.enumerated() {
            let e = try t.encode(text, addSpecialTokens: false, state: state)
            let decoded = try t.decode(e.ids)
            let normalized = try t.normalizedText(text)
            if decoded != normalized {
                failures.append("\(source): round trip\n  text    \(text.debugDescription)\n  decoded \(decoded.debugDescription)\n  normal  \(normalized.debugDescription)")
                continue
            }
            // Offsets are checked on every 8th sentence (and all extra ones), keeping the test short.
            if n % 8 != 0 && source != "extra" { continue }
            let bytes = Array(text.utf8)
            let utf16 = Array(text.utf16)
            let scalars = Array(text.unicodeScalars)
            for k in 0..<e.count {
                let b = e.byteOffsets[k], u = e.utf16Offsets[k], s = e.scalarOffsets[k]
                guard b.upperBound <= bytes.count, u.upperBound <= utf16.count, s.upperBound <= scalars.count else {
                    failures.append("\(source): token \(k) offsets out of range"); break
                }
                let viaBytes = String(decoding: bytes[b], as: UTF8.self)
                let viaUTF16 = String(decoding: utf16[u], as: UTF16.self)
                var viaScalars = String.UnicodeScalarView(); viaScalars.append(contentsOf: scalars[s])
                if viaBytes != viaUTF16 || viaBytes != String(viaScalars) {
                    failures.append("\(source): token \(k) offset units disagree"); break
                }
                // The token's text, normalized, is what the original span normalizes to.
                let piece = e.pieces[k]
                if byteOfFallbackPiece(piece) == nil {
                    let pieceText = piece.replacingOccurrences(of: "\u{2581}", with: " ").trimmingSpaces
                    let spanText = try t.normalizedText(viaBytes).trimmingSpaces
                    // A span is at least the piece: normalization is aligned per independent chunk
                    // (a base letter with its marks), so a piece may point at a whole chunk.
                    if pieceText != spanText && !Array(spanText.utf8).containsSubsequence(Array(pieceText.utf8)) {
                        failures.append("\(source): token \(k) \(piece.debugDescription) points at \(viaBytes.debugDescription)"); break
                    }
                }
            }
        }
        return failures
    }

    @Test func metaspaceUnigramIsLossless() throws {
        let t = try UnigramParityTests.fixtureTokenizer()
        let sentences = try Self.allSentences() + Self.extra.map { ("extra", $0) }
        #expect(sentences.count > 40_000)
        let failures = try Self.check(t, sentences)
        #expect(failures.isEmpty, "\(failures.count) failures; first: \(failures.prefix(3).joined(separator: "\n"))")
    }

    @Test func icuWordUnigramIsLossless() throws {
        let base = try UnigramParityTests.fixtureTokenizer()
        let t = try Tokenizer(normalizer: base.normalizer, preTokenizer: try ICUWordPreTokenizer(ICUWordPreTokenizer.Config(locale: "", splitDigits: true)),
                              model: base.modelKind, postProcessor: base.postProcessor, decoder: base.decoder, addedTokens: base.addedTokens)
        let all = try Self.allSentences()
        // Every 4th sentence keeps the run short; every language is still covered.
        let sentences = all.enumerated().filter { $0.offset % 4 == 0 }.map(\.element) + Self.extra.map { ("extra", $0) }
        let failures = try Self.check(t, sentences)
        #expect(failures.isEmpty, "\(failures.count) failures; first: \(failures.prefix(3).joined(separator: "\n"))")
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        if needle.count > count { return false }
        for i in 0...(count - needle.count) where self[i] == needle[0] && Array(self[i..<(i + needle.count)]) == needle { return true }
        return false
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
