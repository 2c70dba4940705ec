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
  ud-pos   UPOS tagging: BertForTokenClassification (dropout → linear on every hidden state), each word's tag on its
           first subword (run_ner's label_all_tokens=False), words given pre-split (is_split_into_words); trained on
           English-EWT train, selected on the first max_eval_examples sentences of EWT dev, tested on the ten Parallel UD
           sets; word accuracy. A sentence longer than max_length is split into windows of whole words exactly as
           Polyglot's TaggingTask does, so no word is truncated away;
  uner     named entities (IOB2), the same model and windows; trained on Danish-DDT, selected on DDT dev, tested on the
           English, German and Chinese PUD sets; seqeval's default entity F1. An I- tag that opens a span is read as
           B- (tasks/uner.yaml's `repair: true`);
  xquad    extractive QA: BertForQuestionAnswering; run_qa's windows (question first, truncation="only_second",
           max_length, overlap a quarter of it as Polyglot's SpanQATask.docStride) and training positions (the first
           answer, (0, 0) in a window that does not hold it whole), its post-processing (n-best 20 starts and ends of
           each window's context, at most 30 tokens, the best score over all windows, the context's own characters);
           the article split of tasks/xquad.yaml; F1 and exact match by the official SQuAD v1.1 evaluation
           (metrics_reference.squad_evaluate). --predictions saves the answers;
  multitask the five tasks above on one encoder (experiments/reference-e5-multitask.yaml): each task's BertFor* model
           as in its single-task experiment, BERT's embeddings and layers shared, each head (and pooler) its own; each
           step trains one task drawn with probability ∝ training features^(1/T) on that task's batch size and head
           learning rate; selection on the mean of the tasks' dev major metrics; every task tested as above;
  tatoeba  zero-shot retrieval with sentence-transformers (the folder's own pooling and normalization, the prompt
           "query: " on both sides), accuracy@1 of each source sentence against the set's distinct English sentences,
           ties to the lower index, as Polyglot's RetrievalTask ranks; no training.

The hyper-parameters and data caps are read from the experiment file Polyglot runs (experiments/reference-e5-<task>.yaml).
In the multi-task run the task draws, example orders and head initializations come from Python's and PyTorch's own
generators, not Polyglot's, so the two stacks train on other draws of the same mixture.
Tokenization: transformers 5 loads this XLM-R tokenizer with its own pre-tokenizer (WhitespaceSplit, then Metaspace)
instead of the file's Metaspace alone, which Polyglot follows as the tokenizers library does: a text that ends in a
space loses its final "▁" token, and a word's first piece starts after its space rather than at it. That changes the
ids of 283 of the 10,010 XQuAD contexts and questions of the seven languages (each one ending in a space) and of 2
of the 4,080 SIB-200 test sentences.
The training loop is what Polyglot's trainer does, written with PyTorch's own pieces: examples drawn without
replacement from a fresh permutation each epoch (a batch may cross an epoch boundary), torch.optim.AdamW with
weight decay on every parameter except biases and LayerNorm weights, transformers' get_linear_schedule_with_warmup,
gradient clipping to the max norm, the experiment's dropout, evaluation on the English dev set every `every`
steps and at the last step, the best dev accuracy (strictly better replaces it) chosen for testing. The random
streams differ from Polyglot's (head initialization, order, dropout), so single runs differ; means over seeds are
what the two stacks are compared on.

Writes FILE.json: task, seed, settings, versions, wall time (training, evaluation, total), the dev curve, the
selected step and per language the test scores (Polyglot's metric names) and example count; for multitask the test
scores, the dev score at the selected step and the steps trained are under "tasks", per task, and "log" holds each
step's task, loss and gradient norm before clipping (as Polyglot's train.jsonl); --save-model writes the selected
weights and --predictions every task's test predictions, for comparing the two stacks' models directly.
Needs torch, transformers, sentence-transformers, seqeval, pyyaml (and scikit-learn and scipy, which
metrics_reference imports).
"""
import argparse
import csv
import json
import os
import platform
import random
import sys
import time
from types import SimpleNamespace

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
PUD = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "ru": "Russian", "zh": "Chinese",
       "ja": "Japanese", "ar": "Arabic", "hi": "Hindi", "fi": "Finnish"}
UPOS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "SCONJ",
        "SYM", "VERB", "X"]
UNER_PUD = {"en": "English", "de": "German", "zh": "Chinese"}
UNER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
XQUAD = ["en", "ar", "de", "es", "hi", "ru", "zh"]
TASKS = ["sib200", "xcopa", "ud-pos", "uner", "xquad"]
XQUAD_SPLIT = {"train": (0, 36), "dev": (36, 42), "test": (42, 48)}  # tasks/xquad.yaml's article_split
TATOEBA = {"ar": "ara", "cs": "ces", "zh": "cmn", "de": "deu", "el": "ell", "fi": "fin", "fr": "fra", "he": "heb",
           "hi": "hin", "hu": "hun", "id": "ind", "ja": "jpn", "ko": "kor", "nl": "nld", "ru": "rus", "es": "spa",
           "sw": "swh", "ta": "tam", "uk": "ukr", "vi": "vie"}

def settings(task, root):
    """The hyper-parameters of experiments/reference-e5-<task>.yaml, read from that file (the one Polyglot runs), so
    the two stacks cannot drift apart: token limit, batch size, learning rate, weight decay, steps, warm-up, clipping,
    evaluation interval and evaluation batch size."""
    path, e = experiment(task, root)
    if e.get("sampler", {}).get("kind") != "uniform" or len(e["tasks"]) != 1:
        sys.exit(f"{path}: this script runs one task with the uniform sampler only")
    return dict(common(path, e, root), task=task, head_lr_multiplier=e.get("strategy", {}).get("head_lr_multiplier", 1.0))


def multitask_settings(root):
    """experiments/reference-e5-multitask.yaml: the shared settings, the temperature sampler's T and per task (in the
    file's order) its batch size and head learning-rate multiplier, each the task's own where the file gives one."""
    path, e = experiment("multitask", root)
    sampler = e.get("sampler", {})
    if sampler.get("kind") != "temperature" or sampler.get("batching", "task-per-step") != "task-per-step" or sampler.get("cap"):
        sys.exit(f"{path}: this script runs the temperature sampler with task-per-step batching and no cap only")
    s = common(path, e, root)
    head = e.get("strategy", {}).get("head_lr_multiplier", 1.0)
    s["temperature"] = sampler.get("temperature", 2.0)
    s["tasks"] = []
    for t in e["tasks"]:
        if t["name"] not in TASKS or t.get("eval_languages"):
            sys.exit(f"{path}: task {t['name']}: this script trains {', '.join(TASKS)} on their own training languages only")
        s["tasks"].append({"task": t["name"], "batch_size": t.get("batch_size") or s["batch_size"],
                           "head_lr_multiplier": t.get("head_lr_multiplier") or head})
    s["task"] = "multitask"
    return s


def experiment(name, root):
    import yaml
    path = os.path.join(root, "experiments", f"reference-e5-{name}.yaml")
    with open(path, encoding="utf-8") as f:
        return path, yaml.safe_load(f)


def common(path, e, root):
    """The settings every task of an experiment shares, after checking that this script runs them as Polyglot does."""
    o, ev = e["optimization"], e.get("evaluation", {})
    if o.get("optimizer", "adamw") != "adamw" or o.get("schedule", "linear") != "linear" or o.get("grad_accumulation", 1) != 1:
        sys.exit(f"{path}: this script runs AdamW with a linear schedule and no gradient accumulation only")
    strategy = e.get("strategy", {})
    if strategy.get("kind", "full") != "full" or strategy.get("layer_lr_decay", 1.0) != 1.0:
        sys.exit(f"{path}: this script runs the full fine-tuning strategy without layer decay only")
    if ev.get("selection", "source-dev") != "source-dev" or ev.get("patience") or ev.get("selection_tasks"):
        sys.exit(f"{path}: this script selects on the training languages' dev data of every task, without early stopping, only")
    return {"max_length": e["data"]["max_length"], "max_train_examples": e["data"].get("max_train_examples"),
            "max_eval_examples": e["data"].get("max_eval_examples"), "batch_size": o["batch_size"], "lr": o["lr"],
            "weight_decay": o["weight_decay"], "max_steps": o["max_steps"], "warmup_steps": o["warmup_steps"],
            "clip_norm": o["clip_norm"], "every": ev["every"], "eval_batch_size": ev.get("batch_size", 64),
            "dropout": e["model"].get("dropout", 0.1), "experiment": os.path.relpath(path, root)}


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


def tagging_windows(tokens, capacity):
    """Polyglot's TaggingTask.windows: windows of whole words, `tokens[w]` subwords each, at most `capacity`
    subwords per window; each window scores the words it owns (consecutive, disjoint) and, after the first, keeps up
    to a quarter of its capacity for preceding words as left context. Returns (context, owned, end) triples."""
    out, owned = [], 0
    while owned < len(tokens):
        budget = capacity if owned == 0 else max(1, capacity - capacity // 4)
        end, used = owned + 1, tokens[owned]
        while end < len(tokens) and used + tokens[end] <= budget:
            used += tokens[end]
            end += 1
        context = owned
        while context > 0 and used + tokens[context - 1] <= capacity:
            context -= 1
            used += tokens[context]
        out.append((context, owned, end))
        owned = end
    return out


def sentence_rows(path):
    """The tab-separated rows of each sentence (blocks between blank lines, comment lines skipped)."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if rows:
                    yield rows
                rows = []
            elif not line.startswith("#"):
                rows.append(line.split("\t"))
    if rows:
        yield rows


def read_conllu(path):
    """(words, UPOS tags) per sentence; multiword-token ranges (3-4) and empty nodes (5.1) are not words."""
    sents = []
    for rows in sentence_rows(path):
        rows = [r for r in rows if "-" not in r[0] and "." not in r[0]]
        sents.append(([r[1] for r in rows], [r[3] for r in rows]))
    return sents


def read_iob2(path):
    """(words, IOB2 tags) per sentence from UNER's columns (id, word, tag); an I-X that does not continue an X span
    becomes B-X, as tasks/uner.yaml's `repair: true` makes Polyglot read it."""
    sents = []
    for rows in sentence_rows(path):
        tags = []
        for r in rows:
            tag = r[2]
            if tag.startswith("I-") and (not tags or tags[-1] == "O" or tags[-1][2:] != tag[2:]):
                tag = "B-" + tag[2:]
            tags.append(tag)
        sents.append(([r[1] for r in rows], tags))
    return sents


def read_squad(path, articles):
    """(id, question, context, answers) of the articles in the half-open range, in file order."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)["data"]
    out = []
    for article in data[articles[0]:articles[1]]:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                out.append((qa["id"], qa["question"], p["context"], qa["answers"]))
    return out


def load_data(task, root, s):
    """Training, dev and test data of the task as Polyglot's task spec lists them, with the experiment's caps (prefixes,
    as Polyglot's data.max_train_examples / max_eval_examples; test sets are whole, as `polyglot eval --max-examples 0`)."""
    train, dev, tests = load_sets(task, root)
    first = lambda xs, n: xs[:n] if n else xs
    return first(train, s["max_train_examples"]), first(dev, s["max_eval_examples"]), tests


def load_sets(task, root):
    """The whole training, dev and test sets of the task as its Polyglot task spec lists them."""
    if task == "sib200":
        return (read_sib200(root, "en", "train"), read_sib200(root, "en", "dev"),
                {lang: read_sib200(root, lang, "test") for lang in SIB200})
    if task == "xcopa":
        base = os.path.join(root, "xcopa")
        return ([x for lang in XCOPA_TRAIN for x in read_xcopa(os.path.join(base, "data-gmt", lang, f"val.{lang}.jsonl"))],
                read_xcopa(os.path.join(base, "data-gmt", XCOPA_DEV, f"val.{XCOPA_DEV}.jsonl")),
                {lang: read_xcopa(os.path.join(base, "data", lang, f"test.{lang}.jsonl")) for lang in XCOPA_TEST})
    if task == "ud-pos":
        ud = lambda name: os.path.join(root, "ud", name)
        return (read_conllu(ud("UD_English-EWT/en_ewt-ud-train.conllu")), read_conllu(ud("UD_English-EWT/en_ewt-ud-dev.conllu")),
                {lang: read_conllu(ud(f"UD_{name}-PUD/{lang}_pud-ud-test.conllu")) for lang, name in PUD.items()})
    if task == "uner":
        un = lambda name: os.path.join(root, "uner", name)
        return (read_iob2(un("UNER_Danish-DDT/da_ddt-ud-train.iob2")), read_iob2(un("UNER_Danish-DDT/da_ddt-ud-dev.iob2")),
                {lang: read_iob2(un(f"UNER_{name}-PUD/{lang}_pud-ud-test.iob2")) for lang, name in UNER_PUD.items()})
    if task == "xquad":
        xq = lambda lang: os.path.join(root, "xquad", f"xquad.{lang}.json")
        return (read_squad(xq("en"), XQUAD_SPLIT["train"]), read_squad(xq("en"), XQUAD_SPLIT["dev"]),
                {lang: read_squad(xq(lang), XQUAD_SPLIT["test"]) for lang in XQUAD})
    raise ValueError(task)


def build(task, s, args, tok, counts):
    """One task's model (a transformers BertFor* on the converted folder), encoded training data, batching and
    evaluation, as the single-task experiment runs it; `s` holds the task's settings."""
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoModelForMultipleChoice,
                              AutoModelForTokenClassification, AutoModelForQuestionAnswering)

    # Polyglot's model.dropout sets both of BERT's dropout probabilities (the head's dropout is the hidden one).
    dropout = {"hidden_dropout_prob": s["dropout"], "attention_probs_dropout_prob": s["dropout"]}
    train_items, dev, tests = load_data(task, args.data_root, s)
    if args.smoke:  # a check of the script itself, not a result: the first few examples of everything
        train_items, dev = train_items[:args.smoke], dev[:args.smoke]
        tests = {lang: items[:args.smoke] for lang, items in list(tests.items())[:3]}
    L = s["max_length"]
    pad = tok.pad_token_id

    def padded(seqs, types=None):
        """input ids (and token type ids) padded to the longest, with the attention mask."""
        n = max(len(x) for x in seqs)
        enc = {"input_ids": torch.tensor([x + [pad] * (n - len(x)) for x in seqs]),
               "attention_mask": torch.tensor([[1] * len(x) + [0] * (n - len(x)) for x in seqs])}
        if types is not None:
            enc["token_type_ids"] = torch.tensor([t + [0] * (n - len(t)) for t in types])
        return enc

    if task in ("sib200", "xcopa"):
        major = "accuracy"
        if task == "sib200":
            model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=len(SIB200_LABELS), **dropout)

            def batch(items):
                enc = tok([t for t, _ in items], truncation=True, max_length=L, padding=True, return_tensors="pt")
                return enc, torch.tensor([y for _, y in items])
        else:
            model = AutoModelForMultipleChoice.from_pretrained(args.model, **dropout)

            def batch(items):
                firsts = [p for p, _, cs, _ in items for _ in cs]
                seconds = [f"{q} {c}" for _, q, cs, _ in items for c in cs]
                enc = tok(firsts, seconds, truncation=True, max_length=L, padding=True, return_tensors="pt")
                k = len(items[0][2])
                enc = {key: v.view(len(items), k, -1) for key, v in enc.items()}
                return enc, torch.tensor([y for _, _, _, y in items])
        train = train_items
        # Examples per forward pass: Polyglot's evaluation batch counts sequences, one per sentence or per choice.
        per_batch = s["eval_batch_size"] // (1 if task == "sib200" else 2)

        def evaluate(items):
            correct = 0
            for i in range(0, len(items), per_batch):
                chunk = items[i:i + per_batch]
                enc, _ = batch(chunk)
                pred = model(**enc).logits.argmax(-1).tolist()
                correct += sum(int(p == it[-1]) for p, it in zip(pred, chunk))
            return {"accuracy": correct / len(items)}, None

    elif task in ("ud-pos", "uner"):
        # Tags on each word's first subword (-100 elsewhere, as run_ner's label_all_tokens=False); a sentence longer
        # than max_length is split into windows of whole words as Polyglot does, so no word is truncated away.
        labels = UPOS if task == "ud-pos" else UNER_LABELS
        major = "accuracy" if task == "ud-pos" else "span_f1"
        model = AutoModelForTokenClassification.from_pretrained(args.model, num_labels=len(labels), **dropout)

        def features(sents, key):
            out = []  # (ids, labels, word index per token or -1, sentence index)
            for si, (words, tags) in enumerate(sents):
                whole = tok(words, is_split_into_words=True)
                spans = [(0, 0, len(words))]
                if len(whole["input_ids"]) > L:
                    per_word = [0] * len(words)
                    for w in whole.word_ids():
                        if w is not None:
                            per_word[w] += 1
                    specials = len(whole["input_ids"]) - sum(per_word)
                    spans = tagging_windows([max(c, 1) for c in per_word], max(1, L - specials))
                    counts[f"{key}: sentences-split"] = counts.get(f"{key}: sentences-split", 0) + 1
                for context, owned, end in spans:
                    enc = whole if len(spans) == 1 else tok(words[context:end], is_split_into_words=True)
                    if len(enc["input_ids"]) > L:  # one word longer than a window: its first subwords stay
                        enc = tok(words[context:end], is_split_into_words=True, truncation=True, max_length=L)
                    ids, y, at, prev = enc["input_ids"], [], [], None
                    for w in enc.word_ids():
                        g = None if w is None else w + context
                        if g is not None and g != prev and g >= owned:
                            y.append(labels.index(tags[g]))
                            at.append(g)
                        else:
                            y.append(-100)
                            at.append(-1)
                        prev = g
                    out.append((ids, y, at, si))
            return out

        train = features(train_items, "train")
        dev = (dev, features(dev, "dev"))
        tests = {lang: (items, features(items, f"test {lang}")) for lang, items in tests.items()}

        def batch(feats):
            return padded([f[0] for f in feats]), torch.tensor([f[1] + [-100] * (max(len(g[1]) for g in feats) - len(f[1])) for f in feats])

        def evaluate(data):
            import seqeval.metrics
            sents, feats = data
            predicted = [["_"] * len(words) for words, _ in sents]  # a word with no token is never right
            for i in range(0, len(feats), s["eval_batch_size"]):
                chunk = feats[i:i + s["eval_batch_size"]]
                enc, _ = batch(chunk)
                rows = model(**enc).logits.argmax(-1).tolist()
                for f, row in zip(chunk, rows):
                    for k, w in enumerate(f[2]):
                        if w >= 0:
                            predicted[f[3]][w] = labels[row[k]]
            gold = [tags for _, tags in sents]
            words = sum(len(t) for t in gold)
            acc = sum(p == g for ps, gs in zip(predicted, gold) for p, g in zip(ps, gs)) / words
            if task == "ud-pos":
                return {"accuracy": acc}, predicted
            # seqeval's default (conlleval) entity matching; "_" is outside the scheme and ends any span.
            pred = [[p if p != "_" else "O" for p in ps] for ps in predicted]
            return {"span_f1": seqeval.metrics.f1_score(gold, pred), "accuracy": acc}, predicted

    else:  # xquad
        major = "f1"
        model = AutoModelForQuestionAnswering.from_pretrained(args.model, **dropout)
        stride, max_q = L // 4, L // 2  # Polyglot's SpanQATask.docStride and maxQuestionTokens

        def windows(items, key):
            qs = [q for _, q, _, _ in items]
            for q in qs:
                if len(tok(q, add_special_tokens=False)["input_ids"]) > max_q:
                    sys.exit(f"{key}: a question longer than {max_q} tokens; Polyglot cuts it, this script does not")
            enc = tok(qs, [c for _, _, c, _ in items], truncation="only_second", max_length=L, stride=stride,
                      return_overflowing_tokens=True, return_offsets_mapping=True)
            out = []
            for i in range(len(enc["input_ids"])):
                ex = enc["overflow_to_sample_mapping"][i]
                seq = enc.sequence_ids(i)
                ctx = [k for k, sid in enumerate(seq) if sid == 1]
                start_char = items[ex][3][0]["answer_start"] if items[ex][3] else None
                start = end = 0
                if start_char is not None:
                    # run_qa's prepare_train_features: the first answer, (CLS, CLS) = (0, 0) unless the window holds it whole
                    end_char = start_char + len(items[ex][3][0]["text"])
                    offs = enc["offset_mapping"][i]
                    a, b = ctx[0], ctx[-1]
                    if offs[a][0] <= start_char and offs[b][1] >= end_char:
                        while a < len(offs) and offs[a][0] <= start_char:
                            a += 1
                        while offs[b][1] >= end_char:
                            b -= 1
                        start, end = a - 1, b + 1
                out.append({"ids": enc["input_ids"][i], "types": enc["token_type_ids"][i] if "token_type_ids" in enc else None,
                            "example": ex, "offsets": enc["offset_mapping"][i], "context": ctx, "start": start, "end": end})
            counts[f"{key}: windows"] = len(out)
            return out

        train = windows(train_items, "train")
        dev = (dev, windows(dev, "dev"))
        tests = {lang: (items, windows(items, f"test {lang}")) for lang, items in tests.items()}

        def batch(feats):
            types = [f["types"] for f in feats] if feats[0]["types"] is not None else None
            enc = padded([f["ids"] for f in feats], types)
            enc["start_positions"] = torch.tensor([f["start"] for f in feats])
            enc["end_positions"] = torch.tensor([f["end"] for f in feats])
            return enc, None

        def evaluate(data):
            from metrics_reference import squad_evaluate
            items, feats = data
            by_example = [[] for _ in items]
            for i in range(0, len(feats), s["eval_batch_size"]):
                chunk = feats[i:i + s["eval_batch_size"]]
                enc, _ = batch(chunk)
                del enc["start_positions"], enc["end_positions"]
                out = model(**enc)
                for f, st, en in zip(chunk, out.start_logits.tolist(), out.end_logits.tolist()):
                    by_example[f["example"]].append((f, st, en))
            predictions = {}
            for (qid, _, context, _), wins in zip(items, by_example):
                # postprocess_qa_predictions: the n-best (20) starts and ends of each window's context, start <= end,
                # at most max_answer_length (30) tokens; the best start + end score over all windows wins.
                best = None
                for f, st, en in wins:
                    starts = sorted(f["context"], key=lambda p: -st[p])[:20]
                    ends = sorted(f["context"], key=lambda p: -en[p])[:20]
                    for i in starts:
                        for j in ends:
                            if j >= i and j - i + 1 <= 30 and (best is None or st[i] + en[j] > best[0]):
                                best = (st[i] + en[j], f["offsets"][i][0], f["offsets"][j][1], context)
                predictions[qid] = "" if best is None else best[3][best[1]:best[2]]
            dataset = [{"paragraphs": [{"context": c, "qas": [{"id": qid, "question": q, "answers": a}]}]} for qid, q, c, a in items]
            _, fraction = squad_evaluate(dataset, predictions)
            return {"f1": fraction["f1"], "exact_match": fraction["exact_match"]}, predictions

    return SimpleNamespace(task=task, model=model, train=train, batch=batch, evaluate=evaluate, dev=dev, tests=tests,
                                 major=major, settings=s)


