import Foundation
import Testing
@testable import Text

/// The golden outputs of tools/reference/text_families.py: HF `tokenizers`' encodings of
/// Tests/Fixtures/text/families/inputs.json with each <family>.tokenizer.json. Lists that follow
/// from the others are left out of the file (see `FamilyRecord`).
struct FamilyInputs: Decodable {
    struct Text: Decodable { let src: String; let text: String }
    let texts: [Text]
    /// [first, second] text indices.
    let pairs: [[Int]]
    /// [max_length, first, second or -1].
    let truncation: [[Int]]
}

struct FamilyRecord: Decodable {
    /// Index into the inputs' texts, pairs or truncation cases.
    let i: Int
    let ids: [Int]
    /// Unicode scalar offsets, flattened: start0, end0, start1, end1, …
    let off: [Int]
    /// Type ids; absent = all 0.
    let types: [Int]?
    /// Positions whose special_tokens_mask is 1; absent = none.
    let special: [Int]?
    /// Word ids, -1 for none.
    let words: [Int]
    /// Sequence ids, -1 for none; absent = -1 at `special` positions, 0 elsewhere.
    let seq: [Int]?
    /// Attention mask; absent = all 1 (present only when the file pads).
    let attention: [Int]?
    /// decode(ids, skip_special_tokens=True) and, where recorded, with the special tokens kept.
    let dec: String
    let decAll: String?
    /// Ids without special tokens; absent = `ids` without the `special` positions.
    let ids0: [Int]?
}

struct FamilyGolden: Decodable {
    let family: String
    let tokenizer: String
    let exercises: String
    let versions: [String: String]
    let vocab_size: Int
    let single: [FamilyRecord]
    let pairs: [FamilyRecord]
    let truncation: [FamilyRecord]
}

/// Tokenizer families (XLM-R, ALBERT, T5, CamemBERT, SentencePiece BPE, Llama, RoBERTa, mBERT and
/// hand-built pipelines for the remaining HF stages) loaded from their tokenizer.json and compared
/// with HF `tokenizers`, token by token: ids, scalar offsets, type ids, special-tokens mask, word
/// and sequence ids, decoding, for single texts and pairs, with and without special tokens, and
/// truncated. Then each tokenizer is saved by Polyglot and read back.
/// Regenerate with tools/reference/text_families.py build (see its docstring).
@Suite(.serialized) struct FamilyParityTests {
    static let families = [
        "xlmr", "albert", "t5", "camembert", "spm_bpe", "llama", "roberta", "mbert",
        "handmade_wordpiece", "handmade_padding", "handmade_bpe_suffix", "handmade_bpe_prefix", "handmade_split",
        "handmade_scripts", "handmade_metaspace_first", "handmade_metaspace_never", "handmade_metaspace_nosplit",
    ]

    static var folder: URL { TestData.fixtures.appendingPathComponent("families") }

    static func inputs() throws -> FamilyInputs {
        try JSONDecoder().decode(FamilyInputs.self, from: Data(contentsOf: folder.appendingPathComponent("inputs.json")))
    }

    static func golden(_ family: String) throws -> FamilyGolden {
        try JSONDecoder().decode(FamilyGolden.self, from: Data(contentsOf: folder.appendingPathComponent("\(family).golden.json")))
    }

    static func tokenizerURL(_ family: String) -> URL { folder.appendingPathComponent("\(family).tokenizer.json") }

    /// Loads a family's tokenizer, recording the failure (an unsupported stage, most often) under its name.
    static func load(_ family: String) -> Tokenizer? {
        do { return try Tokenizer.load(from: tokenizerURL(family)) } catch {
            Issue.record("\(family): Tokenizer.load fails: \(error)")
            return nil
        }
    }

    // MARK: Comparison

