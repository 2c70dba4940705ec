"""Golden outputs of HF `tokenizers` for every tokenizer.json stage Polyglot implements (issue 14):
pre-tokenizers (`pre_tokenize_str`: pieces and offsets in characters), normalizers (`normalize_str`
and each output character's original offsets), decoders (`decode`), each stage's JSON as HF writes
it, the stage objects HF refuses, and the character classes the pre-tokenizers split on, computed
through the pre-tokenizers themselves. Writes Tests/Fixtures/text/stages/*.json.

    python3 tools/reference/text_stages.py   # POLYGLOT_DATA_ROOT defaults to ../shared/data
"""
import json, os, sys, unicodedata
import tokenizers
from tokenizers import Tokenizer, Regex, models, normalizers as nm, pre_tokenizers as pt, decoders as dc
sys.path.insert(0, os.path.dirname(__file__))
from text_common import data_root, read_lines

OUT = os.path.join(os.path.dirname(__file__), "../../Tests/Fixtures/text/stages")

EDGE = [
    "", " ", "   ", "\t", "\n\n", " \t\n ", "Hello world!", "Hello  world", "  leading and trailing  ",
    "Hey friend!", "Hey   friend!", "a\tb\nc\r\nd", "don't I'm they're we've you'll he'd it's 'quoted'",
    "DON'T 'S", "x's 'x  ", "price: $3.50, 1,000,000 — 42%", "e\u0301te\u0301 cafe\u0301 na\u00efve",
    "\U0001F469\u200D\U0001F469\u200D\U0001F467 family \U0001F44D\U0001F3FD!", "中文字符测试，还有标点。",
    "どこで生れ。Yesー", "ภาษาไทยไม่มีช่องว่าง ครับ", "١٢٣ ٤٥٦ ०१२ ๑๒๓ ١٢ 12 ²³ ½ Ⅻ",
    "¡Hola! ¿Qué tal? «guillemets» „Anführung“ 『括弧』 (paren) [br] {cu} <an>",
    "a--b...c!!!d??e", "tab\tseparated\tvalues", "mixed中文and English123数字",
    "Привет, мир! Γειά σου Κόσμε", "שלום עולם", "مرحبا بالعالم", "नमस्ते दुनिया",
    "안녕하세요 세계", "snake_case and CamelCase", "a\u00A0b\u2003c\u3000d", "\u2581already\u2581marked",
    "_under_scores_", "word\u200Bjoined", "ends with space ", "  ", "x", "cr\ronly\u2028ls\u0085nel\n",
]

DATA = []  # (rel, index, text)
def load_data():
    root = data_root()
    for lang in sorted(os.listdir(os.path.join(root, "sib200/annotated"))):
        rel = f"sib200/annotated/{lang}/test.tsv"
        lines = read_lines(os.path.join(root, rel))
        DATA.append((rel, 0, lines[1].split("\t", 2)[2]))
    for tb in ["UD_Arabic-PUD", "UD_Chinese-PUD", "UD_Japanese-PUD", "UD_Hindi-PUD"]:
        d = os.path.join(root, "ud", tb)
        f = sorted(x for x in os.listdir(d) if x.endswith(".conllu"))[0]
        rel = f"ud/{tb}/{f}"
        texts = [l[len("# text = "):] for l in read_lines(os.path.join(root, rel)) if l.startswith("# text = ")]
        DATA.append((rel, 0, texts[0]))

def texts(with_data):
    out = [{"text": t} for t in EDGE]
    if with_data:
        out += [{"data": rel, "index": i} for rel, i, _ in DATA]
    return out

def text_of(entry):
    if "text" in entry: return entry["text"]
    return next(t for rel, i, t in DATA if rel == entry["data"] and i == entry["index"])

def serialized(kind, obj):
    t = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    setattr(t, kind, obj)
    return json.loads(t.to_str())[kind]

BASE = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
        "pre_tokenizer": None, "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}}

def hf_rejects(kind, obj):
    d = dict(BASE); d[kind] = obj
    try:
        Tokenizer.from_str(json.dumps(d))
        return False
    except Exception:
        return True