def parameter_groups(parts, s):
    """Polyglot's parameter groups over the parameters of `parts` ((model, head learning-rate multiplier) pairs; a
    parameter shared by several models counted once): weight decay on all but biases and LayerNorm; everything above
    the encoder (the head, BERT's pooler) at lr times the head multiplier, as FineTuningPlan's top layer group."""
    def top(n):
        return "embeddings" not in n and ".encoder.layer." not in f".{n}"
    groups, seen = {}, set()
    for model, multiplier in parts:
        for n, p in model.named_parameters():
            if id(p) in seen:
                continue
            seen.add(id(p))
            decays = not (n.endswith(".bias") or "LayerNorm" in n)
            groups.setdefault((top(n), multiplier if top(n) else 1.0, decays), []).append(p)
    return [{"params": ps, "weight_decay": s["weight_decay"] if decays else 0.0, "lr": s["lr"] * multiplier}
            for (_, multiplier, decays), ps in sorted(groups.items(), key=lambda g: g[0])]


def train_and_test(task, args):
    """One single-task experiment (experiments/reference-e5-<task>.yaml)."""
    import torch
    from transformers import AutoTokenizer

    s = settings(task, REPO)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    tok = AutoTokenizer.from_pretrained(args.model)
    t0 = time.perf_counter()
    counts = {}
    t = build(task, s, args, tok, counts)
    t.batch_size, t.head_lr_multiplier = s["batch_size"], s["head_lr_multiplier"]
    run = fine_tune([t], s, args, t0)
    out = {"settings": s, "major_metric": t.major, "curve": [{"step": c["step"], "dev": c["dev"][task], "loss": c["loss"][task]} for c in run["curve"]],
           "best_step": run["best_step"], "best_dev": run["best_dev"][task], "results": run["results"][task],
           "encoding": counts, "wall_s": run["wall_s"], "versions": run["versions"]}
    if task == "xquad" and args.predictions:
        # The answers per language, for recomputing the scores with the official SQuAD v1.1 script.
        write_json(args.predictions, run["predictions"][task])
    return out


