"""Golden extractive-QA windows and predictions for Polyglot's SpanQAInputTests (Sources/Models/Inputs/SpanFeatures.swift).

For a few real XQuAD questions (English and Chinese, read at run time from <shared>/data/xquad/xquad.{en,zh}.json and
chosen by id below; at least one context gives 3+ windows at max_length 64, stride 16) and for BOTH shared tokenizers
(all-MiniLM-L6-v2's BERT WordPiece and multilingual-e5-small's XLM-R SentencePiece, each a transformers
PreTrainedTokenizerFast over the checkpoint's own tokenizer.json, which is what Polyglot reads; the e5 tokenizer.json
is the one to_hf.py copies into its folder), this runs the fast tokenizer the way HF's run_qa.py does:

    tokenizer(question, context, truncation="only_second", max_length=64, stride=16,
              return_overflowing_tokens=True, return_offsets_mapping=True)

and records per window the input_ids, token_type_ids, the first and last position of its context tokens
(sequence_ids == 1) and the start/end positions computed with run_qa's
prepare_train_features loop (first answer; (cls_index, cls_index) when the window does not hold the answer whole).
Token types come from the file's pair post-processor run over the question and each window (tokenizers'
Encoding.truncate + Tokenizer.post_process, whose ids must equal transformers'): transformers' overflowing windows
after the first keep type id 1 on the context even where the template says 0 (XLM-R's one-type template), which
would index past a one-row token-type table; such windows are marked "transformers_token_type_ids_differ".
For MiniLM it checks that AutoTokenizer on the checkpoint folder (run_qa's class) gives the same windows.

Predictions: per window, seeded numpy logits on a 1/65536 grid (stored as integer multiples of 1/65536, so float32 sums are exact, and the script checks that
the best score is unique), the gold span boosted in some examples; then the n-best search of HF's
postprocess_qa_predictions, with Polyglot's documented variant: the n_best highest start and end logits are taken
among the window's context tokens only (HF ranks all positions, then drops non-context ones); pairs with
start <= end and end - start + 1 <= max_answer_length, score start + end; best over all windows; the answer is
context[offset(start)[0]:offset(end)[1]], "" when there is no valid span. Two settings: (n_best 20, max length 30) and
(n_best 3, max length 2).

Writes Tests/Fixtures/tasks/span_qa.json: per tokenizer, per example the data file and question id (the text is not
copied into the repository), the answer's UTF-8 byte range and text, the windows, the logits and the predictions.

Run (from the repository root; needs transformers, tokenizers, numpy; a few seconds):
    python3 tools/reference/tasks_span_qa.py [--shared ../shared]
"""
import argparse
import functools
import json
import os
import sys

import numpy as np
import tokenizers
import transformers
from transformers import AutoTokenizer, PreTrainedTokenizerFast

MAX_LENGTH = 64
STRIDE = 16
SEED = 20261201
# (file, question id, boost the gold span's logits)
QUESTIONS = [
    ("xquad/xquad.en.json", "56beb4343aeaaa14008c925b", True),
    ("xquad/xquad.en.json", "5733a32bd058e614000b5f35", False),
    ("xquad/xquad.en.json", "56beb7953aeaaa14008c92ad", True),
    ("xquad/xquad.zh.json", "56beb4343aeaaa14008c925b", True),
    ("xquad/xquad.zh.json", "57339c16d058e614000b5ec6", False),
    ("xquad/xquad.zh.json", "56beb7953aeaaa14008c92ad", True),
]
SETTINGS = [(20, 30), (3, 2)]


def find(data_root, path, qid):
    with open(os.path.join(data_root, path), encoding="utf-8") as f:
        squad = json.load(f)
    for article in squad["data"]:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                if qa["id"] == qid:
                    return p["context"], qa["question"], qa["answers"][0]
    sys.exit(f"{path}: no question {qid}")


