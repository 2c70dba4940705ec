import Foundation
import Testing
import Data
import Platform

/// The committed language specs: every SIB-200 / FLORES-200 code resolves to one spec, aliases, Glottolog families.
@Suite struct LanguageSpecsTests {
    /// The 205 SIB-200 languages (FLORES-200's 204 codes and N'Ko), as in dadelani/sib-200 `data/annotated/`.
    static let sib200 = """
    ace_Arab ace_Latn acm_Arab acq_Arab aeb_Arab afr_Latn ajp_Arab aka_Latn amh_Ethi apc_Arab arb_Arab arb_Latn ars_Arab
    ary_Arab arz_Arab asm_Beng ast_Latn awa_Deva ayr_Latn azb_Arab azj_Latn bak_Cyrl bam_Latn ban_Latn bel_Cyrl bem_Latn
    ben_Beng bho_Deva bjn_Arab bjn_Latn bod_Tibt bos_Latn bug_Latn bul_Cyrl cat_Latn ceb_Latn ces_Latn cjk_Latn ckb_Arab
    crh_Latn cym_Latn dan_Latn deu_Latn dik_Latn dyu_Latn dzo_Tibt ell_Grek eng_Latn epo_Latn est_Latn eus_Latn ewe_Latn
    fao_Latn pes_Arab fij_Latn fin_Latn fon_Latn fra_Latn fur_Latn fuv_Latn gla_Latn gle_Latn glg_Latn grn_Latn guj_Gujr
    hat_Latn hau_Latn heb_Hebr hin_Deva hne_Deva hrv_Latn hun_Latn hye_Armn ibo_Latn ilo_Latn ind_Latn isl_Latn ita_Latn
    jav_Latn jpn_Jpan kab_Latn kac_Latn kam_Latn kan_Knda kas_Arab kas_Deva kat_Geor knc_Arab knc_Latn kaz_Cyrl kbp_Latn
    kea_Latn khm_Khmr kik_Latn kin_Latn kir_Cyrl kmb_Latn kon_Latn kor_Hang kmr_Latn lao_Laoo lvs_Latn lij_Latn lim_Latn
    lin_Latn lit_Latn lmo_Latn ltg_Latn ltz_Latn lua_Latn lug_Latn luo_Latn lus_Latn mag_Deva mai_Deva mal_Mlym mar_Deva
    min_Arab min_Latn mkd_Cyrl plt_Latn mlt_Latn mni_Beng khk_Cyrl mos_Latn mri_Latn zsm_Latn mya_Mymr nld_Latn nno_Latn
    nob_Latn npi_Deva nqo_Nkoo nso_Latn nus_Latn nya_Latn oci_Latn gaz_Latn ory_Orya pag_Latn pan_Guru pap_Latn pol_Latn
    por_Latn prs_Arab pbt_Arab quy_Latn ron_Latn run_Latn rus_Cyrl sag_Latn san_Deva sat_Olck scn_Latn shn_Mymr sin_Sinh
    slk_Latn slv_Latn smo_Latn sna_Latn snd_Arab som_Latn sot_Latn spa_Latn als_Latn srd_Latn srp_Cyrl ssw_Latn sun_Latn
    swe_Latn swh_Latn szl_Latn tam_Taml tat_Cyrl tel_Telu tgk_Cyrl tgl_Latn tha_Thai tir_Ethi taq_Latn taq_Tfng tpi_Latn
    tsn_Latn tso_Latn tuk_Latn tum_Latn tur_Latn twi_Latn tzm_Tfng uig_Arab ukr_Cyrl umb_Latn urd_Arab uzn_Latn vec_Latn
    vie_Latn war_Latn wol_Latn xho_Latn ydd_Hebr yor_Latn yue_Hant zho_Hans zho_Hant zul_Latn
    """.split(whereSeparator: \.isWhitespace).map(String.init)

    var registry: LanguageRegistry { TestPaths.languageRegistry }

