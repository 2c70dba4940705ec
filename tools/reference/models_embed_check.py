"""Checks `polyglot embed` end to end against the committed sentence-transformers fixture
(Tests/Fixtures/models/minilm_embeddings.json): writes the fixture's sentences to a file, runs
`polyglot embed --model <shared>/models/all-MiniLM-L6-v2 --pooling mean --normalize`, and prints the
max |Δ| overall and per language. Exits 1 above 1e-4.

Run after `swift build -c release --product polyglot`:
  /opt/refpy/bin/python tools/reference/models_embed_check.py [--polyglot .build/release/polyglot] [--shared ../shared]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--polyglot", default=os.path.join(root, ".build", "release", "polyglot"))
    ap.add_argument("--shared", default=os.path.join(root, "..", "shared"))
    args = ap.parse_args()
    fixture = json.load(open(os.path.join(root, "Tests", "Fixtures", "models", "minilm_embeddings.json"), encoding="utf-8"))
    rows = fixture["sentences"]
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.tsv")
        with open(inp, "w", encoding="utf-8") as f:
            f.writelines(r["text"] + "\n" for r in rows)
        subprocess.run([args.polyglot, "embed", "--model", os.path.join(args.shared, "models", "all-MiniLM-L6-v2"),
                        "--input", inp, "--output", out, "--pooling", "mean", "--normalize"], check=True)
        got = [[float(x) for x in line.split("\t")] for line in open(out)]
    assert len(got) == len(rows), f"{len(got)} vectors for {len(rows)} sentences"
    per_lang = {}
    for r, g in zip(rows, got):
        d = max(abs(a - b) for a, b in zip(g, r["embedding"]))
        per_lang[r["lang"]] = max(per_lang.get(r["lang"], 0.0), d)
    overall = max(per_lang.values())
    for lang in sorted(per_lang):
        print(f"{lang}\t{per_lang[lang]:.3g}")
    print(f"overall max |diff| {overall:.3g} over {len(rows)} sentences")
    sys.exit(0 if overall <= 1e-4 else 1)


if __name__ == "__main__":
    main()
