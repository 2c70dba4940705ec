#!/usr/bin/env python3
"""The XTREME-protocol reference experiments of experiments/reference-e5-*.yaml in the standard Python stack:
Hugging Face transformers models + PyTorch, on the same converted multilingual-e5-small folder, the same data files,
splits, hyper-parameters, selection rule and seeds as Polyglot's runs, writing the same per-language table.

    python3 tools/reference/xtreme_hf.py TASK --model DIR --seed N --out FILE.json [--data-root ../shared/data]

TASK is one of
  sib200   topic classification: BertForSequenceClassification ([CLS] → pooler dense + tanh → dropout → linear),
           trained on eng_Latn/train.tsv, selected on eng_Latn/dev.tsv, tested on test.tsv of the 20 shared languages;
  xcopa    multiple choice: BertForMultipleChoice, each choice encoded as the pair (premise, "<question> <choice>"),
           trained on the English machine translations of the et/id/it/sw/tr validation sets (data-gmt), selected on the
           zh one, tested on the six XCOPA test sets (the files tasks/xcopa.yaml names);
  tatoeba  zero-shot retrieval with sentence-transformers (the folder's own pooling and normalization, the prompt
           "query: " on both sides), accuracy@1 of each source sentence against the set's distinct English sentences,
           ties to the lower index, as Polyglot's RetrievalTask ranks; no training.

The hyper-parameters are read from the experiment file Polyglot runs (experiments/reference-e5-<task>.yaml).
The training loop is what Polyglot's trainer does, written with PyTorch's own pieces: examples drawn without
replacement from a fresh permutation each epoch (a batch may cross an epoch boundary), torch.optim.AdamW with
weight decay on every parameter except biases and LayerNorm weights, transformers' get_linear_schedule_with_warmup,
gradient clipping to the max norm, the experiment's dropout, evaluation on the English dev set every `every`
steps and at the last step, the best dev accuracy (strictly better replaces it) chosen for testing. The random
streams differ from Polyglot's (head initialization, order, dropout), so single runs differ; means over seeds are
what the two stacks are compared on.

Writes FILE.json: task, seed, settings, versions, wall time (training, evaluation, total), the dev curve, the
selected step and per language the test score and example count. Needs torch, transformers, sentence-transformers.
"""
import argparse
import csv
import json
import os
import platform
import random
import sys
import time

SIB200 = {
    "en": "eng_Latn", "ar": "arb_Arab", "cs": "ces_Latn", "de": "deu_Latn", "el": "ell_Grek", "fi": "fin_Latn",
    "fr": "fra_Latn", "he": "heb_Hebr", "hi": "hin_Deva", "id": "ind_Latn", "ja": "jpn_Jpan", "ko": "kor_Hang",
    "ru": "rus_Cyrl", "es": "spa_Latn", "sw": "swh_Latn", "th": "tha_Thai", "tr": "tur_Latn", "vi": "vie_Latn",
    "yo": "yor_Latn", "zh": "zho_Hans",
}
SIB200_LABELS = ["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"]
XCOPA_TRAIN = ["et", "id", "it", "sw", "tr"]
XCOPA_DEV = "zh"
XCOPA_TEST = ["et", "id", "it", "sw", "tr", "zh"]
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TATOEBA = {"ar": "ara", "cs": "ces", "zh": "cmn", "de": "deu", "el": "ell", "fi": "fin", "fr": "fra", "he": "heb",
           "hi": "hin", "hu": "hun", "id": "ind", "ja": "jpn", "ko": "kor", "nl": "nld", "ru": "rus", "es": "spa",
           "sw": "swh", "ta": "tam", "uk": "ukr", "vi": "vie"}

