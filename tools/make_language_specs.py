#!/usr/bin/env python3
"""Writes languages/<code>.yaml (run from the repository root):

    python3 tools/make_language_specs.py [--glottolog ../shared/data/glottolog/languages.csv]

The YAML files are the source of truth the project reads; this script only keeps them uniform. Two kinds of spec:

- LANGUAGES, written by hand: 84 languages under short BCP-47 codes (`en`, `ar`, `sw`), genus as in WALS. Each gains
  its `glottocode` and, when it is one of the FLORES-200 languages, `flores200` (its FLORES-200 code, an alias the
  registry resolves to the same spec: `arb_Arab` is `ar`).
- Every other code of FLORES200 (the 205 SIB-200 languages: FLORES-200's 204 and N'Ko) gets a generated spec whose
  code is the FLORES-200 code (`ace_Latn`): name and family from Glottolog, script from the code's suffix, no genus
  (Glottolog has none; the field stays empty rather than guessed).

Family, for every spec: the name of the language's top-level family in Glottolog (the row its Family_ID names); an
isolate's family is its own Glottolog name (Basque), as in WALS. Two Glottolog families are written under the names
the hand-written specs used before Glottolog was read, so that one family never has two names in a report and the
demo's language split (sorted by family) stays as it was: Atlantic-Congo is written Niger-Congo, Mongolic-Khitan
Mongolic (FAMILY_NAMES). The script stops when a hand-written family does not follow this rule.

Glottolog (CC BY 4.0) is read from a CLDF languages.csv; the release named in the SOURCE.txt beside it is written into
every spec's header comment.
"""
import argparse
import csv
import os
import sys

