#!/usr/bin/env python3
"""Writes the committed seed corpus (Fuzz/corpus/<target>/) from the repository's fixtures and specs,
and the dictionaries (Fuzz/dict/<target>.dict).

Run from the repository root: python3 Fuzz/tools/make_seeds.py. Seeds are small valid files and a few
edge cases per target; the fuzzer mutates them. Rerunning rewrites the same files.
"""
import json, os, shutil, struct

ROOT = os.getcwd()
OUT = os.path.join(ROOT, "Fuzz", "corpus")
FIX = os.path.join(ROOT, "Tests", "Fixtures")


def put(target, name, data):
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def copy(target, name, source):
    with open(os.path.join(ROOT, source), "rb") as f:
        put(target, name, f.read())


# safetensors: the dtype fixture, and small images built here.
def st(header, data=b""):
    h = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + data

copy("safetensors", "dtypes.safetensors", "Tests/Fixtures/models/dtypes.safetensors")
put("safetensors", "empty-object.safetensors", st({}))
put("safetensors", "metadata.safetensors", st({"__metadata__": {"format": "pt"}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8))
put("safetensors", "two.safetensors", st({"a": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [0, 4]},
                                           "b": {"dtype": "I64", "shape": [], "data_offsets": [4, 12]}}, b"\1" * 12))
put("safetensors", "scalar-empty.safetensors", st({"z": {"dtype": "F16", "shape": [0, 3], "data_offsets": [0, 0]}}))
put("safetensors", "short.safetensors", b"\x10\0\0\0\0\0\0\0{}")

# tokenizer.json: one of each model, normalizer, pre-tokenizer and post-processor kind Polyglot reads.
specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
added = [{"content": c, "id": i, "special": True, "normalized": False, "lstrip": False, "rstrip": False, "single_word": False}
         for i, c in enumerate(specials)]
with open(os.path.join(FIX, "text", "bpe", "tokenizer.json")) as f:
    polyglot_bpe = json.load(f)
polyglot_normalizer = polyglot_bpe["normalizer"]
roberta_template = polyglot_bpe["post_processor"]
metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
letters = list("abcdefghijklmnopqrstuvwxyzéü日本")
bpe_vocab = {p: i for i, p in enumerate(specials + ["\u2581"] + letters + ["\u2581t", "he", "\u2581the", "in", "<0x41>"])}
bpe = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": polyglot_normalizer,
       "pre_tokenizer": metaspace, "post_processor": roberta_template, "decoder": polyglot_bpe["decoder"],
       "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                 "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                 "vocab": bpe_vocab, "merges": [["\u2581", "t"], ["h", "e"], ["\u2581t", "he"], "i n"]}}
put("tokenizer", "bpe.json", json.dumps(bpe, ensure_ascii=False))
unigram = dict(bpe)
unigram["model"] = {"type": "Unigram", "unk_id": 3, "byte_fallback": True,
                    "vocab": [[p, 0.0] for p in specials] + [[p, -1.5 - i * 0.25] for i, p in enumerate(["\u2581"] + letters + ["\u2581the", "in", "<0x41>"])]}