def settings(task, root):
    """The hyper-parameters of experiments/reference-e5-<task>.yaml, read from that file (the one Polyglot runs), so
    the two stacks cannot drift apart: token limit, batch size, learning rate, weight decay, steps, warm-up, clipping,
    evaluation interval and evaluation batch size."""
    import yaml
    path = os.path.join(root, "experiments", f"reference-e5-{task}.yaml")
    with open(path, encoding="utf-8") as f:
        e = yaml.safe_load(f)
    o, ev = e["optimization"], e.get("evaluation", {})
    if o.get("optimizer", "adamw") != "adamw" or o.get("schedule", "linear") != "linear":
        sys.exit(f"{path}: this script runs AdamW with a linear schedule only")
    if e.get("sampler", {}).get("kind") != "uniform" or len(e["tasks"]) != 1:
        sys.exit(f"{path}: this script runs one task with the uniform sampler only")
    return {"max_length": e["data"]["max_length"], "batch_size": o["batch_size"], "lr": o["lr"],
            "weight_decay": o["weight_decay"], "max_steps": o["max_steps"], "warmup_steps": o["warmup_steps"],
            "clip_norm": o["clip_norm"], "every": ev["every"], "eval_batch_size": ev.get("batch_size", 64),
            "dropout": e["model"].get("dropout", 0.1)}


def read_sib200(root, lang, split):
    path = os.path.join(root, "sib200", "annotated", SIB200[lang], f"{split}.tsv")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r["text"], SIB200_LABELS.index(r["category"])) for r in rows]