def run_qa_positions(enc, i, cls_index, start_char, end_char):
    """prepare_train_features' loop for feature i (character offsets)."""
    offsets = enc["offset_mapping"][i]
    sequence_ids = enc.sequence_ids(i)
    token_start_index = 0
    while sequence_ids[token_start_index] != 1:
        token_start_index += 1
    token_end_index = len(enc["input_ids"][i]) - 1
    while sequence_ids[token_end_index] != 1:
        token_end_index -= 1
    if not (offsets[token_start_index][0] <= start_char and offsets[token_end_index][1] >= end_char):
        return cls_index, cls_index
    while token_start_index < len(offsets) and offsets[token_start_index][0] <= start_char:
        token_start_index += 1
    start = token_start_index - 1
    while offsets[token_end_index][1] >= end_char:
        token_end_index -= 1
    end = token_end_index + 1
    # run_qa's start loop runs on into the final separator when the answer starts in the window's last context
    # token; Polyglot stops at the context (documented). The chosen questions must not hit that case.
    assert start <= end and sequence_ids[start] == 1, f"run_qa quirk at feature {i}: start {start}, end {end}"
    return start, end


def predict(windows, context, n_best, max_len):
    best = None
    runner_up = None
    for w, win in enumerate(windows):
        s, e, offs, ctx = win["start"], win["end"], win["offsets"], win["context"]
        starts = sorted(ctx, key=lambda p: (-s[p], p))[:n_best]
        ends = sorted(ctx, key=lambda p: (-e[p], p))[:n_best]
        for i in starts:
            for j in ends:
                if j < i or j - i + 1 > max_len:
                    continue
                score = s[i] + e[j]
                cand = (score, w, i, j)
                if best is None or score > best[0]:
                    runner_up, best = best, cand
                elif runner_up is None or score > runner_up[0]:
                    runner_up = cand
    if best is None:
        return {"text": "", "byte_start": None, "byte_end": None, "score": None}
    assert runner_up is None or runner_up[0] < best[0], "tied best score: change SEED"
    score, w, i, j = best
    offs = windows[w]["offsets"]
    a, b = offs[i][0], offs[j][1]
    text = context[a:b]
    byte_start = len(context[:a].encode("utf-8"))
    return {"text": text, "byte_start": byte_start, "byte_end": byte_start + len(text.encode("utf-8")), "score": score}


@functools.lru_cache(maxsize=None)
def backend(path):
    """The tokenizers Tokenizer of a tokenizer.json, without the file's truncation and padding."""
    t = tokenizers.Tokenizer.from_file(path)
    t.no_truncation()
    t.no_padding()
    return t


def template_types(backend_file, question, context, n_windows):
    """Token types of each window as the file's pair post-processor gives them: the context truncated into
    windows by tokenizers' Encoding.truncate, each window post-processed with the question. (transformers'
    overflowing windows after the first keep type id 1 on the context whatever the template says; for XLM-R's
    one-type template that is HF's bug, see the module doc.)"""
    t = backend(backend_file)
    q = t.encode(question, add_special_tokens=False)
    c = t.encode(context, add_special_tokens=False)
    c.truncate(MAX_LENGTH - len(q.ids) - t.post_processor.num_special_tokens_to_add(True), stride=STRIDE)
    windows = [c] + c.overflowing
    assert len(windows) == n_windows, f"{len(windows)} windows from Encoding.truncate, {n_windows} from transformers"
    return [t.post_process(q, w, add_special_tokens=True) for w in windows]


