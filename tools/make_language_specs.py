#!/usr/bin/env python3
"""Writes languages/<code>.yaml from the table below (run from the repository root).

The YAML files are the source of truth the project reads; this script only keeps them uniform.
Families and genera follow WALS where it has them (Glottolog/common usage otherwise).
ISO 639-3 codes are individual languages (arb, cmn, swh, pes, zsm, ...) as in FLORES-200/SIB-200.
"""
import os

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


def quote(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def main():
    os.makedirs("languages", exist_ok=True)
    for code, iso3, name, locale, scripts, family, genus, dictionary in LANGUAGES:
        text = (
            f"code: {quote(code)}\n"
            f"iso639_3: {quote(iso3)}\n"
            f"name: {quote(name)}\n"
            f"icu_locale: {quote(locale)}\n"
            f"scripts: [{', '.join(scripts)}]\n"
            f"family: {quote(family)}\n"
            f"genus: {quote(genus)}\n"
            f"dictionary_segmentation: {'true' if dictionary else 'false'}\n"
        )
        with open(os.path.join("languages", f"{code}.yaml"), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"wrote {len(LANGUAGES)} language specs")


if __name__ == "__main__":
    main()