    @Test func everySIB200CodeResolvesToItsOwnSpec() throws {
        #expect(Self.sib200.count == 205 && Set(Self.sib200).count == 205)
        #expect(registry.codes.count == 208)
        var specOf: [String: String] = [:]
        for code in Self.sib200 {
            let spec = try #require(registry[code], "\(code) has no spec")
            // One spec per FLORES-200 language: no two codes land on the same spec.
            #expect(specOf[spec.code] == nil, "\(code) and \(specOf[spec.code] ?? "") are both \(spec.code)")
            specOf[spec.code] = code
            let script = try #require(LanguageSpec.floresScript(code))
            #expect(spec.covers(script: script), "\(code) → \(spec.code) is written in \(spec.scripts)")
            #expect(spec.glottocode != nil, "\(code) has no glottocode")
            #expect(!spec.family.isEmpty && spec.family != LanguageSpec.unknownFamily)
        }
        // Every spec but the three languages FLORES-200 lacks is one of the 205.
        #expect(Set(registry.codes).subtracting(specOf.keys) == ["ccp", "chr", "fil"])
    }

    @Test func aliasesNameTheSameSpec() throws {
        let ar = try #require(registry["ar"])
        #expect(registry["arb_Arab"] == ar)
        #expect(registry.canonical("arb_Arab") == "ar" && registry.canonical("ar") == "ar")
        #expect(registry.canonical("eng_Latn") == "en")
        #expect(registry.canonical("swh_Latn") == "sw")
        #expect(registry.canonical("zho_Hans") == "zh")
        #expect(registry.canonical("kor_Hang") == "ko")
        #expect(registry.canonical("est_Latn") == "et")
        // Another script of the same language is a spec of its own, with the language's family and genus.
        let hant = try #require(registry["zho_Hant"])
        #expect(hant.code == "zho_Hant" && hant.scripts == ["Hant"] && hant.genus == "Sinitic" && hant.glottocode == registry["zh"]?.glottocode)
        #expect(registry["arb_Latn"]?.code == "arb_Latn" && registry["arb_Latn"]?.family == "Afro-Asiatic")
        #expect(registry.canonical("xyz_Latn") == nil && registry["xyz_Latn"] == nil)
        #expect(registry.language(iso639_3: "cmn")?.code == "zh")
    }

    @Test func familiesComeFromGlottolog() throws {
        func family(_ code: String) -> String? { registry[code]?.family }
        #expect(family("swh_Latn") == "Niger-Congo")          // Glottolog's Atlantic-Congo, under the specs' name
        #expect(registry["swh_Latn"]?.glottocode == "swah1253")
        #expect(family("kin_Latn") == "Niger-Congo" && family("lin_Latn") == "Niger-Congo")
        #expect(family("fin_Latn") == "Uralic" && registry["fi"]?.glottocode == "finn1318")
        #expect(family("eus_Latn") == "Basque" && registry["eus_Latn"]?.glottocode == "basq1248")   // an isolate: its own name
        #expect(family("khk_Cyrl") == "Mongolic")             // Glottolog's Mongolic-Khitan
        #expect(family("bam_Latn") == "Mande" && family("dyu_Latn") == "Mande")
        #expect(family("quy_Latn") == "Quechuan" && family("ayr_Latn") == "Aymaran")
        #expect(family("epo_Latn") == "Artificial Language")
        #expect(family("tpi_Latn") == "Indo-European")        // creoles under their lexifier, as Glottolog has them
        #expect(family("dik_Latn") == "Nilotic" && family("knc_Latn") == "Saharan")
        // Generated specs have no genus; hand-written ones keep WALS's.
        #expect(registry["ace_Latn"]?.genus == "" && registry["sw"]?.genus == "Bantoid")
        #expect(registry["ace_Latn"]?.family == "Austronesian" && registry["ace_Arab"]?.scripts == ["Arab"])
    }

    /// Every glottocode is a row of Glottolog's table and every family follows the documented rule: the top-level
    /// family's name (an isolate's own), Atlantic-Congo written Niger-Congo and Mongolic-Khitan Mongolic.
    @Test(.enabled(if: TestPaths.hasData("glottolog/languages.csv"), TestPaths.missing("glottolog/languages.csv")))
    func everyFamilyFollowsTheGlottologRule() throws {
        var rows: [String: (name: String, family: String)] = [:]
        try DelimitedReader(path: TestPaths.data("glottolog/languages.csv"), dialect: .csv).forEach { row in
            rows[row["ID"] ?? ""] = (row["Name"] ?? "", row["Family_ID"] ?? "")
        }
        let renamed = ["Atlantic-Congo": "Niger-Congo", "Mongolic-Khitan": "Mongolic"]
        for code in registry.codes {
            let spec = try #require(registry[code])
            let glottocode = try #require(spec.glottocode, "\(code) has no glottocode")
            let row = try #require(rows[glottocode], "\(code): \(glottocode) is not in Glottolog")
            let top = row.family.isEmpty ? row.name : try #require(rows[row.family], "\(row.family)").name
            #expect(spec.family == (renamed[top] ?? top), "\(code)")
        }
    }

