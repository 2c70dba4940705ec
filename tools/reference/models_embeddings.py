"""Golden sentence embeddings for Polyglot's `embed` parity test.

Loads all-MiniLM-L6-v2 from the shared folder with sentence-transformers (mean pooling, L2 normalization),
embeds the first five test sentences of SIB-200 in nine scripts, and writes
Tests/Fixtures/models/minilm_embeddings.json with, per sentence: the language, text, the HF tokenizer's ids and
the normalized mean-pooled embedding; plus the last layer's hidden states of the first sentence (to localize a
mismatch to a layer rather than the pooling).

Run: /opt/refpy/bin/python tools/reference/models_embeddings.py [--shared ../shared]
"""
import argparse
import json
import os

import torch
from sentence_transformers import SentenceTransformer

LANGS = ["eng_Latn", "deu_Latn", "rus_Cyrl", "zho_Hans", "jpn_Jpan", "hin_Deva", "arb_Arab", "tha_Thai", "kor_Hang"]
PER_LANG = 5


def read_sentences(shared, lang):
    path = os.path.join(shared, "data", "sib200", "annotated", lang, "test.tsv")
    out = []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            out.append(parts[2])
            if len(out) == PER_LANG:
                break
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(root, "..", "shared"))
    ap.add_argument("--out", default=os.path.join(root, "Tests", "Fixtures", "models", "minilm_embeddings.json"))
    args = ap.parse_args()
    torch.manual_seed(0)
    model_dir = os.path.join(args.shared, "models", "all-MiniLM-L6-v2")
    model = SentenceTransformer(model_dir, device="cpu")
    model.eval()
    tok = model.tokenizer
    rows = []
    for lang in LANGS:
        for text in read_sentences(args.shared, lang):
            rows.append({"lang": lang, "text": text})
    texts = [r["text"] for r in rows]
    with torch.no_grad():
        emb = model.encode(texts, batch_size=8, convert_to_numpy=True, normalize_embeddings=True)
    max_len = model.max_seq_length
    for r, e in zip(rows, emb):
        r["ids"] = tok(r["text"], truncation=True, max_length=max_len)["input_ids"]
        r["embedding"] = [float(x) for x in e]
    # Last layer hidden states of the first sentence, straight from the transformer.
    bert = model[0].auto_model
    enc = tok(rows[0]["text"], return_tensors="pt")
    with torch.no_grad():
        hidden = bert(**enc).last_hidden_state[0]
    out = {
        "model": "all-MiniLM-L6-v2",
        "pooling": "mean",
        "normalize": True,
        "max_seq_length": max_len,
        "sentences": rows,
        "hidden_first": {
            "ids": enc["input_ids"][0].tolist(),
            "shape": list(hidden.shape),
            "values": [float(x) for x in hidden.reshape(-1)],
        },
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    print(f"wrote {args.out}: {len(rows)} sentences, max_seq_length {max_len}")


if __name__ == "__main__":
    main()