    /// `s` quoted, at most `n` scalars, with invisible scalars (controls, format characters such as
    /// ZWJ, bidi marks and BOM, separators) written as \u{…} so messages show them and stay one line.
    static func excerpt(_ s: String, _ n: Int = 60) -> String {
        var out = "\""
        for (k, c) in s.unicodeScalars.enumerated() {
            if k == n { out += "…"; break }
            switch c.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
                out += "\\u{" + String(c.value, radix: 16, uppercase: true) + "}"
            default:
                out += c == "\"" || c == "\\" ? "\\" + String(c) : String(c)
            }
        }
        return out + "\""
    }

    /// "id "piece" [a..<b]" for HF's token k.
    static func hfToken(_ r: FamilyRecord, _ k: Int, _ t: Tokenizer) -> String {
        guard k < r.ids.count else { return "(none)" }
        return "\(r.ids[k]) \(excerpt(t.piece(for: r.ids[k]) ?? "?")) [\(r.off[2 * k])..<\(r.off[2 * k + 1])]"
    }

    static func ourToken(_ e: Encoding, _ k: Int) -> String {
        guard k < e.count else { return "(none)" }
        let piece = k < e.pieces.count ? e.pieces[k] : "?"
        let o = k < e.scalarOffsets.count ? "[\(e.scalarOffsets[k].lowerBound)..<\(e.scalarOffsets[k].upperBound)]" : "[?]"
        return "\(e.ids[k]) \(excerpt(piece)) \(o)"
    }

    /// The first difference between a Polyglot encoding and HF's record, or nil. Every list is
    /// compared; the message names the field and the first differing token of both sides.
    static func difference(_ e: Encoding, _ r: FamilyRecord, _ t: Tokenizer) -> String? {
        let n = r.ids.count
        func first<T: Equatable>(_ field: String, _ ours: [T], _ theirs: [T]) -> String? {
            guard ours != theirs else { return nil }
            let k = (0..<min(ours.count, theirs.count)).first { ours[$0] != theirs[$0] } ?? min(ours.count, theirs.count)
            let o = k < ours.count ? "\(ours[k])" : "(none)", h = k < theirs.count ? "\(theirs[k])" : "(none)"
            return "\(field) differ at token \(k) (ours \(ours.count) tokens, hf \(theirs.count)): ours \(o) in \(ourToken(e, k)), hf \(h) in \(hfToken(r, k, t))"
        }
        if let d = first("ids", e.ids, r.ids) { return d }
        let hfOffsets = (0..<n).map { r.off[2 * $0]..<r.off[2 * $0 + 1] }
        if let d = first("scalar offsets", e.scalarOffsets, hfOffsets) { return d }
        if let d = first("type ids", e.typeIDs, r.types ?? Array(repeating: 0, count: n)) { return d }
        let special = Set(r.special ?? [])
        if let d = first("special_tokens_mask", e.specialTokensMask, (0..<n).map { special.contains($0) }) { return d }
        if let d = first("word ids", e.wordIndex, r.words.map { $0 < 0 ? nil : $0 }) { return d }
        let seq = r.seq ?? (0..<n).map { special.contains($0) ? -1 : 0 }
        if let d = first("sequence ids", e.sequenceIndex, seq.map { $0 < 0 ? nil : $0 }) { return d }
        if let d = first("attention mask", e.attentionMask, r.attention ?? Array(repeating: 1, count: n)) { return d }
        // Offsets in the other units must describe the same spans as the scalar ones.
        if e.byteOffsets.count != e.count || e.utf16Offsets.count != e.count { return "offset arrays of \(e.byteOffsets.count)/\(e.utf16Offsets.count) entries for \(e.count) tokens" }
        return nil
    }

    /// The same spans in UTF-8 bytes, UTF-16 units and scalars of `text`.
    static func offsetUnitsDisagree(_ e: Encoding, _ text: String, sequence: Int?) -> String? {
        let scalars = Array(text.unicodeScalars)
        var byteAt = [0], utf16At = [0]
        for s in scalars { byteAt.append(byteAt.last! + String(s).utf8.count); utf16At.append(utf16At.last! + String(s).utf16.count) }
        for k in 0..<e.count where sequence == nil || e.sequenceIndex[k] == sequence {
            let s = e.scalarOffsets[k]
            guard s.lowerBound >= 0, s.upperBound <= scalars.count else { return "token \(k): scalar offsets \(s) outside the text" }
            let b = byteAt[s.lowerBound]..<byteAt[s.upperBound], u = utf16At[s.lowerBound]..<utf16At[s.upperBound]
            if e.byteOffsets[k] != b || e.utf16Offsets[k] != u {
                return "token \(k) \(ourToken(e, k)): byte offsets \(e.byteOffsets[k]) (expected \(b)), UTF-16 \(e.utf16Offsets[k]) (expected \(u))"
            }
        }
        return nil
    }

    static func decodeDifference(_ r: FamilyRecord, _ t: Tokenizer) -> String? {
        do {
            let d = try t.decode(r.ids, skipSpecialTokens: true)
            if d != r.dec { return "decode skipping special tokens: ours \(excerpt(d, 200)), hf \(excerpt(r.dec, 200))" }
            if let all = r.decAll {
                let d = try t.decode(r.ids, skipSpecialTokens: false)
                if d != all { return "decode keeping special tokens: ours \(excerpt(d, 200)), hf \(excerpt(all, 200))" }
            }
        } catch { return "decode throws: \(error)" }
        return nil
    }

    static func plainIDs(_ r: FamilyRecord) -> [Int] {
        if let ids0 = r.ids0 { return ids0 }
        let special = Set(r.special ?? [])
        return r.ids.enumerated().filter { !special.contains($0.offset) }.map(\.element)
    }

    /// Differences of one test: what differs first in each case ("ids", "scalar offsets", "decode(…)"…)
    /// and the full message.
    struct Mismatches {
        var list: [(kind: String, message: String)] = []
        var isEmpty: Bool { list.isEmpty }
        mutating func add(_ label: String, _ difference: String) {
            let end = difference.range(of: " differ at")?.lowerBound ?? difference.firstIndex(of: ":") ?? difference.endIndex
            list.append((String(difference[..<end]), "\(label): \(difference)"))
        }
        /// "ids 3, decode(skipSpecialTokens: true) 2" in order of first appearance.
        var tally: String {
            var order: [String] = [], counts: [String: Int] = [:]
            for m in list { if counts[m.kind] == nil { order.append(m.kind) }; counts[m.kind, default: 0] += 1 }
            return order.map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        }
    }

    static func report(_ family: String, _ what: String, _ mismatches: Mismatches, of total: Int) {
        #expect(total > 0, "\(family): no \(what) cases in the golden file")
        #expect(mismatches.isEmpty, "\(family): \(mismatches.list.count) of \(total) \(what) cases differ from HF (\(mismatches.tally)); first:\n\(mismatches.list.prefix(4).map(\.message).joined(separator: "\n"))")
    }

    // MARK: Tests

    @Test func everyGoldenFileIsListed() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
        let golden = Set(names.filter { $0.hasSuffix(".golden.json") }.map { String($0.dropLast(".golden.json".count)) })
        #expect(golden == Set(Self.families))
        let inputs = try Self.inputs()
        #expect(inputs.texts.count > 60 && inputs.pairs.count > 10 && inputs.truncation.count > 10)
        for f in Self.families {
            let g = try Self.golden(f)
            #expect(g.family == f && g.tokenizer == "\(f).tokenizer.json")
            #expect(["tokenizers", "transformers", "sentencepiece"].allSatisfy { g.versions[$0] != nil }, "\(f): versions not recorded")
        }
    }

    @Test(arguments: families) func singleTexts(_ family: String) throws {
        let g = try Self.golden(family), inputs = try Self.inputs()
        guard let t = Self.load(family) else { return }
        #expect(t.vocabSize == g.vocab_size, "\(family): vocabulary of \(t.vocabSize) pieces, HF has \(g.vocab_size)")
        var mismatches = Mismatches()
        for r in g.single {
            let input = inputs.texts[r.i]
            let label = "single #\(r.i) (\(input.src)) \(Self.excerpt(input.text))"
            do {
                let e = try t.encode(input.text, addSpecialTokens: true)
                if let d = Self.difference(e, r, t) ?? Self.offsetUnitsDisagree(e, input.text, sequence: nil) {
                    mismatches.add(label, d); continue
                }
                let plain = try t.encode(input.text, addSpecialTokens: false).ids
                if plain != Self.plainIDs(r) { mismatches.add(label, "ids without special tokens: ours \(plain), hf \(Self.plainIDs(r))"); continue }
            } catch { mismatches.add(label, "encode throws: \(error)"); continue }
            if let d = Self.decodeDifference(r, t) { mismatches.add(label, d) }
        }
        Self.report(family, "single-text", mismatches, of: g.single.count)
    }

    @Test(arguments: families) func pairs(_ family: String) throws {
        let g = try Self.golden(family), inputs = try Self.inputs()
        guard let t = Self.load(family) else { return }
        var mismatches = Mismatches()
        for r in g.pairs {
            let (a, b) = (inputs.pairs[r.i][0], inputs.pairs[r.i][1])
            let (x, y) = (inputs.texts[a].text, inputs.texts[b].text)
            let label = "pair #\(r.i) (\(inputs.texts[a].src) + \(inputs.texts[b].src)) \(Self.excerpt(x, 30)) + \(Self.excerpt(y, 30))"
            do {
                let e = try t.encode(pair: x, y, addSpecialTokens: true)
                if let d = Self.difference(e, r, t) ?? Self.offsetUnitsDisagree(e, x, sequence: 0) ?? Self.offsetUnitsDisagree(e, y, sequence: 1) {
                    mismatches.add(label, d); continue
                }
                let plain = try t.encode(pair: x, y, addSpecialTokens: false).ids
                if plain != Self.plainIDs(r) { mismatches.add(label, "ids without special tokens: ours \(plain), hf \(Self.plainIDs(r))"); continue }
            } catch { mismatches.add(label, "encode throws: \(error)"); continue }
            if let d = Self.decodeDifference(r, t) { mismatches.add(label, d) }
        }
        Self.report(family, "pair", mismatches, of: g.pairs.count)
    }

    /// HF's truncation (longest first, from the right) at small lengths; files with their own
    /// truncation section are checked through their single and pair cases instead.
    @Test(arguments: families) func truncation(_ family: String) throws {
        let g = try Self.golden(family), inputs = try Self.inputs()
        guard g.truncation.count > 0 else {
            let root = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.tokenizerURL(family))) as? [String: Any]
            #expect(!(root?["truncation"] is NSNull) || !(root?["padding"] is NSNull), "\(family): no truncation cases and no truncation section")
            return
        }
        guard var t = Self.load(family) else { return }
        var mismatches = Mismatches()
        for r in g.truncation {
            let c = inputs.truncation[r.i]
            let (L, a, b) = (c[0], c[1], c[2])
            t.maxLength = L
            let label = "truncation #\(r.i) max \(L) (\(inputs.texts[a].src)\(b >= 0 ? " + " + inputs.texts[b].src : ""))"
            do {
                let e = b < 0 ? try t.encode(inputs.texts[a].text) : try t.encode(pair: inputs.texts[a].text, inputs.texts[b].text)
                if let d = Self.difference(e, r, t) { mismatches.add(label, d) }
            } catch { mismatches.add(label, "encode throws: \(error)") }
        }
        Self.report(family, "truncation", mismatches, of: g.truncation.count)
    }

    // MARK: Re-save

    /// A stage's shape: its type, and for sequences the shapes of the members. A sequence of one
    /// stage is that stage, and BertProcessing is the template it stands for.
    static func shape(_ v: Any?) -> String {
        guard let o = v as? [String: Any] else { return v == nil || v is NSNull ? "null" : "?" }
        let type = o["type"] as? String ?? "?"
        for key in ["normalizers", "pretokenizers", "decoders", "processors"] {
            if let list = o[key] as? [Any] {
                return list.count == 1 ? shape(list[0]) : type + "(" + list.map { shape($0) }.joined(separator: ", ") + ")"
            }
        }
        return type == "BertProcessing" ? "TemplateProcessing" : type
    }

    /// Model options that change tokens, as text; a flag that is off or an empty string counts as absent.
    static func modelOptions(_ v: Any?) -> [String: String] {
        guard let m = v as? [String: Any] else { return [:] }
        var out: [String: String] = [:]
        for k in ["type", "unk_token", "unk_id", "continuing_subword_prefix", "end_of_word_suffix", "max_input_chars_per_word"] {
            if let x = m[k], !(x is NSNull), (x as? String)?.isEmpty != true { out[k] = "\(x)" }
        }
        for k in ["byte_fallback", "fuse_unk", "ignore_merges"] where (m[k] as? Bool) == true { out[k] = "true" }
        return out
    }

    static func addedTokens(_ v: Any?) -> [String] {
        ((v as? [[String: Any]]) ?? []).map { t in
            ["id", "content", "special", "normalized", "lstrip", "rstrip", "single_word"].map { "\($0)=\(t[$0].map { "\($0)" } ?? "nil")" }.joined(separator: " ")
        }
    }

    /// Polyglot's save(to:) of each family, read back by Polyglot: the same encodings, and every
    /// stage of the original file present in the written one. With $POLYGLOT_FAMILY_SAVE_DIR set the
    /// files are also written there, for `text_families.py verify DIR` to read them with HF.
    @Test(arguments: families) func saveAndReload(_ family: String) throws {
        guard let t = Self.load(family) else { return }
        let g = try Self.golden(family), inputs = try Self.inputs()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-families-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("\(family).tokenizer.json")
        try t.save(to: url)
        if let out = ProcessInfo.processInfo.environment["POLYGLOT_FAMILY_SAVE_DIR"], !out.isEmpty {
            try t.save(to: URL(fileURLWithPath: out).appendingPathComponent("\(family).tokenizer.json"))
        }
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.tokenizerURL(family))) as? [String: Any] ?? [:]
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        for key in ["normalizer", "pre_tokenizer", "post_processor", "decoder", "truncation", "padding"] {
            #expect(Self.shape(written[key]) == Self.shape(original[key]), "\(family): saved \(key) is \(Self.shape(written[key])), the original \(Self.shape(original[key]))")
        }
        #expect(Self.modelOptions(written["model"]) == Self.modelOptions(original["model"]), "\(family): saved model options differ")
        #expect(Self.addedTokens(written["added_tokens"]) == Self.addedTokens(original["added_tokens"]), "\(family): saved added_tokens differ")

        let back = try Tokenizer.load(from: url)
        #expect(back.vocabSize == t.vocabSize && back.maxLength == t.maxLength)
        var mismatches: [String] = []
        for r in g.single {
            let text = inputs.texts[r.i].text
            let (x, y) = (try? t.encode(text), try? back.encode(text))
            if x != y { mismatches.append("single #\(r.i) \(Self.excerpt(text)): before \(x?.ids ?? []), after \(y?.ids ?? [])") }
        }
        for r in g.pairs {
            let (a, b) = (inputs.texts[inputs.pairs[r.i][0]].text, inputs.texts[inputs.pairs[r.i][1]].text)
            if (try? t.encode(pair: a, b)) != (try? back.encode(pair: a, b)) { mismatches.append("pair #\(r.i)") }
            if (try? t.decode(r.ids, skipSpecialTokens: false)) != (try? back.decode(r.ids, skipSpecialTokens: false)) { mismatches.append("decode of pair #\(r.i)") }
        }
        #expect(mismatches.isEmpty, "\(family): save → load changes \(mismatches.count) encodings; first:\n\(mismatches.prefix(4).joined(separator: "\n"))")
    }
}