def read_xcopa(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                out.append((r["premise"], r["question"], [r["choice1"], r["choice2"]], int(r["label"])))
    return out


class EpochIterator:
    """Indices without replacement, a fresh permutation per epoch; batches cross epoch boundaries."""

    def __init__(self, count, rng):
        self.count, self.rng, self.order, self.pos = count, rng, [], count

    def next(self, n):
        out = []
        for _ in range(n):
            if self.pos == self.count:
                self.order = list(range(self.count))
                self.rng.shuffle(self.order)
                self.pos = 0
            out.append(self.order[self.pos])
            self.pos += 1
        return out


def train_and_test(task, args):
    import torch
    import transformers
    from transformers import AutoTokenizer, AutoModelForSequenceClassification, AutoModelForMultipleChoice
    from transformers import get_linear_schedule_with_warmup

    s = settings(task, REPO)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    tok = AutoTokenizer.from_pretrained(args.model)
    # Polyglot's model.dropout sets both of BERT's dropout probabilities (the head's dropout is the hidden one).
    dropout = {"hidden_dropout_prob": s["dropout"], "attention_probs_dropout_prob": s["dropout"]}
    t0 = time.perf_counter()

    if task == "sib200":
        model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=len(SIB200_LABELS), **dropout)
        train = read_sib200(args.data_root, "en", "train")
        dev = read_sib200(args.data_root, "en", "dev")
        tests = {lang: read_sib200(args.data_root, lang, "test") for lang in SIB200}

        def batch(items):
            enc = tok([t for t, _ in items], truncation=True, max_length=s["max_length"], padding=True, return_tensors="pt")
            return enc, torch.tensor([y for _, y in items])

        def predict(items):
            enc, _ = batch(items)
            return model(**enc).logits.argmax(-1).tolist()
    else:
        model = AutoModelForMultipleChoice.from_pretrained(args.model, **dropout)
        base = os.path.join(args.data_root, "xcopa")
        train = [x for lang in XCOPA_TRAIN for x in read_xcopa(os.path.join(base, "data-gmt", lang, f"val.{lang}.jsonl"))]
        dev = read_xcopa(os.path.join(base, "data-gmt", XCOPA_DEV, f"val.{XCOPA_DEV}.jsonl"))
        tests = {lang: read_xcopa(os.path.join(base, "data", lang, f"test.{lang}.jsonl")) for lang in XCOPA_TEST}

        def batch(items):
            firsts = [p for p, _, cs, _ in items for _ in cs]
            seconds = [f"{q} {c}" for _, q, cs, _ in items for c in cs]
            enc = tok(firsts, seconds, truncation=True, max_length=s["max_length"], padding=True, return_tensors="pt")
            k = len(items[0][2])
            enc = {key: v.view(len(items), k, -1) for key, v in enc.items()}
            return enc, torch.tensor([y for _, _, _, y in items])

        def predict(items):
            enc, _ = batch(items)
            return model(**enc).logits.argmax(-1).tolist()

    # Examples per forward pass: Polyglot's evaluation batch counts sequences, one per sentence or per choice.
    per_batch = s["eval_batch_size"] // (1 if task == "sib200" else 2)

    def accuracy(items):
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(items), per_batch):
                chunk = items[i:i + per_batch]
                pred = predict(chunk)
                correct += sum(int(p == it[-1]) for p, it in zip(pred, chunk))
        model.train()
        return correct / len(items)

    decay = [p for n, p in model.named_parameters() if not (n.endswith(".bias") or "LayerNorm" in n)]
    no_decay = [p for n, p in model.named_parameters() if n.endswith(".bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": s["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=s["lr"], betas=(0.9, 0.999), eps=1e-8)
    sched = get_linear_schedule_with_warmup(opt, s["warmup_steps"], s["max_steps"])
    it = EpochIterator(len(train), random.Random(args.seed))
    best, best_step, best_state, curve = -1.0, 0, None, []
    model.train()
    eval_time = 0.0
    for step in range(1, s["max_steps"] + 1):
        items = [train[i] for i in it.next(s["batch_size"])]
        enc, labels = batch(items)
        loss = model(**enc, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), s["clip_norm"])
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if step % s["every"] == 0 or step == s["max_steps"]:
            e0 = time.perf_counter()
            acc = accuracy(dev)
            eval_time += time.perf_counter() - e0
            curve.append({"step": step, "dev_accuracy": acc, "loss": loss.item()})
            print(f"step {step} loss {loss.item():.4f} dev {acc:.4f}", file=sys.stderr)
            if acc > best:
                best, best_step = acc, step
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    train_time = time.perf_counter() - t0
    model.load_state_dict(best_state)
    t1 = time.perf_counter()
    results = {lang: {"accuracy": accuracy(items), "examples": len(items)} for lang, items in tests.items()}
    test_time = time.perf_counter() - t1
    return {"settings": s, "curve": curve, "best_step": best_step, "best_dev": best, "results": results,
            "wall_s": {"train_with_dev": train_time, "dev": eval_time, "test": test_time, "total": train_time + test_time},
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__}}


def tatoeba(args):
    import torch
    import numpy as np
    import sentence_transformers
    from sentence_transformers import SentenceTransformer

    t0 = time.perf_counter()
    model = SentenceTransformer(args.model, device="cpu")
    results = {}
    for lang, code in TATOEBA.items():
        base = os.path.join(args.data_root, "tatoeba", f"tatoeba.{code}-eng")
        with open(f"{base}.{code}", encoding="utf-8") as f:
            src = f.read().split("\n")
        with open(f"{base}.eng", encoding="utf-8") as f:
            tgt = f.read().split("\n")
        if src and src[-1] == "" and tgt and tgt[-1] == "":
            src, tgt = src[:-1], tgt[:-1]
        assert len(src) == len(tgt), base
        distinct, gold = {}, []
        for t in tgt:
            gold.append(distinct.setdefault(t, len(distinct)))
        partners = list(distinct)
        a = model.encode([args.prompt + x for x in src], batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        b = model.encode([args.prompt + x for x in partners], batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        sim = a @ b.T
        best = sim.argmax(axis=1)  # numpy: first maximum, i.e. ties to the lower index
        results[lang] = {"accuracy": float(np.mean(best == np.array(gold))), "examples": len(src)}
        print(f"tatoeba {lang} {results[lang]['accuracy']:.4f}", file=sys.stderr)
    wall = time.perf_counter() - t0
    return {"settings": {"prompt": args.prompt, "max_seq_length": model.max_seq_length}, "results": results,
            "wall_s": {"total": wall},
            "versions": {"torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("task", choices=["sib200", "xcopa", "tatoeba"])
    ap.add_argument("--model", required=True, help="the folder multilingual-e5-small-q4/to_hf.py wrote")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-root", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", default="query: ", help="tatoeba: text before every sentence")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    out = tatoeba(args) if args.task == "tatoeba" else train_and_test(args.task, args)
    out.update({"task": args.task, "seed": args.seed, "model": os.path.abspath(args.model), "threads": args.threads,
                "python": platform.python_version(), "process_wall_s": time.perf_counter() - start})
    with open(args.out + ".tmp", "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