unigram["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True}]}
unigram["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}, {"type": "NFD"}, {"type": "StripAccents"}]}
put("tokenizer", "unigram.json", json.dumps(unigram, ensure_ascii=False))
wp_pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + letters + ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"] + ["the", "##ing", ",", "!", "."]
wordpiece = {"version": "1.0", "truncation": {"max_length": 16, "strategy": "LongestFirst", "stride": 0}, "padding": None,
             "added_tokens": [{"content": c, "id": i, "special": True} for i, c in enumerate(wp_pieces[:5])],
             "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
             "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                       "vocab": {p: i for i, p in enumerate(wp_pieces)}}}
put("tokenizer", "wordpiece.json", json.dumps(wordpiece, ensure_ascii=False))
roberta = dict(wordpiece)
roberta["model"] = {"vocab": {p: i for i, p in enumerate(wp_pieces)}}
roberta["normalizer"] = None
roberta["truncation"] = None
roberta["post_processor"] = {"type": "RobertaProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2], "trim_offsets": True, "add_prefix_space": False}
put("tokenizer", "wordpiece-untyped.json", json.dumps(roberta, ensure_ascii=False))
put("tokenizer", "no-model.json", '{"model": {"type": "Other"}, "pre_tokenizer": null}')
# The hand-built family fixtures exercise every other stage (Split, Punctuation, Digits, UnicodeScripts, ByteLevel,
# Replace, Prepend, Strip, the decoders, added-token options, truncation and padding); RoBERTa's is byte-level.
families = os.path.join(FIX, "text", "families")
for name in sorted(os.listdir(families)):
    if name.endswith(".tokenizer.json") and (name.startswith("handmade_") or name == "roberta.tokenizer.json"):
        copy("tokenizer", name.replace(".tokenizer", ""), os.path.join(families, name))

# CoNLL-U, TSV/CSV, JSONL, SQuAD, IOB2: the reader fixtures plus a few edge cases.
files = os.path.join("Tests", "Fixtures", "data", "files")
for name in ["valid.conllu", "multiword.conllu", "columns.conllu", "text_mismatch.conllu", "word_order.conllu"]:
    copy("conllu", name, os.path.join(files, name))
put("conllu", "empty-node.conllu", "# sent_id = e1\n# text = a b\n1\ta\ta\tX\t_\t_\t0\troot\t_\t_\n1.1\tx\tx\tX\t_\t_\t_\t_\t0:root\t_\n2\tb\tb\tX\t_\t_\t1\tdep\t_\tSpaceAfter=No\n\n")
put("conllu", "crlf-bom.conllu", "\ufeff# text = Hi!\r\n1-2\tHi!\t_\t_\t_\t_\t_\t_\t_\t_\r\n1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\r\n2\t!\t!\tPUNCT\t_\t_\t1\tpunct\t_\t_\r\n")
for name in ["similarity.tsv", "short_row.tsv", "duplicate_ids.tsv", "unknown_label.tsv"]:
    copy("tsv", name, os.path.join(files, name))
put("tsv", "header-only.tsv", "id\ttext\tlabel\n")
put("tsv", "blank-lines.tsv", "index_id\tcategory\ttext\n\n1\tscience/technology\tA \"quoted\" text, with commas.\n\t\t\n")
for name in ["quoted.csv", "unterminated.csv"]:
    copy("csv", name, os.path.join(files, name))
put("csv", "multiline.csv", 'id,text,label\n1,"two\nlines, ""quoted""",a\n2,plain,b\r\n3,"",c\n')
put("csv", "bad-quote.csv", 'id,text\n1,ab"c\n2,"x"y\n')
copy("jsonl", "choices.jsonl", os.path.join(files, "choices.jsonl"))
put("jsonl", "mixed.jsonl", '{"id": 1, "text": "caf\\u00e9", "ok": true, "score": 1.5e3}\n\n   \n[1, 2]\n"string"\n{"nested": {"a": [null, {}]}}\n')
for name in ["squad_valid.json", "squad_offset.json"]:
    copy("squad", name, os.path.join(files, name))
put("squad", "multiple.json", json.dumps({"version": "1.1", "data": [{"title": "T", "paragraphs": [
    {"context": "Zürich liegt am See. 東京", "qas": [
        {"id": "q1", "question": "Wo?", "answers": [{"text": "am See", "answer_start": 13}, {"text": "東京", "answer_start": 21}]},
        {"id": "q2", "question": "Nichts?", "answers": []}]}]}]}, ensure_ascii=False))
for name in ["iob1.iob2", "bad_tag.iob2"]:
    copy("iob2", name, os.path.join(files, name))
put("iob2", "uner.iob2", "# sent_id = en_pud_1\n# text = Paris is in France.\n1\tParis\tB-LOC\n2\tis\tO\n3\tin\tO\n4\tFrance\tB-LOC\n5\t.\tO\n\n"
    "# sent_id = en_pud_2\n1\tNew\tB-ORG\n2\tYork\tI-ORG\n3\tTimes\tI-ORG\n")
put("iob2", "spaces.iob2", "-DOCSTART- -X- O O\n\n1 en:EU B-ORG\n2 en:rejects O\n3 German B-MISC\n\n\n1 x I-PER\n")

# Specs: every shipped task and language spec (they are small), a few fixtures, every experiment.
for name in sorted(os.listdir(os.path.join(ROOT, "tasks"))):
    if name.endswith(".yaml"):
        copy("task-yaml", name, os.path.join("tasks", name))
for name in ["similarity.yaml", "choices.yaml", "pairs.yaml", "unknown-key.yaml", "duplicate-ids.yaml", "scoring-not-retrieval.yaml"]:
    copy("task-yaml", "fixture-" + name, os.path.join("Tests", "Fixtures", "data", "specs", name))
for name in ["en.yaml", "de.yaml", "zh.yaml", "ja.yaml", "ar.yaml", "sr.yaml", "yue.yaml", "chr.yaml"]:
    copy("language-yaml", name, os.path.join("languages", name))
put("language-yaml", "flow.yaml", '{code: xx, iso639_3: xxx, name: "X", icu_locale: xx_Latn, scripts: [Latn, Cyrl], family: F, genus: G, dictionary_segmentation: false}\n')
for name in sorted(os.listdir(os.path.join(ROOT, "experiments"))):
    if name.endswith(".yaml"):
        copy("experiment-yaml", name, os.path.join("experiments", name))
put("experiment-yaml", "minimal.yaml", "name: tiny\ntasks:\n  - name: ud-pos\n    train_languages: [en]\n")
put("experiment-yaml", "anchors.yaml", "name: &n a\nseed: 1\nmodel: &m {layers: 1}\ntasks:\n  - {name: sib200, train_languages: [en, de], eval_languages: [fr]}\n  - {name: cldr-mlm, train_languages: [en]}\n")
put("sweep-yaml", "grid.yaml", "experiment: smoke.yaml\nseeds: [1, 2, 3]\naxes:\n  optimization.lr: [0.001, 0.004]\n  model.layers: [1, 2]\nbaseline: {optimization.lr: 0.004, model.layers: 2}\nevaluate:\n  - []\n  - [--tasks, cldr-dates-month]\n")
put("sweep-yaml", "random.yaml", "experiment: smoke.yaml\nname: lr-random\nseeds: [7]\nset: {optimization.max_steps: 100}\naxes:\n  optimization.lr: {log_uniform: [1e-5, 1e-2]}\n  optimization.warmup_steps: {int_uniform: [0, 50]}\n  sampler.kind: [uniform, temperature]\n  strategy.layer_lr_decay: {uniform: [0.5, 1.0]}\nsampling: {random: 5, seed: 3}\nresamples: 200\n")
put("sweep-yaml", "seeds-only.yaml", "experiment: e.yaml\nseeds: [1]\n")
put("sweep-yaml", "points.yaml", "experiment: f.yaml\nseeds: [1, 2]\npoints:\n  - {}\n  - {stages.1.strategy.ewc: 1000}\n  - {stages.1.strategy.kind: freeze-lower, stages.1.strategy.freeze_layers: 2}\nbaseline: {}\nevaluate:\n  - [--checkpoint, last]\n")
for name in sorted(os.listdir(os.path.join(ROOT, "experiments", "sweeps"))) if os.path.isdir(os.path.join(ROOT, "experiments", "sweeps")) else []:
    if name.endswith(".yaml"):
        copy("sweep-yaml", name, os.path.join("experiments", "sweeps", name))


# Dictionaries (-dict=): tokens of each format. libFuzzer reads "..." with \\, \" and \xNN escapes.
DICT = os.path.join(ROOT, "Fuzz", "dict")


def write_dict(target, words):
    os.makedirs(DICT, exist_ok=True)
    lines = ["# libFuzzer dictionary for the %s target (written by Fuzz/tools/make_seeds.py)." % target]
    for w in words:
        out = ""
        for b in w.encode("utf-8"):
            c = chr(b)
            out += c if 32 <= b < 127 and c not in '"\\' else "\\x%02X" % b
        lines.append('"%s"' % out)
    with open(os.path.join(DICT, target + ".dict"), "w") as f:
        f.write("\n".join(lines) + "\n")


json_common = ["{", "}", "[", "]", ":", ",", '"', "null", "true", "false", "-0", "1e400", "0.5", "-1",
               "9223372036854775807", "18446744073709551616", "\\u0000", "\\ud800", '\\"']
write_dict("safetensors", json_common + ['"dtype"', '"shape"', '"data_offsets"', '"__metadata__"', '"F32"', '"F16"', '"BF16"', '"F64"',
    '"I64"', '"I32"', '"I16"', '"I8"', '"U8"', '"U16"', '"U32"', '"U64"', '"BOOL"', "\0\0\0\0\0\0\0", "\xff\xff\xff\xff"])
write_dict("tokenizer", json_common + ['"%s"' % k for k in [
    "model", "type", "vocab", "merges", "unk_token", "unk_id", "byte_fallback", "fuse_unk", "dropout", "continuing_subword_prefix",
    "end_of_word_suffix", "ignore_merges", "max_input_chars_per_word", "WordPiece", "Unigram", "BPE", "added_tokens", "content", "id",
    "normalizer", "normalizers", "Sequence", "BertNormalizer", "NFC", "NFKC", "NFD", "NFKD", "Lowercase", "StripAccents", "Replace",
    "Precompiled", "precompiled_charsmap", "pattern", "Regex", "String", "clean_text", "handle_chinese_chars", "strip_accents",
    "lowercase", "pre_tokenizer", "pretokenizers", "BertPreTokenizer", "Metaspace", "replacement", "prepend_scheme", "first", "never",
    "always", "add_prefix_space", "split", "post_processor", "TemplateProcessing", "BertProcessing", "RobertaProcessing", "single",
    "pair", "SpecialToken", "type_id", "cls", "sep", "decoder", "cleanup", "truncation", "max_length", "\u2581", "##", "<0x41>",
    " {2,}", "\\\\A +| +\\\\z"]])
write_dict("conllu", ["\t", "\n", "\n\n", "# text = ", "# sent_id = ", "# newdoc", "1-2", "1.1", "_", "SpaceAfter=No",
    "SpaceAfter=No|X=Y", "\u00a0", "\ufeff", "\r\n", "0:root"])
write_dict("tsv", ["\t", "\n", "\r\n", "\ufeff", "id", "text", "label", '""'])
write_dict("csv", [",", '"', '""', "\n", "\r\n", ',"', '",', "\ufeff"])
write_dict("jsonl", json_common + ["\n", '{"id": ', '"text"', '"choices"', '"label"'])
write_dict("squad", json_common + ['"%s"' % k for k in ["data", "title", "paragraphs", "context", "qas", "id", "question",
    "answers", "text", "answer_start", "version"]])
write_dict("iob2", ["\t", " ", "\n", "\n\n", "O", "B-", "I-", "B-PER", "I-PER", "B-LOC", "I-LOC", "# text = ", "# sent_id = ",
    "-DOCSTART-", "en:", "\u00a0"])
yaml_common = [": ", "- ", "\n", "\n  ", "{", "}", "[", "]", ", ", "&a ", "*a", "<<: ", "!!str ", "!!int ", "!!binary ", "!!float ",
               "~", "null", "true", "false", ".nan", ".inf", "-.inf", "0x10", "0o7", "1e9", "-1", "9223372036854775808", "|", ">",
               "---", "...", '"', "'", "#", "? ", "%YAML 1.1", "\t"]
write_dict("task-yaml", yaml_common + ["name", "description", "type", "format", "columns", "labels", "metrics", "major_metric",
    "data", "train", "dev", "test", "shares_head", "languages", "builtin", "generator", "target", "sizes", "seed", "scoring", "path",
    "words", "tags", "text", "text_pair", "label", "id", "classification", "tagging", "retrieval", "span", "similarity", "masked_lm",
    "conllu", "tsv", "csv", "jsonl", "squad", "iob2", "parallel", "text_file", "strip_language_prefix", "repair", "source", "en", "de"])
write_dict("language-yaml", yaml_common + ["code", "iso639_3", "name", "icu_locale", "scripts", "family", "genus",
    "dictionary_segmentation", "Latn", "Cyrl", "Hans", "Arab", "Zzzz", "en", "eng", "zh_Hans"])


def experiment_keys():
    """Every key and choice Experiment.swift spells out (CodingKeys and enum cases)."""
    import re
    words = set()
    with open(os.path.join(ROOT, "Sources", "Runs", "Experiment", "Experiment.swift")) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("case "):
                continue
            for name, raw in re.findall(r'(\w+)(?:\s*=\s*"([^"]+)")?', line[5:]):
                words.add(raw or name)
    return sorted(words)


write_dict("sweep-yaml", yaml_common + ["experiment", "name", "seeds", "set", "axes", "sampling", "baseline", "evaluate", "resamples",
                         "points", "grid", "random", "seed", "uniform", "log_uniform", "int_uniform", "optimization.lr", "model.layers"])
write_dict("experiment-yaml", yaml_common + ["ud-pos", "sib200", "cldr-mlm", "cldr-dates-month", "en", "de", "fr"] + experiment_keys())