def train_multitask(args):
    """experiments/reference-e5-multitask.yaml: one encoder (BERT's embeddings and layers) shared by the five tasks'
    BertFor* models, each keeping its own head (and pooler, which these heads own in Polyglot too); every step trains
    one task drawn with probability proportional to its training features^(1/T), on that task's own batch size."""
    import torch
    from transformers import AutoTokenizer

    s = multitask_settings(REPO)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    tok = AutoTokenizer.from_pretrained(args.model)
    t0 = time.perf_counter()
    tasks, counts = [], {}
    for entry in s["tasks"]:
        t = build(entry["task"], s, args, tok, counts.setdefault(entry["task"], {}))
        t.batch_size, t.head_lr_multiplier = entry["batch_size"], entry["head_lr_multiplier"]
        if tasks:
            t.model.bert.embeddings = tasks[0].model.bert.embeddings
            t.model.bert.encoder = tasks[0].model.bert.encoder
        tasks.append(t)
    run = fine_tune(tasks, s, args, t0)
    if args.save_model:
        save_multitask(tasks, args.save_model)
    if args.predictions:
        write_json(args.predictions, run["predictions"])
    return {"settings": s, "tasks": {t.task: {"major_metric": t.major, "results": run["results"][t.task],
                                              "best_dev": run["best_dev"][t.task], "steps": run["steps"][t.task],
                                              "encoding": counts[t.task]} for t in tasks},
            "curve": run["curve"], "log": run["log"], "best_step": run["best_step"], "best_score": run["best_score"],
            "wall_s": run["wall_s"], "versions": run["versions"]}


