"""Golden token ids and sentence-transformers vectors of multilingual-e5-small (the shared 4-bit image, written as a
Hugging Face + sentence-transformers folder by its to_hf.py) for Polyglot's e5 parity test.

Sentences: the first PER_FILE of every SIB-200 language's test.tsv, of every PUD treebank (`# text =` lines) and of
every Tatoeba file's non-English side, in that order. For each: the tokenizer's ids as sentence-transformers feeds
them (truncated to max_seq_length), the ids with the model card's "query: " prompt, and both vectors from
`SentenceTransformer.encode` (the folder's mean pooling and Normalize module), the second with prompt="query: ".

Writes Tests/Fixtures/models/e5_golden.json (texts, ids, sources) and Tests/Fixtures/models/e5_golden.f32
(little-endian float32, [sentence, {plain, query}, 384]).

Run: python3 tools/reference/models_e5.py [--shared ../shared] [--hf DIR (an existing to_hf.py output)]

With --check-embed BINARY it writes nothing: it runs `BINARY embed` on the fixture's sentences (the folder's
defaults, then --prompt "query: ") and prints the max |Δ| against the committed vectors per data set (exit 1 above
1e-4). This needs a Polyglot that reads e5's tokenizer.json (its Precompiled normalizer).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer

PER_FILE = 3
PROMPT = "query: "


def sentences(data):
    rows = []
    for path in sorted(glob.glob(os.path.join(data, "sib200", "annotated", "*", "test.tsv"))):
        lang = os.path.basename(os.path.dirname(path))
        with open(path, encoding="utf-8") as f:
            next(f)
            for line in f:
                rows.append({"source": f"sib200/{lang}", "text": line.rstrip("\n").split("\t")[2]})
                if sum(r["source"] == f"sib200/{lang}" for r in rows) == PER_FILE:
                    break
    for path in sorted(glob.glob(os.path.join(data, "ud", "UD_*-PUD", "*.conllu"))):
        name = os.path.basename(os.path.dirname(path))
        n = 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("# text = "):
                    rows.append({"source": f"pud/{name}", "text": line[len("# text = "):].rstrip("\n")})
                    n += 1
                    if n == PER_FILE:
                        break
    for path in sorted(glob.glob(os.path.join(data, "tatoeba", "tatoeba.*-eng.*"))):
        if path.endswith(".eng"):
            continue
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i == PER_FILE:
                    break
                rows.append({"source": f"tatoeba/{os.path.basename(path)}", "text": line.rstrip("\n")})
    return rows


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(root, "..", "shared"))
    ap.add_argument("--hf", help="an existing folder written by to_hf.py (default: convert into a temporary folder)")
    ap.add_argument("--out", default=os.path.join(root, "Tests", "Fixtures", "models", "e5_golden"))
    ap.add_argument("--check-embed", metavar="BINARY", help="compare `BINARY embed` with the committed fixture instead")
    args = ap.parse_args()
    if args.check_embed:
        return check_embed(args)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="models-e5-") as tmp:
        folder = args.hf
        if folder is None:
            folder = os.path.join(tmp, "e5")
            subprocess.run([sys.executable, os.path.join(args.shared, "models", "multilingual-e5-small-q4", "to_hf.py"), folder], check=True)
        model = SentenceTransformer(folder, device="cpu")
        model.eval()
        rows = sentences(os.path.join(args.shared, "data"))
        texts = [r["text"] for r in rows]
        tok = model.tokenizer
        max_len = model.max_seq_length
        with torch.no_grad():
            plain = model.encode(texts, batch_size=16, convert_to_numpy=True)
            query = model.encode(texts, batch_size=16, convert_to_numpy=True, prompt=PROMPT)
        for r in rows:
            r["ids"] = tok(r["text"], truncation=True, max_length=max_len)["input_ids"]
            r["query_ids"] = tok(PROMPT + r["text"], truncation=True, max_length=max_len)["input_ids"]
        modules = [type(m).__name__ for m in model]
    vectors = np.stack([plain, query], axis=1).astype("<f4")
    out = {
        "model": "multilingual-e5-small (4-bit image, to_hf.py)",
        "modules": modules,
        "max_seq_length": max_len,
        "prompt": PROMPT,
        "dim": int(vectors.shape[2]),
        "sentences": rows,
        "versions": {"transformers": transformers.__version__, "sentence_transformers": sentence_transformers.__version__,
                     "torch": torch.__version__},
    }
    with open(args.out + ".json", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    vectors.tofile(args.out + ".f32")
    tokens = sum(len(r["ids"]) + len(r["query_ids"]) for r in rows)
    print(f"wrote {args.out}.json/.f32: {len(rows)} sentences ({tokens} tokens with and without the prompt), modules {modules}")


def check_embed(args):
    fixture = json.load(open(args.out + ".json", encoding="utf-8"))
    rows = fixture["sentences"]
    golden = np.fromfile(args.out + ".f32", dtype="<f4").reshape(len(rows), 2, fixture["dim"])
    ok = True
    with tempfile.TemporaryDirectory(prefix="models-e5-check-") as tmp:
        folder = args.hf
        if folder is None:
            folder = os.path.join(tmp, "e5")
            subprocess.run([sys.executable, os.path.join(args.shared, "models", "multilingual-e5-small-q4", "to_hf.py"), folder], check=True)
        text = os.path.join(tmp, "in.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("".join(r["text"] + "\n" for r in rows))
        for variant, extra in [(0, []), (1, ["--prompt", fixture["prompt"]])]:
            out = os.path.join(tmp, f"out{variant}.tsv")
            subprocess.run([args.check_embed, "embed", "--model", folder, "--input", text, "--output", out] + extra, check=True)
            got = np.loadtxt(out, dtype=np.float64, delimiter="\t", ndmin=2)
            diff = np.abs(got - golden[:, variant, :]).max(axis=1)
            for name in ["sib200", "pud", "tatoeba"]:
                sel = [i for i, r in enumerate(rows) if r["source"].startswith(name + "/")]
                worst = float(diff[sel].max())
                ok &= worst <= 1e-4
                print(f"{'query' if variant else 'plain'} {name}: max |Δ| {worst:.2e} over {len(sel)} sentences")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