    func folder(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polyglot-langs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir.path
    }

    static let en = "code: en\nflores200: eng_Latn\niso639_3: eng\nname: English\nicu_locale: en\nscripts: [Latn]\nfamily: Indo-European\ngenus: Germanic\ndictionary_segmentation: false\n"

    @Test func aliasErrorsNameFileAndKey() throws {
        let clash = try folder(["en.yaml": Self.en, "eng_Latn.yaml": Self.en.replacingOccurrences(of: "code: en\nflores200: eng_Latn\n", with: "code: eng_Latn\n")
            .replacingOccurrences(of: "iso639_3: eng", with: "iso639_3: enm")])
        defer { try? FileManager.default.removeItem(atPath: clash) }
        #expect(errorText { _ = try LanguageRegistry.load(directory: clash) } == "\(clash)/en.yaml: flores200: 'eng_Latn' is also the code or alias of \(clash)/eng_Latn.yaml")
        let bad = try folder(["en.yaml": Self.en.replacingOccurrences(of: "eng_Latn", with: "eng-Latn")])
        defer { try? FileManager.default.removeItem(atPath: bad) }
        #expect(errorText { _ = try LanguageRegistry.load(directory: bad) } == "\(bad)/en.yaml: flores200: expected a FLORES-200 code <iso639-3>_<Script> such as arb_Arab, found 'eng-Latn'")
        let script = try folder(["en.yaml": Self.en.replacingOccurrences(of: "eng_Latn", with: "eng_Cyrl")])
        defer { try? FileManager.default.removeItem(atPath: script) }
        #expect(errorText { _ = try LanguageRegistry.load(directory: script) } == "\(script)/en.yaml: flores200: 'eng_Cyrl' is written in Cyrl, not in the spec's scripts (Latn)")
        let glotto = try folder(["en.yaml": Self.en + "glottocode: stan12\n"])
        defer { try? FileManager.default.removeItem(atPath: glotto) }
        #expect(errorText { _ = try LanguageRegistry.load(directory: glotto) } == "\(glotto)/en.yaml: glottocode: expected a glottocode of four letters and four digits such as swah1253, found 'stan12'")
        let twice = try folder(["en.yaml": Self.en, "en2.yaml": Self.en.replacingOccurrences(of: "code: en\nflores200: eng_Latn\n", with: "code: en2\n")])
        defer { try? FileManager.default.removeItem(atPath: twice) }
        #expect(errorText { _ = try LanguageRegistry.load(directory: twice) } == "\(twice)/en2.yaml: iso639_3: 'eng' in Latn is also the language of \(twice)/en.yaml")
    }

    static func task(_ extra: String, format: String = "tsv") -> String {
        """
        name: t
        type: classification
        format: \(format)
        columns: {id: index_id, text: text, label: category}
        labels: [{name: a, description: "the a topic"}, {name: b, description: "the b topic"}]
        metrics: [accuracy]
        major_metric: accuracy
        \(extra)
        """
    }

