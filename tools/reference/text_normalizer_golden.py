"""Expected normalizations from HF `tokenizers` for the Swift normalizer stage tests.

    python3 tools/reference/text_normalizer_golden.py

Writes Tests/Fixtures/text/normalizers/stages.json: for each stage (its tokenizer.json object; the
Precompiled stage is named by `"charsmap": "e5"`, the blob of
../shared/models/multilingual-e5-small-q4/tokenizer.json), for each edge-case text: the normalized
text and each normalized character's original byte range (read from a tokenizer whose
pre-tokenizer isolates every character, so each token's offsets are one character's alignment)."""
import base64, json, os, sys
sys.path.insert(0, os.path.dirname(__file__))
import tokenizers
from tokenizers import Tokenizer, Regex, normalizers, pre_tokenizers
from tokenizers.models import WordLevel
from text_common import data_root

here = os.path.dirname(os.path.abspath(__file__))
out_dir = os.path.join(here, "../../Tests/Fixtures/text/normalizers")
e5 = json.load(open(os.path.join(data_root(), "../models/multilingual-e5-small-q4/tokenizer.json"), encoding="utf-8"))
charsmap = e5["normalizer"]["normalizers"][0]["precompiled_charsmap"]

TEXTS = [
    "", "a", "Hello, world!", "  padded text \t\n", "\u3000\u00a0 mixed\u2003spaces\u00a0",
    # combining sequences: decomposed, precomposed, stacked marks, Cyrillic with breve
    "a\u0301b", "e\u0301\u0323x", "\u00e9t\u00e9", "Cafe\u0301", "\u0438\u0306\u0434", "o\u0308\u0304!",
    "\u1e9b\u0323", "A\u030a\u0301", "\u0301start",
    # fullwidth, compatibility forms, ligatures, fractions, superscripts, roman numerals
    "\uff21\uff22\uff23\uff10\uff11", "\uff21\u0301z", "\ufb01x \ufb02y \ufb00", "\u00bd \u2154 x\u00b2", "\u2163 \u2122 \u2116",
    "\u3300 \u33a1 \u2460", "\uff8a\uff9e\uff76\uff9e", "\u1d2c\u1d43",
    # spaces and controls
    "a\u00a0b\u2009c\u200bd\u2060e", "\u200bab", "\x1eg", "\u2122\x1eg", "ab\x1e\x1ecd", "x\x00y", "tab\there",
    "\r\nline\r\nbreaks\n", "\x7f\x01\x02x", "\u200b\u200b\u200b", "\ufeffBOM", "soft\u00adhyphen", "\u00a0",
    # emoji: ZWJ sequences, VS16, skin tones, flags, keycaps
    "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\u2764\ufe0f love", "\U0001F44D\U0001F3FD",
    "\U0001F1EB\U0001F1F7\U0001F1E9", "1\ufe0f\u20e3", "\u263a\ufe0e",
    # Hangul: syllables, conjoining jamo, compatibility jamo, halfwidth
    "\ud55c\uad6d\uc5b4", "\u1100\u1161\u11a8", "\u3131\u314f", "\uffa1\uffc2",
    # Indic, Thai, Arabic (shaping forms, prepend), Hebrew points
    "\u0915\u094d\u0937\u093f", "\u0e01\u0e33 \u0e19\u0e49\u0e33", "\ufefb \ufe8d", "\u0600\u0661a", "\u05e9\u05c1\u05b8",
    # case and special casing
    "\u0130stanbul \u03a3\u039f\u03a6\u039f\u03a3 \u1e9e \u01c5", "\u212a\u2126 \u00df",
    # CJK compatibility ideographs, ext B, enclosed
    "\uf900\u8c48 \U00020000\U0002a6d6", "\u3250 \u32ff", "\u2f00\u2e80",
    # misc
    "\u2026 \u2018quotes\u2019 \u201cdouble\u201d \u2013\u2014", "\u00c5ngstr\u00f6m \u212b", "\u0130\u0307",
    "a" * 3 + "\u0308" * 3, "\u0041\u030a\u0323",
]

STAGES = [
    {"type": "Precompiled", "charsmap": "e5"},
    {"type": "Lowercase"},
    {"type": "StripAccents"},
    {"type": "Strip", "strip_left": True, "strip_right": True},
    {"type": "Strip", "strip_left": True, "strip_right": False},
    {"type": "Strip", "strip_left": False, "strip_right": True},
    {"type": "Prepend", "prepend": "\u2581"},
    {"type": "Prepend", "prepend": "ab"},
    {"type": "NFC"}, {"type": "NFD"}, {"type": "NFKC"}, {"type": "NFKD"},
]


def build(stage):
    t = stage["type"]
    if t == "Precompiled":
        return normalizers.Precompiled(base64.b64decode(charsmap))
    if t == "Strip":
        return normalizers.Strip(left=stage["strip_left"], right=stage["strip_right"])
    if t == "Prepend":
        return normalizers.Prepend(stage["prepend"])
    return getattr(normalizers, t)()


def byte_offsets(text, offsets):
    cb = [0]
    for ch in text:
        cb.append(cb[-1] + len(ch.encode("utf-8")))
    return [[cb[a], cb[b]] for a, b in offsets]


out = {"tokenizers_version": tokenizers.__version__, "stages": []}
for stage in STAGES:
    tok = Tokenizer(WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.normalizer = build(stage)
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    cases = []
    for text in TEXTS:
        normalized = tok.normalizer.normalize_str(text)
        offsets = byte_offsets(text, tok.encode(text, add_special_tokens=False).offsets)
        assert len(offsets) == len(normalized), (stage, text)
        cases.append({"text": text, "normalized": normalized, "offsets": offsets})
    out["stages"].append({"stage": stage, "cases": cases})
os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, "stages.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=True, indent=1)
    f.write("\n")
print(f"{len(STAGES)} stages x {len(TEXTS)} texts -> {path} ({os.path.getsize(path)} bytes)")