# code, iso639_3, English name, ICU locale, scripts, family, genus, dictionary segmentation
LANGUAGES = [
    ("af", "afr", "Afrikaans", "af", ["Latn"], "Indo-European", "Germanic", False),
    ("am", "amh", "Amharic", "am", ["Ethi"], "Afro-Asiatic", "Semitic", False),
    ("ar", "arb", "Arabic", "ar", ["Arab"], "Afro-Asiatic", "Semitic", False),
    ("az", "azj", "Azerbaijani", "az", ["Latn"], "Turkic", "Oghuz", False),
    ("be", "bel", "Belarusian", "be", ["Cyrl"], "Indo-European", "Slavic", False),
    ("bg", "bul", "Bulgarian", "bg", ["Cyrl"], "Indo-European", "Slavic", False),
    ("bn", "ben", "Bengali", "bn", ["Beng"], "Indo-European", "Indic", False),
    ("bs", "bos", "Bosnian", "bs", ["Latn"], "Indo-European", "Slavic", False),
    ("ca", "cat", "Catalan", "ca", ["Latn"], "Indo-European", "Romance", False),
    ("ccp", "ccp", "Chakma", "ccp", ["Cakm"], "Indo-European", "Indic", False),
    ("chr", "chr", "Cherokee", "chr", ["Cher"], "Iroquoian", "Southern Iroquoian", False),
    ("cs", "ces", "Czech", "cs", ["Latn"], "Indo-European", "Slavic", False),
    ("cy", "cym", "Welsh", "cy", ["Latn"], "Indo-European", "Celtic", False),
    ("da", "dan", "Danish", "da", ["Latn"], "Indo-European", "Germanic", False),
    ("de", "deu", "German", "de", ["Latn"], "Indo-European", "Germanic", False),
    ("el", "ell", "Greek", "el", ["Grek"], "Indo-European", "Greek", False),
    ("en", "eng", "English", "en", ["Latn"], "Indo-European", "Germanic", False),
    ("es", "spa", "Spanish", "es", ["Latn"], "Indo-European", "Romance", False),
    ("et", "ekk", "Estonian", "et", ["Latn"], "Uralic", "Finnic", False),
    ("eu", "eus", "Basque", "eu", ["Latn"], "Basque", "Basque", False),
    ("fa", "pes", "Persian", "fa", ["Arab"], "Indo-European", "Iranian", False),
    ("fi", "fin", "Finnish", "fi", ["Latn"], "Uralic", "Finnic", False),
    ("fil", "fil", "Filipino", "fil", ["Latn"], "Austronesian", "Greater Central Philippine", False),
    ("fr", "fra", "French", "fr", ["Latn"], "Indo-European", "Romance", False),
    ("ga", "gle", "Irish", "ga", ["Latn"], "Indo-European", "Celtic", False),
    ("gl", "glg", "Galician", "gl", ["Latn"], "Indo-European", "Romance", False),
    ("gu", "guj", "Gujarati", "gu", ["Gujr"], "Indo-European", "Indic", False),
    ("ha", "hau", "Hausa", "ha", ["Latn"], "Afro-Asiatic", "West Chadic", False),
    ("he", "heb", "Hebrew", "he", ["Hebr"], "Afro-Asiatic", "Semitic", False),
    ("hi", "hin", "Hindi", "hi", ["Deva"], "Indo-European", "Indic", False),
    ("hr", "hrv", "Croatian", "hr", ["Latn"], "Indo-European", "Slavic", False),
    ("hu", "hun", "Hungarian", "hu", ["Latn"], "Uralic", "Ugric", False),
    ("hy", "hye", "Armenian", "hy", ["Armn"], "Indo-European", "Armenian", False),
    ("id", "ind", "Indonesian", "id", ["Latn"], "Austronesian", "Malayo-Sumbawan", False),
    ("ig", "ibo", "Igbo", "ig", ["Latn"], "Niger-Congo", "Igboid", False),
    ("is", "isl", "Icelandic", "is", ["Latn"], "Indo-European", "Germanic", False),
    ("it", "ita", "Italian", "it", ["Latn"], "Indo-European", "Romance", False),
    ("ja", "jpn", "Japanese", "ja", ["Jpan"], "Japonic", "Japanese", True),
    ("jv", "jav", "Javanese", "jv", ["Latn"], "Austronesian", "Javanese", False),
    ("ka", "kat", "Georgian", "ka", ["Geor"], "Kartvelian", "Kartvelian", False),
    ("kk", "kaz", "Kazakh", "kk", ["Cyrl"], "Turkic", "Kipchak", False),
    ("km", "khm", "Khmer", "km", ["Khmr"], "Austroasiatic", "Khmer", True),
    ("kn", "kan", "Kannada", "kn", ["Knda"], "Dravidian", "Southern Dravidian", False),
    ("ko", "kor", "Korean", "ko", ["Kore"], "Koreanic", "Korean", False),
    ("ky", "kir", "Kyrgyz", "ky", ["Cyrl"], "Turkic", "Kipchak", False),
    ("lo", "lao", "Lao", "lo", ["Laoo"], "Tai-Kadai", "Kam-Tai", True),
    ("lt", "lit", "Lithuanian", "lt", ["Latn"], "Indo-European", "Baltic", False),
    ("lv", "lvs", "Latvian", "lv", ["Latn"], "Indo-European", "Baltic", False),
    ("mk", "mkd", "Macedonian", "mk", ["Cyrl"], "Indo-European", "Slavic", False),
    ("ml", "mal", "Malayalam", "ml", ["Mlym"], "Dravidian", "Southern Dravidian", False),
    ("mn", "khk", "Mongolian", "mn", ["Cyrl"], "Mongolic", "Mongolic", False),
    ("mr", "mar", "Marathi", "mr", ["Deva"], "Indo-European", "Indic", False),
    ("ms", "zsm", "Malay", "ms", ["Latn"], "Austronesian", "Malayo-Sumbawan", False),
    ("mt", "mlt", "Maltese", "mt", ["Latn"], "Afro-Asiatic", "Semitic", False),
    ("my", "mya", "Burmese", "my", ["Mymr"], "Sino-Tibetan", "Burmese-Lolo", True),
    ("nb", "nob", "Norwegian Bokmål", "nb", ["Latn"], "Indo-European", "Germanic", False),
    ("ne", "npi", "Nepali", "ne", ["Deva"], "Indo-European", "Indic", False),
    ("nl", "nld", "Dutch", "nl", ["Latn"], "Indo-European", "Germanic", False),
    ("pa", "pan", "Punjabi", "pa", ["Guru"], "Indo-European", "Indic", False),
    ("pl", "pol", "Polish", "pl", ["Latn"], "Indo-European", "Slavic", False),
    ("pt", "por", "Portuguese", "pt", ["Latn"], "Indo-European", "Romance", False),
    ("ro", "ron", "Romanian", "ro", ["Latn"], "Indo-European", "Romance", False),
    ("ru", "rus", "Russian", "ru", ["Cyrl"], "Indo-European", "Slavic", False),
    ("si", "sin", "Sinhala", "si", ["Sinh"], "Indo-European", "Indic", False),
    ("sk", "slk", "Slovak", "sk", ["Latn"], "Indo-European", "Slavic", False),
    ("sl", "slv", "Slovenian", "sl", ["Latn"], "Indo-European", "Slavic", False),
    ("sq", "als", "Albanian", "sq", ["Latn"], "Indo-European", "Albanian", False),
    ("sr", "srp", "Serbian", "sr", ["Cyrl"], "Indo-European", "Slavic", False),
    ("su", "sun", "Sundanese", "su", ["Latn"], "Austronesian", "Malayo-Sumbawan", False),
    ("sv", "swe", "Swedish", "sv", ["Latn"], "Indo-European", "Germanic", False),
    ("sw", "swh", "Swahili", "sw", ["Latn"], "Niger-Congo", "Bantoid", False),
    ("ta", "tam", "Tamil", "ta", ["Taml"], "Dravidian", "Southern Dravidian", False),
    ("te", "tel", "Telugu", "te", ["Telu"], "Dravidian", "South-Central Dravidian", False),
    ("th", "tha", "Thai", "th", ["Thai"], "Tai-Kadai", "Kam-Tai", True),
    ("tr", "tur", "Turkish", "tr", ["Latn"], "Turkic", "Oghuz", False),
    ("uk", "ukr", "Ukrainian", "uk", ["Cyrl"], "Indo-European", "Slavic", False),
    ("ur", "urd", "Urdu", "ur", ["Arab"], "Indo-European", "Indic", False),
    ("uz", "uzn", "Uzbek", "uz", ["Latn"], "Turkic", "Karluk", False),
    ("vi", "vie", "Vietnamese", "vi", ["Latn"], "Austroasiatic", "Vietic", False),
    ("xh", "xho", "Xhosa", "xh", ["Latn"], "Niger-Congo", "Bantoid", False),
    ("yo", "yor", "Yoruba", "yo", ["Latn"], "Niger-Congo", "Defoid", False),
    ("yue", "yue", "Cantonese", "yue", ["Hant"], "Sino-Tibetan", "Sinitic", True),
    ("zh", "cmn", "Chinese (Mandarin)", "zh", ["Hans"], "Sino-Tibetan", "Sinitic", True),
    ("zu", "zul", "Zulu", "zu", ["Latn"], "Niger-Congo", "Bantoid", False),
]