def build(tokenizer, name, backend_file, data_root, rng):
    out = {"name": name, "examples": []}
    cls_id = tokenizer.cls_token_id
    for path, qid, boost in QUESTIONS:
        context, question, answer = find(data_root, path, qid)
        start_char = answer["answer_start"]
        end_char = start_char + len(answer["text"])
        assert context[start_char:end_char] == answer["text"]
        enc = tokenizer(question, context, truncation="only_second", max_length=MAX_LENGTH, stride=STRIDE,
                        return_overflowing_tokens=True, return_offsets_mapping=True, return_token_type_ids=True)
        windows = []
        processed = template_types(backend_file, question, context, len(enc["input_ids"]))
        for i in range(len(enc["input_ids"])):
            ids = enc["input_ids"][i]
            assert processed[i].ids == ids, f"{qid} window {i}: post_process ids differ from transformers'"
            types = processed[i].type_ids
            seq = enc.sequence_ids(i)
            start, end = run_qa_positions(enc, i, ids.index(cls_id), start_char, end_char)
            ctx = [p for p, sid in enumerate(seq) if sid == 1]
            n = len(ids)
            # Logits are k / 65536; the fixture holds the integers k.
            sk = rng.integers(-8 * 65536, 8 * 65536, n).tolist()
            ek = rng.integers(-8 * 65536, 8 * 65536, n).tolist()
            if boost and start != 0:
                sk[start] += 12 * 65536
                ek[end] += 12 * 65536
            window = {"input_ids": ids, "token_type_ids": types, "context_positions": [ctx[0], ctx[-1]]}
            if types != enc["token_type_ids"][i]:
                window["transformers_token_type_ids_differ"] = True
            windows.append({**window,
                            "start_position": start, "end_position": end,
                            "start_logits_65536ths": sk, "end_logits_65536ths": ek,
                            "start": [k / 65536.0 for k in sk], "end": [k / 65536.0 for k in ek], "offsets": enc["offset_mapping"][i], "context": ctx})
        predictions = []
        for n_best, max_len in SETTINGS:
            p = predict(windows, context, n_best, max_len)
            p.update({"n_best": n_best, "max_answer_length": max_len})
            predictions.append(p)
        for w in windows:
            for k in ("start", "end", "offsets", "context"):
                del w[k]
        a_byte = len(context[:start_char].encode("utf-8"))
        out["examples"].append({
            "file": path, "id": qid, "answer_text": answer["text"],
            "answer_byte_start": a_byte, "answer_byte_end": a_byte + len(answer["text"].encode("utf-8")),
            "windows": windows, "predictions": predictions})
        print(f"{name} {path} {qid}: {len(windows)} windows, positions "
              f"{[(w['start_position'], w['end_position']) for w in windows]}, predictions {[p['text'] for p in predictions]}")
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(root, "..", "shared"))
    a = ap.parse_args()
    data_root = os.path.join(a.shared, "data")
    # The fast tokenizer over each tokenizer.json itself (what Polyglot reads). transformers 5's XLMRobertaTokenizer
    # (AutoTokenizer on to_hf.py's folder) rebuilds its pipeline instead (a WhitespaceSplit pre-tokenizer, no Replace
    # normalizer), so its offsets leave out the spaces the file's Metaspace tokens cover; it is not the reference here.
    minilm_dir = os.path.join(a.shared, "models", "all-MiniLM-L6-v2")
    minilm = PreTrainedTokenizerFast(tokenizer_file=os.path.join(minilm_dir, "tokenizer.json"), cls_token="[CLS]",
                                     sep_token="[SEP]", pad_token="[PAD]", unk_token="[UNK]", mask_token="[MASK]")
    e5_file = os.path.join(a.shared, "models", "multilingual-e5-small-q4", "tokenizer.json")
    e5 = PreTrainedTokenizerFast(tokenizer_file=e5_file,
                                 bos_token="<s>", eos_token="</s>", cls_token="<s>", sep_token="</s>", pad_token="<pad>",
                                 unk_token="<unk>", mask_token="<mask>")
    # For BERT, the class run_qa would load (AutoTokenizer on the checkpoint folder) gives the same windows.
    auto = AutoTokenizer.from_pretrained(minilm_dir, use_fast=True)
    for path, qid, _ in QUESTIONS:
        context, question, _ = find(data_root, path, qid)
        kw = dict(truncation="only_second", max_length=MAX_LENGTH, stride=STRIDE, return_overflowing_tokens=True,
                  return_offsets_mapping=True, return_token_type_ids=True)
        x, y = minilm(question, context, **kw), auto(question, context, **kw)
        assert all(x[k] == y[k] for k in ("input_ids", "token_type_ids", "offset_mapping")), f"AutoTokenizer differs on {qid}"
    assert minilm.is_fast and e5.is_fast
    rng = np.random.default_rng(SEED)
    fixture = {
        "generator": "tools/reference/tasks_span_qa.py",
        "transformers": transformers.__version__,
        "max_length": MAX_LENGTH, "stride": STRIDE,
        "tokenizers": [build(minilm, "all-MiniLM-L6-v2", os.path.join(minilm_dir, "tokenizer.json"), data_root, rng),
                       build(e5, "multilingual-e5-small", e5_file, data_root, rng)],
    }
    dest = os.path.join(root, "Tests", "Fixtures", "tasks", "span_qa.json")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {dest}")


if __name__ == "__main__":
    main()