    @Test func dataPatternIsValidated() throws {
        func error(_ extra: String, format: String = "tsv") throws -> String? {
            let dir = try folder(["t.yaml": Self.task(extra, format: format)])
            defer { try? FileManager.default.removeItem(atPath: dir) }
            return errorText { _ = try TaskSpec.load(path: dir + "/t.yaml") }.map { $0.replacingOccurrences(of: dir + "/", with: "") }
        }
        let expected = "expected a path with {language} once, in one folder or file name, and no other braces"
        #expect(try error("data_pattern: {test: x/test.tsv}") == "t.yaml: data_pattern.test: \(expected), found 'x/test.tsv'")
        #expect(try error("data_pattern: {test: \"{language}/{language}.tsv\"}") == "t.yaml: data_pattern.test: \(expected), found '{language}/{language}.tsv'")
        #expect(try error("data_pattern: {dev: \"x/{lang}/{language}.tsv\"}") == "t.yaml: data_pattern.dev: \(expected), found 'x/{lang}/{language}.tsv'")
        #expect(try error("data_pattern: {test: \"/abs/{language}.tsv\"}")?.hasPrefix("t.yaml: data_pattern.test: '/abs/{language}.tsv' is an absolute path") == true)
        #expect(try error("data_pattern: {}") == "t.yaml: data_pattern: no split (train, dev, test) given")
        #expect(try error("data_pattern: {tests: \"{language}.tsv\"}")?.contains("data_pattern.tests: unknown key") == true)
        #expect(try error("data_pattern: {test: \"{language}.tsv\"}", format: "parallel")?.hasPrefix("t.yaml: data_pattern: the parallel format needs") == true)
        #expect(try error("") == "t.yaml: data: no data files (give data, data_pattern or both)")
        #expect(try error("data_pattern: {test: \"sib/{language}/test.tsv\"}") == nil)
    }

    @Test func dataPatternFindsLanguagesUnderTheDataRoot() throws {
        let row = "index_id\tcategory\ttext\n1\ta\tsome text\n"
        let root = try folder(["sib/eng_Latn/test.tsv": row, "sib/eng_Latn/train.tsv": row, "sib/ace_Latn/test.tsv": row,
                               "sib/xyz_Latn/test.tsv": row, "sib/de/test.tsv": row, "sib/README.md/test.tsv": row,
                               "sib/.DS_Store": "", "sib/fr_Latn/other.tsv": row])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let specs = try folder(["t.yaml": Self.task("""
            data_pattern: {train: "sib/{language}/train.tsv", test: "sib/{language}/test.tsv"}
            data:
              de: {test: listed/de.tsv}
            """)])
        defer { try? FileManager.default.removeItem(atPath: specs) }
        let spec = try TaskSpec.load(path: specs + "/t.yaml")
        #expect(spec.languageCodes == ["de"])
        let found = try spec.discoveringLanguages(dataRoot: root, languages: registry)
        // eng_Latn is en; a folder for a listed language (de) keeps the listed files; names that are no language code
        // and folders without the split's file are not languages.
        #expect(found.discoveredLanguages == ["ace_Latn", "en", "xyz_Latn"])
        #expect(found.languageCodes == ["ace_Latn", "de", "en", "xyz_Latn"])
        #expect(found.data?["en"] == SplitFiles(train: [.single("sib/eng_Latn/train.tsv")], test: [.single("sib/eng_Latn/test.tsv")]))
        #expect(found.data?["de"] == SplitFiles(test: [.single("listed/de.tsv")]))
        #expect(found.splits(for: "xyz_Latn") == [.test])
        #expect(try spec.discoveringLanguages(dataRoot: root + "/missing", languages: registry).discoveredLanguages.isEmpty)
        #expect(DataPattern.isLanguageCode("zh-Hant") && DataPattern.isLanguageCode("qaa") && !DataPattern.isLanguageCode("README.md"))
        #expect(!DataPattern.isLanguageCode("E") && !DataPattern.isLanguageCode("abcd_Latn") && !DataPattern.isLanguageCode("en_"))
    }

    @Test func taskDataKeyedByAnAliasIsAnError() throws {
        let specs = try folder(["t.yaml": Self.task("data:\n  eng_Latn: {test: x.tsv}")])
        defer { try? FileManager.default.removeItem(atPath: specs) }
        let message = errorText { _ = try TaskRegistry.load(directory: specs, languages: registry) }
        #expect(message == "\(specs)/t.yaml: data.eng_Latn: 'eng_Latn' is the FLORES-200 alias of 'en': key the data by 'en'")
    }

    @Test func scriptTallyTakesTheMostCommonDominantScript() {
        #expect(Script.dominant(amongTexts: ["Καλημέρα κόσμε", "hello", "Γειά σου", "123"])?.iso15924 == "Grek")
        #expect(Script.dominant(amongTexts: ["123", "!"]) == nil)
        let unknown = LanguageSpec.unknown(code: "zzz_Latn", script: "Cyrl")
        #expect(unknown.family == "unknown" && unknown.scripts == ["Cyrl"] && unknown.iso639_3 == "zzz" && unknown.genus == "")
    }
}
