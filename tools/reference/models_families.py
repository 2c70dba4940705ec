"""Tiny randomly initialised encoders of every family Polyglot imports and exports, with golden hidden states,
and the check that Polyglot's exports load back in transformers.

  golden   builds, offline, BertModel, RobertaModel, XLMRobertaModel and two DistilBertModel (learned positions;
           sinusoidal_pos_embds=True), every weight drawn at a scale where a wrong mapping shows (LayerNorm
           weights around 1, biases and matrices far from zero), saves each as a Hugging Face folder under
           Tests/Fixtures/models/families/<name>/ (config.json, model.safetensors, tokenizer.json: a tiny
           WordPiece vocabulary, Unigram for XLM-R as its tokenizer class expects; enough for `polyglot export`
           and for sentence-transformers to load the export), and writes
           Tests/Fixtures/models/families/golden.json: per model a padded batch of fixed ids (three rows of
           12, 9 and 5 tokens; BERT also with token types), its attention mask and the last hidden states.
  check    exports every fixture model with `polyglot export --sentence-transformers --normalize` (or checks the
           folders given with --exported NAME=DIR), loads each export with transformers' AutoModel (missing,
           unexpected and mismatched keys must be empty; the class must be the family's) and with
           sentence-transformers, compares hidden states on the golden batch (real tokens) and the
           sentence-transformers vectors with the mean-pooled, normalized golden states, and writes
           Tests/Fixtures/models/families/export_record.json; then runs `polyglot embed` on an exported folder with
           prompts (the default one, --prompt-name, --prompt '') against `SentenceTransformer.encode`. Exits 1 above 1e-5.

Run from the checkout:
  python3 tools/reference/models_families.py golden
  swift build -c release --product polyglot && python3 tools/reference/models_families.py check
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import transformers
from transformers import (AutoModel, BertConfig, BertModel, DistilBertConfig, DistilBertModel, RobertaConfig,
                          RobertaModel, XLMRobertaConfig, XLMRobertaModel)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "models", "families")
VOCAB, HIDDEN, LAYERS, HEADS, FFN = 64, 32, 2, 4, 64
LENGTHS = [12, 9, 5]

CLASSES = {
    "bert": "BertModel", "roberta": "RobertaModel", "xlm-roberta": "XLMRobertaModel",
    "distilbert-learned": "DistilBertModel", "distilbert-sinusoidal": "DistilBertModel",
}


def build(name):
    if name == "bert":
        c = BertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                       intermediate_size=FFN, max_position_embeddings=40, type_vocab_size=2, layer_norm_eps=1e-12)
        return BertModel(c), 0
    if name == "roberta":
        c = RobertaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                          intermediate_size=FFN, max_position_embeddings=42, type_vocab_size=1, layer_norm_eps=1e-5,
                          pad_token_id=1, bos_token_id=0, eos_token_id=2)
        return RobertaModel(c), 1
    if name == "xlm-roberta":
        c = XLMRobertaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                             intermediate_size=FFN, max_position_embeddings=34, type_vocab_size=1, layer_norm_eps=1e-5,
                             pad_token_id=1, bos_token_id=0, eos_token_id=2)
        return XLMRobertaModel(c), 1
    sinusoidal = name == "distilbert-sinusoidal"
    c = DistilBertConfig(vocab_size=VOCAB, dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS, hidden_dim=FFN,
                         max_position_embeddings=40, sinusoidal_pos_embds=sinusoidal, pad_token_id=0)
    return DistilBertModel(c), 0


def randomize(model, seed, keep_positions):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if keep_positions and "position_embeddings" in n:
                continue
            if "LayerNorm" in n or "layer_norm" in n:
                p.copy_((1.0 if n.endswith("weight") else 0.0) + 0.2 * torch.randn(p.shape, generator=g))
            elif n.endswith("bias"):
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
            else:
                scale = 1.0 if "embeddings" in n else p.shape[-1] ** -0.5
                p.copy_(scale * torch.randn(p.shape, generator=g))


def tiny_tokenizer(path, roberta, unigram=False):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    if unigram:
        # XLM-R's kind: SentencePiece Unigram over Metaspace ("▁"), <s> … </s>.
        specials = ["<s>", "<pad>", "</s>", "<unk>"]
        letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
        pieces = [(p, 0.0) for p in specials] + [("▁", -2.0)] + [("▁" + c, -3.0) for c in letters] + [(c, -4.0) for c in letters]
        assert len(pieces) <= VOCAB
        tok = Tokenizer(models.Unigram(pieces, unk_id=3))
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
        tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
        tok.save(path)
        return
    specials = ["<s>", "<pad>", "</s>", "<unk>"] if roberta else ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    pieces = specials + [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["##" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    vocab = {p: i for i, p in enumerate(pieces)}
    tok = Tokenizer(models.WordPiece(vocab, unk_token=specials[3] if roberta else "[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls, sep = (specials[0], specials[2]) if roberta else ("[CLS]", "[SEP]")
    tok.post_processor = processors.TemplateProcessing(single=f"{cls} $A {sep}", special_tokens=[(cls, vocab[cls]), (sep, vocab[sep])])
    assert len(pieces) <= VOCAB
    tok.save(path)


def batch(pad, token_types):
    g = np.random.default_rng(7)
    t = max(LENGTHS)
    ids = np.full((len(LENGTHS), t), pad, dtype=np.int64)
    mask = np.zeros((len(LENGTHS), t), dtype=np.int64)
    types = np.zeros((len(LENGTHS), t), dtype=np.int64)
    for i, n in enumerate(LENGTHS):
        ids[i, :n] = g.integers(4, VOCAB, size=n)
        mask[i, :n] = 1
        if token_types:
            types[i, n // 2:n] = 1
    return ids, mask, (types if token_types else None)


def hidden(model, ids, mask, types):
    kw = {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask)}
    if types is not None:
        kw["token_type_ids"] = torch.tensor(types)
    with torch.no_grad():
        return model(**kw).last_hidden_state.numpy()


def golden(args):
    os.makedirs(FIXTURES, exist_ok=True)
    out = {"transformers_version": transformers.__version__, "torch_version": torch.__version__, "models": {}}
    for i, name in enumerate(CLASSES):
        model, pad = build(name)
        randomize(model, seed=100 + i, keep_positions=name == "distilbert-sinusoidal")
        model.eval()
        folder = os.path.join(FIXTURES, name)
        model.save_pretrained(folder)
        tiny_tokenizer(os.path.join(folder, "tokenizer.json"), roberta=pad == 1, unigram=name == "xlm-roberta")
        ids, mask, types = batch(pad, token_types=name == "bert")
        h = hidden(model, ids, mask, types)
        out["models"][name] = {
            "class": type(model).__name__, "pad_token_id": pad, "ids": ids.tolist(), "attention_mask": mask.tolist(),
            "token_type_ids": None if types is None else types.tolist(), "shape": list(h.shape),
            "hidden": [round(float(x), 7) for x in h.reshape(-1)],
        }
    with open(os.path.join(FIXTURES, "golden.json"), "w") as f:
        json.dump(out, f)
    print(f"wrote {FIXTURES}: {', '.join(CLASSES)}")


def masked_max_diff(a, b, mask):
    m = np.asarray(mask, dtype=bool)
    return float(np.abs(a - b)[m].max())


def check(args):
    from sentence_transformers import SentenceTransformer
    gold = json.load(open(os.path.join(FIXTURES, "golden.json")))["models"]
    exported = dict(e.split("=", 1) for e in args.exported)
    record = {"transformers_version": transformers.__version__, "torch_version": torch.__version__, "models": {}}
    ok = True
    with tempfile.TemporaryDirectory(prefix="models-families-") as tmp:
        for name, g in gold.items():
            folder = exported.get(name)
            if folder is None:
                folder = os.path.join(tmp, name)
                subprocess.run([args.polyglot, "export", "--model", os.path.join(FIXTURES, name), "--output", folder,
                                "--sentence-transformers", "--normalize"], check=True)
            model, info = AutoModel.from_pretrained(folder, output_loading_info=True)
            model.eval()
            ids, mask = np.array(g["ids"]), np.array(g["attention_mask"])
            types = None if g["token_type_ids"] is None else np.array(g["token_type_ids"])
            h = hidden(model, ids, mask, types)
            want = np.array(g["hidden"], dtype=np.float32).reshape(g["shape"])
            diff = masked_max_diff(h, want, mask)
            st = SentenceTransformer(folder, device="cpu")
            modules = [type(m).__name__ for m in st]
            feats = {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask)}
            if types is not None:
                feats["token_type_ids"] = torch.tensor(types)
            with torch.no_grad():
                vec = st(feats)["sentence_embedding"].numpy()
            m = mask[:, :, None].astype(np.float64)
            pooled = (want * m).sum(1) / m.sum(1)
            pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
            st_diff = float(np.abs(vec - pooled).max())
            entry = {
                "class": type(model).__name__, "expected_class": CLASSES[name],
                "model_type": model.config.model_type,
                "files": sorted(os.path.relpath(os.path.join(r, f), folder) for r, _, fs in os.walk(folder) for f in fs),
                "missing_keys": sorted(info["missing_keys"]), "unexpected_keys": sorted(info["unexpected_keys"]),
                "mismatched_keys": [list(map(str, k)) for k in info["mismatched_keys"]],
                "max_abs_diff_hidden": diff, "sentence_transformers_modules": modules,
                "sentence_transformers_max_seq_length": st.max_seq_length, "max_abs_diff_sentence_embedding": st_diff,
            }
            good = (entry["class"] == CLASSES[name] and not entry["missing_keys"] and not entry["unexpected_keys"]
                    and not entry["mismatched_keys"] and diff <= 1e-5 and st_diff <= 1e-5
                    and modules == ["Transformer", "Pooling", "Normalize"])
            entry["ok"] = good
            ok &= good
            record["models"][name] = entry
            print(f"{name}: {entry['class']} hidden max|Δ| {diff:.2e}, sentence-transformers max|Δ| {st_diff:.2e}, "
                  f"missing {entry['missing_keys']}, unexpected {entry['unexpected_keys']} -> {'ok' if good else 'FAIL'}")
        if not args.exported:
            record["embed_prompts"] = embed_prompts(args, tmp, st_class=SentenceTransformer)
            ok &= record["embed_prompts"]["ok"]
    if args.record:
        with open(os.path.join(FIXTURES, "export_record.json"), "w") as f:
            json.dump(record, f, indent=1)
    sys.exit(0 if ok else 1)


def embed_prompts(args, tmp, st_class):
    """`polyglot embed` on a Polyglot-exported sentence-transformers folder with prompts (default "query") against
    `SentenceTransformer.encode` with the same prompt choices."""
    import shutil
    source = os.path.join(tmp, "prompted")
    shutil.copytree(os.path.join(FIXTURES, "bert"), source)
    with open(os.path.join(source, "config_sentence_transformers.json"), "w") as f:
        json.dump({"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query"}, f)
    folder = os.path.join(tmp, "prompted-export")
    subprocess.run([args.polyglot, "export", "--model", source, "--output", folder, "--sentence-transformers", "--normalize"], check=True)
    texts = ["hello world", "the cat sat on the mat", "abc"]
    text = os.path.join(tmp, "texts.txt")
    with open(text, "w") as f:
        f.write("".join(t + "\n" for t in texts))
    st = st_class(folder, device="cpu")
    out = {}
    for label, flags, kw in [("default prompt", [], {}), ("--prompt-name passage", ["--prompt-name", "passage"], {"prompt_name": "passage"}),
                             ("--prompt ''", ["--prompt", ""], {"prompt": ""})]:
        path = os.path.join(tmp, "embed.tsv")
        subprocess.run([args.polyglot, "embed", "--model", folder, "--input", text, "--output", path, "--force"] + flags, check=True)
        got = np.loadtxt(path, delimiter="\t", ndmin=2)
        want = st.encode(texts, **kw)
        out[label] = float(np.abs(got - want).max())
        print(f"embed {label}: max|Δ| against sentence-transformers {out[label]:.2e}")
    out["ok"] = all(v <= 1e-5 for v in out.values())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("golden")
    c = sub.add_parser("check")
    c.add_argument("--polyglot", default=os.path.join(ROOT, ".build", "release", "polyglot"))
    c.add_argument("--exported", action="append", default=[], metavar="NAME=DIR",
                   help="check this folder (written by polyglot export) for the fixture NAME instead of exporting")
    c.add_argument("--no-record", dest="record", action="store_false", help="do not write export_record.json")
    args = ap.parse_args()
    torch.manual_seed(0)
    golden(args) if args.command == "golden" else check(args)


if __name__ == "__main__":
    main()