def write_json(path, value):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, sort_keys=True)
    os.replace(path + ".tmp", path)


def save_multitask(tasks, path):
    """The selected weights (fine_tune leaves them loaded) under Polyglot's checkpoint names: BERT's embeddings and
    layers without the `bert.` prefix, each task's own modules (pooler, classifier) as heads.<task>.<module>, so the two
    stacks' multi-task models can be compared tensor by tensor."""
    from safetensors.torch import save_file
    out = {}
    for t in tasks:
        for n, p in t.model.state_dict().items():
            if n.startswith(("bert.embeddings.", "bert.encoder.")):
                if n.removeprefix("bert.") not in out:  # the shared encoder: copied once, not once per task
                    out[n.removeprefix("bert.")] = p.detach().clone().contiguous()
            elif not n.endswith("position_ids"):
                out[f"heads.{t.task}.{n}"] = p.detach().clone().contiguous()
    save_file(out, path + ".tmp")
    os.replace(path + ".tmp", path)


def fine_tune(tasks, s, args, t0):
    """Polyglot's trainer written with PyTorch's own pieces, for one task or several: each step trains one task (the
    only one, or one drawn by the temperature sampler) on a batch of its own size; AdamW over every parameter once
    (parameter_groups), the linear schedule, clipping of the global gradient norm; every `every` steps and at the last
    each task is scored on its dev data, the selection score is the mean of the tasks' major metrics, and the state
    at the strictly best score is tested. Returns per task the test results, predictions, dev score at the selected
    step and steps trained, with the curve and wall times."""
    import torch
    import transformers
    from transformers import get_linear_schedule_with_warmup

    if args.smoke:
        s.update(max_steps=2, every=2, warmup_steps=1)
    models = torch.nn.ModuleDict({t.task: t.model for t in tasks})
    models.train()
    opt = torch.optim.AdamW(parameter_groups([(t.model, t.head_lr_multiplier) for t in tasks], s), lr=s["lr"],
                            betas=(0.9, 0.999), eps=1e-8)
    sched = get_linear_schedule_with_warmup(opt, s["warmup_steps"], s["max_steps"])

    def scored(t, data):
        models.eval()
        with torch.no_grad():
            out = t.evaluate(data)
        models.train()
        return out

    def snapshot():
        """Every tensor of the state once (the shared encoder's are the same tensors in every model)."""
        copies, state = {}, {}
        for k, v in models.state_dict().items():
            key = (v.data_ptr(), v.dtype, tuple(v.shape))
            if key not in copies:
                copies[key] = v.detach().clone()
            state[k] = copies[key]
        return state

    if len(tasks) == 1:
        iterators = [EpochIterator(len(tasks[0].train), random.Random(args.seed))]
        draw = lambda: 0
    else:
        iterators = [EpochIterator(len(t.train), random.Random(f"{args.seed}/examples/{t.task}")) for t in tasks]
        sampler, weights = random.Random(f"{args.seed}/sampler"), [len(t.train) ** (1 / s["temperature"]) for t in tasks]
        draw = lambda: sampler.choices(range(len(tasks)), weights)[0]
    best, best_step, best_state, best_dev, curve = -float("inf"), 0, None, {}, []
    steps, last_loss, log = {t.task: 0 for t in tasks}, {}, []
    eval_time = 0.0
    for step in range(1, s["max_steps"] + 1):
        k = draw()
        t = tasks[k]
        enc, labels_ = t.batch([t.train[i] for i in iterators[k].next(t.batch_size)])
        loss = t.model(**enc, labels=labels_).loss if labels_ is not None else t.model(**enc).loss
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(models.parameters(), s["clip_norm"])
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        steps[t.task] += 1
        last_loss[t.task] = loss.item()
        log.append({"step": step, "task": t.task, "loss": last_loss[t.task], "grad_norm": norm.item()})
        if step % s["every"] == 0 or step == s["max_steps"]:
            e0 = time.perf_counter()
            dev = {u.task: scored(u, u.dev)[0] for u in tasks}
            eval_time += time.perf_counter() - e0
            score = sum(dev[u.task][u.major] for u in tasks) / len(tasks)
            curve.append({"step": step, "dev": dev, "loss": dict(last_loss), "score": score})
            print(f"step {step} loss " + " ".join(f"{n} {v:.4f}" for n, v in last_loss.items())
                  + " dev " + " ".join(f"{u.task} {u.major} {dev[u.task][u.major]:.4f}" for u in tasks), file=sys.stderr)
            if score > best:  # strictly better replaces the selected step
                best, best_step, best_state = score, step, snapshot()
                best_dev = {u.task: dev[u.task][u.major] for u in tasks}
    train_time = time.perf_counter() - t0
    models.load_state_dict(best_state)
    t1 = time.perf_counter()
    results, predictions = {}, {}
    for t in tasks:
        results[t.task], predictions[t.task] = {}, {}
        for lang, data in t.tests.items():
            metrics, predictions[t.task][lang] = scored(t, data)
            results[t.task][lang] = dict(metrics, examples=len(data[0]) if isinstance(data, tuple) else len(data))
            print(f"test {t.task} {lang} {t.major} {metrics[t.major]:.4f}", file=sys.stderr)
    test_time = time.perf_counter() - t1
    return {"results": results, "predictions": predictions, "best_dev": best_dev, "best_step": best_step, "best_score": best,
            "steps": steps, "curve": curve, "log": log,
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
    ap.add_argument("task", choices=TASKS + ["multitask", "tatoeba"])
    ap.add_argument("--model", required=True, help="the folder multilingual-e5-small-q4/to_hf.py wrote")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-root", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", default="query: ", help="tatoeba: text before every sentence")
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", type=int, default=0, metavar="N", help="check the script: 2 steps, N examples per set")
    ap.add_argument("--predictions", help="xquad: write each test language's answers by question id to this JSON file; "
                    "multitask: every task's test predictions per language (tags per word, answers, chosen labels)")
    ap.add_argument("--save-model", metavar="FILE", help="multitask: write the selected step's weights (the shared encoder once, "
                    "each task's head under heads.<task>., Polyglot's checkpoint names) to this safetensors file")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    if args.task == "tatoeba":
        out = tatoeba(args)
    elif args.task == "multitask":
        out = train_multitask(args)
    else:
        out = train_and_test(args.task, args)
    out.update({"task": args.task, "seed": args.seed, "model": os.path.abspath(args.model), "threads": args.threads,
                "python": platform.python_version(), "process_wall_s": time.perf_counter() - start})
    with open(args.out + ".tmp", "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