FLORES200 = [
    "ace_Arab", "ace_Latn", "acm_Arab", "acq_Arab", "aeb_Arab", "afr_Latn", "ajp_Arab", "aka_Latn", "amh_Ethi",
    "apc_Arab", "arb_Arab", "arb_Latn", "ars_Arab", "ary_Arab", "arz_Arab", "asm_Beng", "ast_Latn", "awa_Deva",
    "ayr_Latn", "azb_Arab", "azj_Latn", "bak_Cyrl", "bam_Latn", "ban_Latn", "bel_Cyrl", "bem_Latn", "ben_Beng",
    "bho_Deva", "bjn_Arab", "bjn_Latn", "bod_Tibt", "bos_Latn", "bug_Latn", "bul_Cyrl", "cat_Latn", "ceb_Latn",
    "ces_Latn", "cjk_Latn", "ckb_Arab", "crh_Latn", "cym_Latn", "dan_Latn", "deu_Latn", "dik_Latn", "dyu_Latn",
    "dzo_Tibt", "ell_Grek", "eng_Latn", "epo_Latn", "est_Latn", "eus_Latn", "ewe_Latn", "fao_Latn", "pes_Arab",
    "fij_Latn", "fin_Latn", "fon_Latn", "fra_Latn", "fur_Latn", "fuv_Latn", "gla_Latn", "gle_Latn", "glg_Latn",
    "grn_Latn", "guj_Gujr", "hat_Latn", "hau_Latn", "heb_Hebr", "hin_Deva", "hne_Deva", "hrv_Latn", "hun_Latn",
    "hye_Armn", "ibo_Latn", "ilo_Latn", "ind_Latn", "isl_Latn", "ita_Latn", "jav_Latn", "jpn_Jpan", "kab_Latn",
    "kac_Latn", "kam_Latn", "kan_Knda", "kas_Arab", "kas_Deva", "kat_Geor", "knc_Arab", "knc_Latn", "kaz_Cyrl",
    "kbp_Latn", "kea_Latn", "khm_Khmr", "kik_Latn", "kin_Latn", "kir_Cyrl", "kmb_Latn", "kon_Latn", "kor_Hang",
    "kmr_Latn", "lao_Laoo", "lvs_Latn", "lij_Latn", "lim_Latn", "lin_Latn", "lit_Latn", "lmo_Latn", "ltg_Latn",
    "ltz_Latn", "lua_Latn", "lug_Latn", "luo_Latn", "lus_Latn", "mag_Deva", "mai_Deva", "mal_Mlym", "mar_Deva",
    "min_Arab", "min_Latn", "mkd_Cyrl", "plt_Latn", "mlt_Latn", "mni_Beng", "khk_Cyrl", "mos_Latn", "mri_Latn",
    "zsm_Latn", "mya_Mymr", "nld_Latn", "nno_Latn", "nob_Latn", "npi_Deva", "nqo_Nkoo", "nso_Latn", "nus_Latn",
    "nya_Latn", "oci_Latn", "gaz_Latn", "ory_Orya", "pag_Latn", "pan_Guru", "pap_Latn", "pol_Latn", "por_Latn",
    "prs_Arab", "pbt_Arab", "quy_Latn", "ron_Latn", "run_Latn", "rus_Cyrl", "sag_Latn", "san_Deva", "sat_Olck",
    "scn_Latn", "shn_Mymr", "sin_Sinh", "slk_Latn", "slv_Latn", "smo_Latn", "sna_Latn", "snd_Arab", "som_Latn",
    "sot_Latn", "spa_Latn", "als_Latn", "srd_Latn", "srp_Cyrl", "ssw_Latn", "sun_Latn", "swe_Latn", "swh_Latn",
    "szl_Latn", "tam_Taml", "tat_Cyrl", "tel_Telu", "tgk_Cyrl", "tgl_Latn", "tha_Thai", "tir_Ethi", "taq_Latn",
    "taq_Tfng", "tpi_Latn", "tsn_Latn", "tso_Latn", "tuk_Latn", "tum_Latn", "tur_Latn", "twi_Latn", "tzm_Tfng",
    "uig_Arab", "ukr_Cyrl", "umb_Latn", "urd_Arab", "uzn_Latn", "vec_Latn", "vie_Latn", "war_Latn", "wol_Latn",
    "xho_Latn", "ydd_Hebr", "yor_Latn", "yue_Hant", "zho_Hans", "zho_Hant", "zul_Latn",
]

