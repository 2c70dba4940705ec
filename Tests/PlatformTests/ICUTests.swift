import Testing
@testable import Platform

@Suite struct ICUTests {
    @Test func versionIsReported() {
        #expect(ICU.version.split(separator: ".").count >= 2)
        #expect(!ICU.dataVersion.isEmpty)
        #expect(!ICU.cldrVersion.isEmpty)
    }

    @Test func thaiIsSegmentedByDictionary() throws {
        // No spaces between Thai words: only ICU's dictionary can find these boundaries.
        let words = try WordBreaker(locale: "th").words(of: "ฉันรักภาษาไทย")
        #expect(words == ["ฉัน", "รัก", "ภาษา", "ไทย"])
    }

    @Test func japaneseIsSegmentedByDictionary() throws {
        // ICU 72's Japanese dictionary splits the auxiliary "ています" as "てい" + "ます".
        let words = try WordBreaker(locale: "ja").words(of: "私は日本語を勉強しています")
        #expect(words == ["私", "は", "日本語", "を", "勉強", "し", "てい", "ます"])
    }

    @Test func chineseIsSegmentedByDictionary() throws {
        let words = try WordBreaker(locale: "zh").words(of: "我喜欢学习中文")
        #expect(words == ["我", "喜欢", "学习", "中文"])
    }

    @Test func englishWordsSkipSpacesAndPunctuation() throws {
        let breaker = try WordBreaker(locale: "en")
        #expect(try breaker.words(of: "Don't stop, it's 3.5 km!") == ["Don't", "stop", "it's", "3.5", "km"])
        // Segments cover the text exactly, spaces and punctuation included.
        let text = "Hi, you."
        let segs = try breaker.segments(of: text)
        #expect(segs.first?.start == 0 && segs.last?.end == text.utf16.count)
        for (a, b) in zip(segs, segs.dropFirst()) { #expect(a.end == b.start) }
    }

    @Test func breakerIsReusableAcrossTexts() throws {
        let breaker = try WordBreaker(locale: "th")
        let long = String(repeating: "ภาษาไทย ", count: 400)
        #expect(try breaker.words(of: long).count == 800)
        #expect(try breaker.words(of: "ไทย") == ["ไทย"])
    }

    @Test func nfkcNormalization() throws {
        // Fullwidth letters, the "ﬁ" ligature and a circled digit fold to plain forms under NFKC.
        #expect(try UnicodeNormalizer.normalize("ＡＢＣ ﬁ ①", form: .nfkc) == "ABC fi 1")
        // NFC composes e + combining acute; NFD decomposes it again.
        let composed = try UnicodeNormalizer.normalize("e\u{301}", form: .nfc)
        #expect(composed.unicodeScalars.map(\.value) == [0xE9])
        #expect(try UnicodeNormalizer.normalize("é", form: .nfd).unicodeScalars.count == 2)
        #expect(try UnicodeNormalizer.normalize("Straße", form: .nfkcCasefold) == "strasse")
        #expect(try UnicodeNormalizer.isNormalized("abc", form: .nfc))
        #expect(try !UnicodeNormalizer.isNormalized("e\u{301}", form: .nfc))
    }

    @Test func scriptDetection() {
        #expect(Script(of: "ก").iso15924 == "Thai")
        #expect(Script(of: "я").iso15924 == "Cyrl")
        #expect(Script(of: "あ").iso15924 == "Hira")
        #expect(Script(of: "7").iso15924 == "Zyyy")
        #expect(Script.dominant(in: "नमस्ते दुनिया 123").iso15924 == "Deva")
        #expect(Script.dominant(in: "مرحبا بالعالم").iso15924 == "Arab")
        #expect(Script.dominant(in: "Hello, world").iso15924 == "Latn")
        #expect(Script.dominant(in: "12 !").iso15924 == "Zyyy")
        #expect(Script(iso15924: "Grek")?.name == "Greek")
        #expect(Script(iso15924: "Nope") == nil)
    }

    @Test func propertiesAndLocales() throws {
        #expect(UnicodeProperties.isDefaultIgnorable("\u{00AD}"))
        #expect(!UnicodeProperties.isDefaultIgnorable("a"))
        #expect(UnicodeProperties.isWhitespace("\u{3000}"))
        #expect(UnicodeProperties.isDecimalDigit("٣"))
        #expect(try UnicodeProperties.lowercased("ÀÉÎ") == "àéî")
        #expect(try ICU.maximize(locale: "th") == "th_Thai_TH")
        #expect(try ICU.displayName(locale: "de") == "German")
        #expect(ICU.availableLocales.count > 100)
    }
}
