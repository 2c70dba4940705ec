"""Round trip through Polyglot: import all-MiniLM-L6-v2, export it with `polyglot export --format hf`,
load the export with HF transformers (AutoModel / AutoTokenizer) and compare its hidden states with the
original's on the embedding fixture's sentences. Writes the measured figures to
Tests/Fixtures/models/roundtrip_record.json (max |Δ| must be ≤ 1e-5; the script exits 1 otherwise).

Run after `swift build -c release --product polyglot`:
  /opt/refpy/bin/python tools/reference/models_roundtrip.py [--polyglot .build/release/polyglot] [--shared ../shared]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
import transformers
from transformers import AutoModel, AutoTokenizer


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--polyglot", default=os.path.join(root, ".build", "release", "polyglot"))
    ap.add_argument("--shared", default=os.path.join(root, "..", "shared"))
    ap.add_argument("--out", default=os.path.join(root, "Tests", "Fixtures", "models", "roundtrip_record.json"))
    args = ap.parse_args()
    source = os.path.join(args.shared, "models", "all-MiniLM-L6-v2")
    fixture = json.load(open(os.path.join(root, "Tests", "Fixtures", "models", "minilm_embeddings.json"), encoding="utf-8"))
    texts = [s["text"] for s in fixture["sentences"]]
    with tempfile.TemporaryDirectory() as tmp:
        exported = os.path.join(tmp, "minilm-hf")
        subprocess.run([args.polyglot, "export", "--model", source, "--format", "hf", "--output", exported], check=True)
        original = AutoModel.from_pretrained(source).eval()
        loaded, info = AutoModel.from_pretrained(exported, output_loading_info=True)
        loaded.eval()
        tok_orig = AutoTokenizer.from_pretrained(source)
        tok_exp = AutoTokenizer.from_pretrained(exported)
        max_diff = 0.0
        same_ids = True
        with torch.no_grad():
            for text in texts:
                a = tok_orig(text, return_tensors="pt", truncation=True, max_length=256)
                b = tok_exp(text, return_tensors="pt", truncation=True, max_length=256)
                same_ids &= torch.equal(a["input_ids"], b["input_ids"])
                ha = original(**a).last_hidden_state
                hb = loaded(**a).last_hidden_state
                max_diff = max(max_diff, (ha - hb).abs().max().item())
        record = {
            "model": "all-MiniLM-L6-v2",
            "sentences": len(texts),
            "exported_files": sorted(os.listdir(exported)),
            "missing_keys": sorted(info["missing_keys"]),
            "unexpected_keys": sorted(info["unexpected_keys"]),
            "mismatched_keys": [list(map(str, k)) for k in info["mismatched_keys"]],
            "tokenizer_ids_identical": bool(same_ids),
            "max_abs_diff_last_hidden_state": max_diff,
            "transformers_version": transformers.__version__,
            "torch_version": torch.__version__,
        }
    with open(args.out, "w") as f:
        json.dump(record, f, indent=1)
    print(json.dumps(record, indent=1))
    ok = max_diff <= 1e-5 and same_ids and not record["missing_keys"] and not record["unexpected_keys"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