ISO639_1 = {
    "afr": "af", "aka": "ak", "amh": "am", "asm": "as", "bak": "ba", "bam": "bm", "bel": "be", "ben": "bn",
    "bod": "bo", "bos": "bs", "bul": "bg", "cat": "ca", "ces": "cs", "cym": "cy", "dan": "da", "deu": "de",
    "dzo": "dz", "ell": "el", "eng": "en", "epo": "eo", "est": "et", "eus": "eu", "ewe": "ee", "fao": "fo",
    "fij": "fj", "fin": "fi", "fra": "fr", "gla": "gd", "gle": "ga", "glg": "gl", "grn": "gn", "guj": "gu",
    "hat": "ht", "hau": "ha", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "ibo": "ig",
    "ind": "id", "isl": "is", "ita": "it", "jav": "jv", "jpn": "ja", "kan": "kn", "kas": "ks", "kat": "ka",
    "kaz": "kk", "khm": "km", "kik": "ki", "kin": "rw", "kir": "ky", "kon": "kg", "kor": "ko", "lao": "lo",
    "lim": "li", "lin": "ln", "lit": "lt", "ltz": "lb", "lug": "lg", "mal": "ml", "mar": "mr", "mkd": "mk",
    "mlt": "mt", "mri": "mi", "mya": "my", "nld": "nl", "nno": "nn", "nob": "nb", "nya": "ny", "oci": "oc",
    "pan": "pa", "pol": "pl", "por": "pt", "ron": "ro", "run": "rn", "rus": "ru", "sag": "sg", "san": "sa",
    "sin": "si", "slk": "sk", "slv": "sl", "smo": "sm", "sna": "sn", "snd": "sd", "som": "so", "sot": "st",
    "spa": "es", "srd": "sc", "srp": "sr", "ssw": "ss", "sun": "su", "swe": "sv", "tam": "ta", "tat": "tt",
    "tel": "te", "tgk": "tg", "tgl": "tl", "tha": "th", "tir": "ti", "tsn": "tn", "tso": "ts", "tuk": "tk",
    "tur": "tr", "twi": "tw", "uig": "ug", "ukr": "uk", "urd": "ur", "vie": "vi", "wol": "wo", "xho": "xh",
    "yor": "yo", "zho": "zh", "zul": "zu",
}