def pre_tokenizers():
    # (stage, multilingual texts too, pieces rewritten by the stage)
    stages = [
        (pt.ByteLevel(add_prefix_space=True), True), (pt.ByteLevel(add_prefix_space=False), False),
        (pt.ByteLevel(add_prefix_space=False, use_regex=False), False),
        (pt.Whitespace(), True), (pt.WhitespaceSplit(), False), (pt.BertPreTokenizer(), False),
        (pt.Punctuation(), False), (pt.Punctuation("removed"), False), (pt.Punctuation("merged_with_previous"), False),
        (pt.Punctuation("merged_with_next"), False), (pt.Punctuation("contiguous"), False),
        (pt.Digits(individual_digits=False), False), (pt.Digits(individual_digits=True), False),
        (pt.UnicodeScripts(), True),
        (pt.Metaspace(), False), (pt.Metaspace(prepend_scheme="first"), False), (pt.Metaspace(prepend_scheme="never"), False),
        (pt.Metaspace(prepend_scheme="always", split=False), False), (pt.Metaspace(replacement="_", prepend_scheme="always"), False),
        (pt.Split(" ", "removed"), False), (pt.Split(" ", "isolated"), False), (pt.Split(" ", "merged_with_previous"), False),
        (pt.Split(" ", "merged_with_next"), False), (pt.Split(" ", "contiguous"), False), (pt.Split("an", "isolated", invert=True), False),
        (pt.Split(Regex(r"\w+|[^\w\s]+"), "removed", invert=True), False),
        (pt.Split(Regex(r"\p{N}{1,3}"), "isolated"), False),
        (pt.Split(Regex(r"b*"), "merged_with_next"), False), (pt.Split(Regex(r"b*"), "merged_with_previous"), False),
        (pt.Split(Regex(r"[\p{P}\p{S}]"), "merged_with_previous"), False),
        # Llama 3 / GPT-4 style pattern (lookahead, case-insensitive group, possessive-free).
        (pt.Split(Regex(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"), "isolated"), True),
        # GPT-4o's (o200k) pattern: letter-case classes, possessive-free, "/" after symbols.
        (pt.Split(Regex(r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"), "isolated"), True),
        # BLOOM's pattern: a negated class holding a nested class.
        (pt.Split(Regex(" ?[^(\\s|[.,!?…。，、।۔،])]+"), "isolated"), True),
        (pt.Sequence([pt.WhitespaceSplit(), pt.Metaspace(prepend_scheme="first")]), False),
        (pt.Sequence([pt.Split(Regex(r"\s+"), "removed"), pt.Metaspace(prepend_scheme="first")]), False),
        (pt.Sequence([pt.WhitespaceSplit(), pt.ByteLevel(add_prefix_space=True)]), False),
        (pt.Sequence([pt.Punctuation(), pt.Digits(individual_digits=True), pt.Metaspace()]), False),
        (pt.Sequence([pt.Split(Regex(r"\p{N}{1,3}"), "isolated"), pt.ByteLevel(add_prefix_space=False)]), False),
    ]
    cases = []
    for stage, with_data in stages:
        entries = texts(with_data)
        results = []
        for e in entries:
            x = text_of(e)
            res = stage.pre_tokenize_str(x)
            # A piece that is the text at its offsets is given by its offsets alone.
            results.append([[s, t] if x[s:t] == p else [p, s, t] for p, (s, t) in res])
        cases.append({"stage": serialized("pre_tokenizer", stage), "texts": entries, "pieces": results})
    return cases

def normalizers():
    stages = [
        nm.Replace(Regex(" {2,}"), " "), nm.Replace(Regex(" +"), "\u2581"), nm.Replace(" ", "\u2581"),
        nm.Replace("ab", "xyz"), nm.Replace("an", ""), nm.Replace(Regex(r"\s+"), " "), nm.Replace(Regex(r"\p{N}"), "0"),
        nm.Replace(Regex("b*"), "X"), nm.Replace(Regex("^"), "<"), nm.Replace(Regex("[\u3002\uff0c]"), "."),
        nm.Replace(Regex(r"(\w)(\w)"), "$2$1"), nm.Replace(Regex("$"), "|"), nm.Replace(Regex(r"^."), "x"),
        nm.Replace(Regex(r"\s\Z"), "_"),
        nm.Sequence([nm.Replace(Regex(" {2,}"), " "), nm.Replace(" ", "\u2581")]),
    ]
    cases = []
    for stage in stages:
        t = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
        t.normalizer = stage
        t.pre_tokenizer = pt.Split(Regex(r"[\s\S]"), "isolated")
        entries = texts(stage is stages[0])
        if stage is not stages[0]:
            entries = entries[:20] + entries[len(EDGE) - 1:len(EDGE)]
        results = []
        for e in entries:
            x = text_of(e)
            n = stage.normalize_str(x)
            offs = t.encode(x, add_special_tokens=False).offsets
            assert len(offs) == len(n), (x, n, offs)
            results.append({"normalized": n, "offsets": [x for o in offs for x in o]})
        cases.append({"stage": serialized("normalizer", stage), "texts": entries, "results": results})
    return cases

DECODE_INPUTS = [
    [], [""], ["▁Hey", "▁friend", "!"], ["▁▁Hey", "▁▁you"], ["Hey", "▁you"], ["▁"], ["▁", "▁"],
    ["ĠHello", "Ġworld", "!"], ["Ġhel", "lo", "Ã", "é"], ["ä¸Ń", "æĸĩ"], ["ðŁ", "ĺ", "Ģ"], ["not", "alphabet★", "Ġx"],
    ["<0x61>", "<0xE2>", "<0x96>", "a", "<0xE2>", "<0x96>", "<0x81>", "<0xFF>", "<0x4G>"],
    ["<0xE4>", "<0xB8>", "<0xAD>", "▁x", "<0x20>", "<0x0A>"], ["<0xe4>", "<0xb8>", "<0xad>"], ["<0x>", "<0x123>"],
    ["hello", "##x", "!", "do", "n't", "I", "'m", "a", ".", "##b", "do", "not", "it", "'s", "?", "' ", "x"],
    ["##start", "mid", "##dle", ",", "end", "##</w>"], ["hel", "lo</w>", "wor", "ld</w>", "!</w>"], ["a</w>b</w>"],
    [" a ", "  b", "c", " ", "  "], ["__a__", "_", "b_"], ["<pad>", "h", "h", "<pad>", "e", "|", "|", "l", "l", "<pad>", "l", "o", "|"],
    ["e\u0301", "\u00e9", "\u00e9"],
]

def decoders():
    stages = [
        dc.Metaspace(), dc.Metaspace(prepend_scheme="never"), dc.Metaspace(prepend_scheme="first"), dc.Metaspace(replacement="_"),
        dc.ByteLevel(), dc.WordPiece(), dc.WordPiece(prefix="##", cleanup=False), dc.WordPiece(prefix="", cleanup=True),
        dc.BPEDecoder(), dc.BPEDecoder(suffix="_"), dc.ByteFallback(), dc.Fuse(),
        dc.Strip(" ", 1, 0), dc.Strip(" ", 0, 1), dc.Strip("_", 2, 2),
        dc.Replace("▁", " "), dc.Replace(Regex("▁+"), " "), dc.Replace(Regex(""), "."), dc.CTC(),
        dc.Sequence([dc.Replace("▁", " "), dc.ByteFallback(), dc.Fuse(), dc.Strip(" ", 1, 0)]),
        dc.Sequence([dc.ByteFallback(), dc.Metaspace()]),
    ]
    cases = []
    for stage in stages:
        results = []
        for toks in DECODE_INPUTS:
            try:
                results.append(stage.decode(toks))
            except BaseException:  # a Rust panic is not an Exception
                results.append(None)  # HF fails on this input
        cases.append({"stage": serialized("decoder", stage), "results": results})
    return {"inputs": DECODE_INPUTS, "cases": cases}

# Stage objects HF refuses, with the key Polyglot's error must name.
REJECTED = [
    ("pre_tokenizer", {"type": "Punctuation", "behavior": "isolated"}, "pre_tokenizer.behavior"),
    ("pre_tokenizer", {"type": "Split", "pattern": {"String": "a"}, "behavior": "Splitted", "invert": False}, "pre_tokenizer.behavior"),
    ("pre_tokenizer", {"type": "Split", "behavior": "Removed", "invert": False}, "pre_tokenizer.pattern"),
    ("pre_tokenizer", {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Removed", "invert": False}, "pre_tokenizer.pattern.Regex"),
    ("pre_tokenizer", {"type": "Split", "pattern": {"Regex": "["}, "behavior": "Removed", "invert": False}, "pre_tokenizer.pattern.Regex"),
    ("pre_tokenizer", {"type": "Split", "pattern": "a", "behavior": "Removed", "invert": False}, "pre_tokenizer.pattern"),
    ("pre_tokenizer", {"type": "Split", "pattern": {"Glob": "a"}, "behavior": "Removed", "invert": False}, "pre_tokenizer.pattern"),
    ("pre_tokenizer", {"type": "Split", "pattern": {"String": "a"}, "behavior": "Removed"}, "pre_tokenizer.invert"),
    ("pre_tokenizer", {"type": "Digits"}, "pre_tokenizer.individual_digits"),
    ("pre_tokenizer", {"type": "ByteLevel", "add_prefix_space": False}, "pre_tokenizer.trim_offsets"),
    ("pre_tokenizer", {"type": "Metaspace"}, "pre_tokenizer.replacement"),
    ("pre_tokenizer", {"type": "Metaspace", "replacement": "ab"}, "pre_tokenizer.replacement"),
    ("pre_tokenizer", {"type": "Metaspace", "replacement": "_", "prepend_scheme": "First"}, "pre_tokenizer.prepend_scheme"),
    ("pre_tokenizer", {"type": "Metaspace", "replacement": "_", "add_prefix_space": False, "prepend_scheme": "first"}, "pre_tokenizer.add_prefix_space"),
    ("pre_tokenizer", {"type": "Sequence", "pretokenizers": [{"type": "Punctuation", "behavior": "Removes"}]}, "pre_tokenizer.pretokenizers[0].behavior"),
    ("normalizer", {"type": "Replace", "pattern": {"Regex": "["}, "content": " "}, "normalizer.pattern.Regex"),
    ("normalizer", {"type": "Replace", "content": " "}, "normalizer.pattern"),
    ("normalizer", {"type": "Replace", "pattern": {"String": "a"}}, "normalizer.content"),
    ("decoder", {"type": "Metaspace"}, "decoder.replacement"),
    ("decoder", {"type": "WordPiece"}, "decoder.prefix"),
    ("decoder", {"type": "BPEDecoder"}, "decoder.suffix"),
    ("decoder", {"type": "Strip", "content": "ab", "start": 1, "stop": 0}, "decoder.content"),
    ("decoder", {"type": "Strip", "content": " "}, "decoder.start"),
    ("decoder", {"type": "Replace", "pattern": {"String": "_"}}, "decoder.content"),
    ("decoder", {"type": "CTC"}, "decoder.pad_token"),
    ("decoder", {"type": "ByteLevel"}, "decoder.add_prefix_space"),
]

def rejected():
    out = []
    for kind, obj, path in REJECTED:
        assert hf_rejects(kind, obj), (kind, obj)
        out.append({"kind": kind, "stage": obj, "path": path})
    return out

def ranges(members):
    out, start, prev = [], None, None
    for c in members:
        if start is None: start = prev = c; continue
        if c == prev + 1: prev = c; continue
        out.append([start, prev]); start = prev = c
    if start is not None: out.append([start, prev])
    return out

def classes():
    """Each class as HF decides it, over the code points assigned (and not private use) in Python's
    Unicode version, which ICU's and Oniguruma's newer versions keep."""
    ws, wss, bl = pt.Whitespace(), pt.WhitespaceSplit(), pt.ByteLevel(add_prefix_space=False, use_regex=True)
    digits, punct = pt.Digits(individual_digits=True), pt.Punctuation("removed")
    scripts = pt.UnicodeScripts()
    domain, word, space, letter, number, numeric, punc, joined = [], [], [], [], [], [], [], []
    for c in range(0x110000):
        if 0xD800 <= c < 0xE000: continue
        ch = chr(c)
        if unicodedata.category(ch) in ("Cn", "Co"): continue
        domain.append(c)
        r = ws.pre_tokenize_str("a" + ch)
        if len(r) == 1 and r[0][0] == "a" + ch: word.append(c)
        if len(wss.pre_tokenize_str("a" + ch + "a")) == 2: space.append(c)
        if len(bl.pre_tokenize_str("a" + ch)) == 1: letter.append(c)
        if len(bl.pre_tokenize_str("1" + ch)) == 1: number.append(c)
        if len(digits.pre_tokenize_str("a" + ch + "a")) == 3: numeric.append(c)
        if len(punct.pre_tokenize_str("a" + ch + "a")) == 2: punc.append(c)
        # UnicodeScripts keeps c with the code point before it (same script, or one of them fits any).
        if c > 0 and not (0xD800 <= c - 1 < 0xE000) and len(scripts.pre_tokenize_str(chr(c - 1) + ch)) == 1: joined.append(c)
    return {"unicode": unicodedata.unidata_version, "domain": ranges(domain), "word": ranges(word), "space": ranges(space),
            "letter": ranges(letter), "number": ranges(number), "numeric": ranges(numeric), "punctuation": ranges(punc),
            "sameScriptAsPrevious": ranges(joined)}

def main():
    load_data()
    os.makedirs(OUT, exist_ok=True)
    meta = {"tokenizers": tokenizers.__version__, "data": [{"data": r, "index": i} for r, i, _ in DATA]}
    parts = {"pretokenizers": pre_tokenizers(), "normalizers": normalizers(), "decoders": decoders(),
             "rejected": rejected()}
    if "--no-classes" not in sys.argv:
        parts["classes"] = classes()
    for name, value in parts.items():
        with open(os.path.join(OUT, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump({"meta": meta, name: value}, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
    for name in parts:
        print(name, os.path.getsize(os.path.join(OUT, f"{name}.json")))

if __name__ == "__main__":
    main()