# Glottolog top-level family name -> the name the specs use (see the module docstring).
FAMILY_NAMES = {"Atlantic-Congo": "Niger-Congo", "Mongolic-Khitan": "Mongolic"}

# FLORES-200 codes whose ISO 639-3 part is a macrolanguage Glottolog does not list: the individual language whose
# Glottolog row gives the family and glottocode (Estonian and Mandarin are also what the hand-written et and zh
# specs hold; Paraguayan Guarani, Koongo and Logudorese stand for Guarani, Kongo and Sardinian).
LOOKUP_ISO = {"zho": "cmn", "est": "ekk", "grn": "gug", "kon": "kng", "srd": "src"}

# English names where Glottolog's differs from the usual one (FLORES-200's list).
NAMES = {
    "acm": "Mesopotamian Arabic", "ast": "Asturian", "hat": "Haitian Creole", "lin": "Lingala", "ltz": "Luxembourgish",
    "nso": "Northern Sotho", "uig": "Uyghur", "grn": "Guarani", "kon": "Kikongo", "srd": "Sardinian", "zho": "Chinese",
    "kea": "Kabuverdianu", "ydd": "Eastern Yiddish", "sat": "Santali", "kac": "Jingpho",
}

SCRIPT_NAMES = {"Arab": "Arabic", "Latn": "Latin", "Deva": "Devanagari", "Tfng": "Tifinagh", "Hans": "Simplified",
                "Hant": "Traditional"}

# ICU segments these scripts' words with a dictionary (no spaces between words).
DICTIONARY_SCRIPTS = {"Thai", "Laoo", "Khmr", "Mymr", "Hans", "Hant", "Jpan"}


def quote(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def read_glottolog(path):
    """Glottolog's languoids: ISO 639-3 code -> row, glottocode -> row."""
    by_iso, by_id = {}, {}
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"ID", "Name", "ISO639P3code", "Family_ID", "Is_Isolate"} - set(reader.fieldnames or [])
        if missing:
            sys.exit(f"{path}:1: expected the CLDF columns {', '.join(sorted(missing))}")
        for row in reader:
            by_id[row["ID"]] = row
            if row["ISO639P3code"]:
                by_iso[row["ISO639P3code"]] = row
    return by_iso, by_id


def glottolog_release(path):
    """`glottolog/glottolog-cldf <commit> <date>` from the SOURCE.txt beside the table, if there is one."""
    source = os.path.join(os.path.dirname(path), "SOURCE.txt")
    try:
        with open(source, encoding="utf-8") as f:
            parts = f.readline().split()
    except OSError:
        return "release unknown (no SOURCE.txt beside the table)"
    return f"{parts[0]} {parts[1][:12]}, {parts[2]}" if len(parts) >= 3 else "release unknown"


def family_of(row, by_id, where):
    """The family name the specs use for a Glottolog row (see the module docstring)."""
    if not row["Family_ID"]:
        return row["Name"]
    top = by_id.get(row["Family_ID"])
    if top is None:
        sys.exit(f"{where}: Family_ID {row['Family_ID']} of {row['ID']} is not a row of the table")
    return FAMILY_NAMES.get(top["Name"], top["Name"])


def lookup(iso3, by_iso, where):
    row = by_iso.get(LOOKUP_ISO.get(iso3, iso3))
    if row is None:
        sys.exit(f"{where}: ISO 639-3 code '{iso3}' has no row in Glottolog (add it to LOOKUP_ISO)")
    return row


def accepts(scripts, script):
    """Whether a spec written in `scripts` covers a FLORES-200 code in `script` (Korean's Kore includes Hang)."""
    return script in scripts or (script == "Hang" and "Kore" in scripts)


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def spec_text(header, code, flores, iso3, glottocode, name, locale, scripts, family, genus, dictionary):
    return (
        f"# {header}\n"
        f"code: {quote(code)}\n"
        + (f"flores200: {quote(flores)}\n" if flores else "")
        + f"iso639_3: {quote(iso3)}\n"
        f"glottocode: {quote(glottocode)}\n"
        f"name: {quote(name)}\n"
        f"icu_locale: {quote(locale)}\n"
        f"scripts: [{', '.join(scripts)}]\n"
        f"family: {quote(family)}\n"
        f"genus: {quote(genus)}\n"
        f"dictionary_segmentation: {'true' if dictionary else 'false'}\n"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--glottolog", default="../shared/data/glottolog/languages.csv",
                        help="Glottolog's CLDF languages.csv (default: %(default)s)")
    parser.add_argument("--output", default="languages", help="folder of the specs (default: %(default)s)")
    args = parser.parse_args()
    if not os.path.isfile(args.glottolog):
        sys.exit(f"{args.glottolog}: Glottolog's languages.csv not found (pass --glottolog PATH)")
    by_iso, by_id = read_glottolog(args.glottolog)
    release = glottolog_release(args.glottolog)
    attribution = f"glottocode and family from Glottolog ({release}), CC BY 4.0."

    # FLORES-200 code of each hand-written language, where it has one.
    flores_of = {}
    for flores in FLORES200:
        iso3, script = flores.split("_")
        matches = [row for row in LANGUAGES if row[1] == LOOKUP_ISO.get(iso3, iso3) and accepts(row[4], script)]
        if len(matches) > 1:
            sys.exit(f"FLORES200 {flores}: matches several hand-written languages ({', '.join(m[0] for m in matches)})")
        if matches:
            if matches[0][0] in flores_of:
                sys.exit(f"FLORES200 {flores}: {matches[0][0]} already has {flores_of[matches[0][0]]}")
            flores_of[matches[0][0]] = flores

    os.makedirs(args.output, exist_ok=True)
    written = set()
    hand = {}
    for code, iso3, name, locale, scripts, family, genus, dictionary in LANGUAGES:
        row = lookup(iso3, by_iso, f"LANGUAGES {code}")
        expected = family_of(row, by_id, f"LANGUAGES {code}")
        if family != expected:
            sys.exit(f"LANGUAGES {code}: family '{family}', but Glottolog's rule gives '{expected}' ({row['ID']})")
        hand[row["ID"]] = (family, genus)
        header = "Hand-written row of tools/make_language_specs.py (genus: WALS); " + attribution
        write(os.path.join(args.output, f"{code}.yaml"),
              spec_text(header, code, flores_of.get(code), iso3, row["ID"], name, locale, scripts, family, genus, dictionary))
        written.add(code)

    aliased = set(flores_of.values())
    generated = [f for f in FLORES200 if f not in aliased]
    scripts_of_iso = {}
    for flores in FLORES200:
        iso3, script = flores.split("_")
        scripts_of_iso.setdefault(iso3, []).append(script)
    for flores in generated:
        iso3, script = flores.split("_")
        row = lookup(iso3, by_iso, f"FLORES200 {flores}")
        # Another script of a hand-written language (zho_Hant of zh) keeps that language's family and genus.
        family, genus = hand.get(row["ID"], (family_of(row, by_id, f"FLORES200 {flores}"), ""))
        name = NAMES.get(iso3, row["Name"])
        several = len(scripts_of_iso[iso3]) > 1 or row["ID"] in hand
        if several:
            name += f" ({SCRIPT_NAMES.get(script, script)} script)"
        language = ISO639_1.get(iso3, iso3)
        locale = f"{language}_{script}" if several else language
        header = ("Generated by tools/make_language_specs.py from the FLORES-200 code (script) and Glottolog (name; "
                  "genus empty: Glottolog has none); " + attribution)
        write(os.path.join(args.output, f"{flores}.yaml"),
              spec_text(header, flores, None, iso3, row["ID"], name, locale, [script], family, genus,
                        script in DICTIONARY_SCRIPTS))
        written.add(flores)

    stale = sorted(f for f in os.listdir(args.output) if f.endswith(".yaml") and f[:-5] not in written)
    if stale:
        print(f"not written by this script (remove them if they are stale): {', '.join(stale)}", file=sys.stderr)
    print(f"wrote {len(LANGUAGES)} hand-written specs ({len(flores_of)} with a FLORES-200 alias) and "
          f"{len(generated)} generated FLORES-200 specs; {release}")


if __name__ == "__main__":
    main()
