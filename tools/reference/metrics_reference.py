#!/usr/bin/env python3
"""Golden values for Polyglot's Evaluation metrics.

Generates random-but-realistic inputs with a fixed seed and the outputs of the reference
implementations (scikit-learn, seqeval, scipy, numpy, and the official SQuAD v1.1 / MLQA v1
evaluation functions written out below), into Tests/Fixtures/metrics/*.json.

squad_predictions.jsonl / squad_evaluate.json: ~40 real XQuAD questions (read from $XQUAD_DIR, default
/work/shared/data/xquad) as PredictionRecord lines with seeded perturbed predictions, and what the official SQuAD v1.1
`evaluate(dataset, predictions)` (and MLQA's, per language) gives on them. prediction_scoring.json: references for
PredictionScoring's regression, tagging and retrieval metrics. Each added file has its own seed, so adding them left
the older files' values as they were.

Run:  /opt/refpy/bin/python tools/reference/metrics_reference.py
Needs: seqeval, scikit-learn, scipy, numpy.
"""
import json
import os
import random
import re
import string
import sys
import unicodedata
from collections import Counter

import numpy as np
import scipy.stats
import seqeval.metrics
from seqeval.metrics.sequence_labeling import precision_recall_fscore_support as seqeval_prfs
from seqeval.metrics.sequence_labeling import get_entities
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef, mean_squared_error, precision_recall_fscore_support

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "metrics")


def dump(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1, allow_nan=False)
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


# ---------------------------------------------------------------- classification (sklearn)
def classification(rng):
    cases = []
    for case in range(24):
        k = rng.randint(2, 7)
        n = rng.randint(5, 120)
        gold = [rng.randrange(k) for _ in range(n)]
        quality = rng.random()
        pred = [g if rng.random() < quality else rng.randrange(k + (1 if case % 5 == 0 else 0)) for g in gold]
        cases.append((gold, pred))
    # degenerate: one class everywhere (MCC is 0 by sklearn's convention), perfect, all wrong
    cases.append(([1] * 10, [1] * 10))
    cases.append(([0, 1, 2, 0, 1, 2], [0, 1, 2, 0, 1, 2]))
    cases.append(([0, 0, 1, 1], [1, 1, 0, 0]))
    cases.append(([3, 3, 3, 3], [0, 1, 2, 3]))
    out = []
    for gold, pred in cases:
        out.append({
            "gold": gold,
            "pred": pred,
            "accuracy": float(accuracy_score(gold, pred)),
            "macro_f1": float(f1_score(gold, pred, average="macro", zero_division=0)),
            "micro_f1": float(f1_score(gold, pred, average="micro", zero_division=0)),
            "mcc": float(matthews_corrcoef(gold, pred)),
            "binary_f1": float(f1_score(gold, pred, average="binary", pos_label=1, zero_division=0))
                         if set(gold) | set(pred) <= {0, 1} else None,
            "per_label": per_label(gold, pred),
        })
    # binary tasks (MRPC/QQP-style F1 of the positive class)
    for _ in range(8):
        n = rng.randint(4, 80)
        gold = [rng.randrange(2) for _ in range(n)]
        pred = [g if rng.random() < 0.75 else 1 - g for g in gold]
        out.append({"gold": gold, "pred": pred, "accuracy": float(accuracy_score(gold, pred)),
                    "macro_f1": float(f1_score(gold, pred, average="macro", zero_division=0)),
                    "micro_f1": float(f1_score(gold, pred, average="micro", zero_division=0)),
                    "mcc": float(matthews_corrcoef(gold, pred)),
                    "binary_f1": float(f1_score(gold, pred, average="binary", pos_label=1, zero_division=0)),
                    "per_label": per_label(gold, pred)})
    return out


def per_label(gold, pred):
    labels = sorted(set(gold) | set(pred))
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, average=None, zero_division=0)
    return {str(l): {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, l in enumerate(labels)}


# ---------------------------------------------------------------- sequence labelling (seqeval)
TYPES = ["PER", "LOC", "ORG", "MISC", "DATE"]


def random_iob2(rng, length):
    tags = []
    i = 0
    while i < length:
        if rng.random() < 0.35:
            t = rng.choice(TYPES)
            span = min(length - i, rng.randint(1, 4))
            tags.append("B-" + t)
            tags.extend("I-" + t for _ in range(span - 1))
            i += span
        else:
            tags.append("O")
            i += 1
    return tags


def corrupt(rng, tags, scheme_noise):
    out = list(tags)
    for j in range(len(out)):
        r = rng.random()
        if r < 0.06:
            out[j] = "O"
        elif r < 0.10:
            out[j] = rng.choice(["B-", "I-"]) + rng.choice(TYPES)
        elif r < 0.14 and out[j] != "O":
            out[j] = out[j][:2] + rng.choice(TYPES)  # wrong type, same boundary tag
        elif r < 0.18 and out[j].startswith("B-"):
            out[j] = "I-" + out[j][2:]  # I- without B- (conlleval starts a chunk)
        elif scheme_noise and r < 0.22 and out[j] != "O":
            out[j] = rng.choice(["E-", "S-"]) + out[j][2:]  # IOBES tags mixed in
    return out


def seqeval_cases(rng):
    cases = []
    for case in range(30):
        sentences = rng.randint(1, 12)
        gold, pred = [], []
        for _ in range(sentences):
            g = random_iob2(rng, rng.randint(1, 18))
            gold.append(g)
            pred.append(corrupt(rng, g, scheme_noise=(case % 4 == 3)))
        cases.append((gold, pred))
    # hand-made edge cases: I- after O, type change inside a chunk, IOB1 style, no entities at all
    cases.append(([["O", "I-PER", "I-PER", "O", "B-LOC"]], [["O", "B-PER", "I-PER", "O", "I-LOC"]]))
    cases.append(([["B-PER", "I-LOC", "I-LOC", "O"]], [["B-PER", "I-PER", "I-LOC", "O"]]))
    cases.append(([["I-ORG", "I-ORG", "B-ORG", "I-ORG", "O", "I-MISC"]], [["I-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "B-MISC"]]))
    cases.append(([["O", "O"], ["O"]], [["O", "B-PER"], ["O"]]))
    cases.append(([["B-PER", "E-PER", "S-LOC", "O"]], [["B-PER", "I-PER", "B-LOC", "O"]]))
    cases.append(([["B-LOC"], ["I-LOC", "O"]], [["B-LOC"], ["B-LOC", "O"]]))
    # tags outside the scheme (seqeval only warns): bare B/I, empty types, hyphenated types, unknown prefixes
    cases.append(([["B", "I", "O", "B-", "I-", "B-ORG-X", "I-ORG-X", "X-PER", "O"]],
                  [["B", "B", "O", "B-", "O", "B-ORG-X", "I-ORG", "X-PER", "E-PER"]]))
    cases.append(([["S-LOC", "E-LOC", "I-LOC", "O", ".", "B-PER"]], [["B-LOC", "E-LOC", "S-LOC", "O", "O", "S-PER"]]))
    out = []
    for gold, pred in cases:
        p, r, f, s = seqeval_prfs(gold, pred, average=None, zero_division=0)
        names = sorted({t for t, _, _ in get_entities(gold)} | {t for t, _, _ in get_entities(pred)})
        per_type = {name: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                    for i, name in enumerate(names)}
        out.append({
            "gold": gold,
            "pred": pred,
            "gold_entities": [[t, b, e] for t, b, e in get_entities(gold)],
            "pred_entities": [[t, b, e] for t, b, e in get_entities(pred)],
            "precision": float(seqeval.metrics.precision_score(gold, pred)),
            "recall": float(seqeval.metrics.recall_score(gold, pred)),
            "f1": float(seqeval.metrics.f1_score(gold, pred)),
            "macro_f1": float(seqeval.metrics.f1_score(gold, pred, average="macro")),
            "token_accuracy": float(seqeval.metrics.accuracy_score(gold, pred)),
            "per_type": per_type,
        })
    return out


# ---------------------------------------------------------------- SQuAD v1.1 (official evaluate-v1.1.py functions)
def squad_normalize_answer(s):
    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def squad_f1_score(prediction, ground_truth):
    prediction_tokens = squad_normalize_answer(prediction).split()
    ground_truth_tokens = squad_normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    return (2 * precision * recall) / (precision + recall)


def squad_exact_match_score(prediction, ground_truth):
    return squad_normalize_answer(prediction) == squad_normalize_answer(ground_truth)


def metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    return max(metric_fn(prediction, gt) for gt in ground_truths)


# ---------------------------------------------------------------- MLQA v1 (mlqa_evaluation_v1.py functions)
MLQA_PUNCT = {chr(i) for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith("P")}.union(string.punctuation)
WHITESPACE_LANGS = ["en", "es", "hi", "vi", "de", "ar"]
MIXED_SEGMENTATION_LANGS = ["zh"]


def whitespace_tokenize(text):
    return text.split()


def mixed_segmentation(text):
    segs_out = []
    temp_str = ""
    for char in text:
        if re.search(r"[\u4e00-\u9fa5]", char) or char in MLQA_PUNCT:
            if temp_str != "":
                segs_out.extend(whitespace_tokenize(temp_str))
                temp_str = ""
            segs_out.append(char)
        else:
            temp_str += char
    if temp_str != "":
        segs_out.extend(whitespace_tokenize(temp_str))
    return segs_out


def mlqa_normalize_answer(s, lang):
    def remove_articles(text, lang):
        if lang == "en":
            return re.sub(r"\b(a|an|the)\b", " ", text)
        elif lang == "es":
            return re.sub(r"\b(un|una|unos|unas|el|la|los|las)\b", " ", text)
        elif lang == "hi":
            return text
        elif lang == "vi":
            return re.sub(r"\b(của|là|cái|chiếc|những)\b", " ", text)
        elif lang == "de":
            return re.sub(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b", " ", text)
        elif lang == "ar":
            return re.sub(r"\sال^|ال", " ", text)
        elif lang == "zh":
            return text
        raise Exception("Unknown Language {}".format(lang))

    def white_space_fix(text, lang):
        if lang in WHITESPACE_LANGS:
            tokens = whitespace_tokenize(text)
        elif lang in MIXED_SEGMENTATION_LANGS:
            tokens = mixed_segmentation(text)
        else:
            raise Exception("Unknown Language {}".format(lang))
        return " ".join([t for t in tokens if t.strip() != ""])

    def remove_punc(text):
        return "".join(ch for ch in text if ch not in MLQA_PUNCT)

    return white_space_fix(remove_articles(remove_punc(s.lower()), lang), lang)


def mlqa_f1_score(prediction, ground_truth, lang):
    prediction_tokens = mlqa_normalize_answer(prediction, lang).split()
    ground_truth_tokens = mlqa_normalize_answer(ground_truth, lang).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    return (2 * precision * recall) / (precision + recall)


def mlqa_exact_match_score(prediction, ground_truth, lang):
    return mlqa_normalize_answer(prediction, lang) == mlqa_normalize_answer(ground_truth, lang)


ANSWERS = {
    "en": ["The Eiffel Tower", "the eiffel tower.", "An apple a day", "Paris, France", "“Quoted” text",
           "1,000 km", "café au lait", "naïve—approach", "the_end of an era", "A. Lincoln", "ΟΔΟΣ ΣΟΦΙΑΣ",
           "İstanbul", "in 1999 (approximately)", "  extra   spaces\tand\nnewlines ", "rock 'n' roll",
           "Ä\u00a0B", "U.S.A.", "½ of the cake", "an an a the", "Theatre and the arts", "«Les Misérables»",
           "¿Qué?", "50% off!", "x\u2028y", "the\u3000end", "ﬁnal answer", "e\u0301clair", "Straße"],
    "es": ["el perro de la casa", "La Casa Blanca", "unos libros y unas revistas", "los Ángeles", "¡Hola, mundo!",
           "el niño", "Las Palmas de Gran Canaria", "«un día»"],
    "de": ["die Katze und der Hund", "Der Spiegel", "ein Buch, eine Zeitung", "das Haus des Nikolaus",
           "dem Mann einen Hut", "Straße", "„Faust“"],
    "vi": ["của tôi là", "cái bàn này", "những người bạn", "Hà Nội, Việt Nam", "chiếc xe đạp của anh"],
    "zh": ["北京大学的学生", "中国，北京", "2008年北京奥运会", "“长城”", "iPhone 手机", "中华人民共和国", "上海 浦东"],
    "ar": ["الكتاب العربي", "جامعة القاهرة", "مصر، القاهرة", "المملكة العربية السعودية", "بالعربي"],
    "hi": ["हिंदी भाषा।", "भारत की राजधानी", "नई दिल्ली, भारत", "महात्मा गांधी"],
}


def mutate(rng, text):
    words = text.split()
    r = rng.random()
    if r < 0.2 and len(words) > 1:
        del words[rng.randrange(len(words))]
    elif r < 0.35:
        words.insert(rng.randrange(len(words) + 1), rng.choice(["the", "a", "el", "die", "của", "ال", "and", "的"]))
    elif r < 0.5:
        words = [w.upper() if rng.random() < 0.5 else w for w in words]
    elif r < 0.65:
        words.append(rng.choice([".", ",", "!", "…", "。", "।", "—"]))
    elif r < 0.75 and len(words) > 1:
        rng.shuffle(words)
    joiner = rng.choice([" ", " ", "  ", "\t"])
    return joiner.join(words)


# Characters chosen to exercise every rule of both normalizers: Python whitespace (incl. U+001C-U+001F, NEL, NBSP,
# ideographic space), ASCII and Unicode punctuation, articles next to punctuation and marks, full lowercase
# mappings (İ, ǅ, Deseret), final sigma, combining marks (not \w in Python's re), numerics (½, Ⅷ, ٣), CJK inside and
# outside U+4E00-U+9FA5, Arabic ال, symbols and emoji.
FUZZ_PIECES = [" ", "  ", "\t", "\n", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000", "\u200b",
               ".", ",", "!", "?", "'", '"', "-", "_", "(", ")", "$", "%", "+", "<", "=", "|", "~", "`", "^",
               "。", "、", "「", "」", "—", "…", "¿", "¡", "«", "»", "„", "“", "”", "·", "‐", "‿", "・",
               "the", "The", "THE", "a", "A", "an", "An", "el", "La", "los", "der", "Die", "das", "einem",
               "của", "là", "những", "ال", "الكتاب", "ب", "İ", "I", "ǅ", "Ǆ", "𐐀", "Σ", "ΟΔΟΣ", "σ", "ς",
               "\u0301", "\u0308", "\u0651", "\u093f", "ß", "ﬁ", "½", "Ⅷ", "٣", "²", "€", "©", "👍", "🏽",
               "北京", "大学", "龥", "鿿", "㐀", "あ", "カ", "한국", "हिंदी", "भाषा", "Việt", "café", "word", "X", "7"]


def fuzz_strings(rng, n):
    out = []
    for _ in range(n):
        out.append("".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(1, 9))))
    return out


def squad_cases(rng):
    pool = [a for v in ANSWERS.values() for a in v]
    out = []
    normalized = [{"text": t, "squad": squad_normalize_answer(t)} for t in pool + fuzz_strings(rng, 150)]
    for _ in range(80):
        base = rng.choice(pool)
        golds = [base] + [mutate(rng, base) for _ in range(rng.randint(0, 2))]
        r = rng.random()
        if r < 0.6:
            pred = mutate(rng, base)
        elif r < 0.8:
            pred = base
        else:
            pred = rng.choice(pool)
        out.append({
            "prediction": pred,
            "golds": golds,
            "exact_match": float(metric_max_over_ground_truths(squad_exact_match_score, pred, golds)),
            "f1": float(metric_max_over_ground_truths(squad_f1_score, pred, golds)),
        })
    out.append({"prediction": "", "golds": ["the"], "exact_match": float(squad_exact_match_score("", "the")),
                "f1": float(squad_f1_score("", "the"))})
    return {"normalized": normalized, "cases": out}


def mlqa_cases(rng):
    out = []
    normalized = []
    fuzz = fuzz_strings(rng, 60)
    for lang, pool in ANSWERS.items():
        for t in pool + fuzz:
            normalized.append({"text": t, "language": lang, "normalized": mlqa_normalize_answer(t, lang)})
    for lang in ANSWERS:
        pool = ANSWERS[lang]
        for _ in range(14):
            base = rng.choice(pool)
            golds = [base] + [mutate(rng, base) for _ in range(rng.randint(0, 2))]
            pred = mutate(rng, base) if rng.random() < 0.75 else rng.choice(pool)
            out.append({
                "language": lang,
                "prediction": pred,
                "golds": golds,
                "exact_match": float(max(mlqa_exact_match_score(pred, g, lang) for g in golds)),
                "f1": float(max(mlqa_f1_score(pred, g, lang) for g in golds)),
            })
    return {"normalized": normalized, "cases": out}


# ---------------------------------------------------------------- retrieval (numpy)
def retrieval(nprng):
    out = []
    for n, d, noise in [(40, 16, 0.8), (25, 8, 1.5), (60, 32, 0.5)]:
        src = nprng.standard_normal((n, d))
        tgt = src + noise * nprng.standard_normal((n, d))
        src = np.round(src, 6)
        tgt = np.round(tgt, 6)
        sn = src / np.linalg.norm(src, axis=1, keepdims=True)
        tn = tgt / np.linalg.norm(tgt, axis=1, keepdims=True)
        sim = sn @ tn.T
        s2t = float(np.mean(np.argmax(sim, axis=1) == np.arange(n)))
        t2s = float(np.mean(np.argmax(sim, axis=0) == np.arange(n)))
        out.append({"source": src.tolist(), "target": tgt.tolist(), "source_to_target": s2t, "target_to_source": t2s})
    # a similarity matrix with exact ties: numpy's argmax takes the first maximum
    sim = [[1.0, 1.0, 0.0], [0.5, 0.5, 0.5], [0.2, 0.9, 0.9]]
    a = np.array(sim)
    out.append({"similarity": sim,
                "source_to_target": float(np.mean(np.argmax(a, axis=1) == np.arange(3))),
                "target_to_source": float(np.mean(np.argmax(a, axis=0) == np.arange(3)))})
    return out


# ---------------------------------------------------------------- correlation (scipy) and percentiles (numpy)
def correlation(rng):
    out = []
    for case in range(14):
        n = rng.randint(3, 60)
        x = [rng.gauss(0, 1) for _ in range(n)]
        y = [xi * rng.uniform(-1, 1) + rng.gauss(0, 0.7) for xi in x]
        if case % 2 == 0:  # ties: scores on a 0-5 scale in steps of 0.5, as in STS
            x = [round(max(0, min(5, 2.5 + v)) * 2) / 2 for v in x]
            y = [round(max(0, min(5, 2.5 + v)) * 2) / 2 for v in y]
        if len(set(x)) < 2 or len(set(y)) < 2:
            continue
        out.append({"x": x, "y": y,
                    "pearson": float(scipy.stats.pearsonr(x, y)[0]),
                    "spearman": float(scipy.stats.spearmanr(x, y)[0]),
                    "ranks_x": scipy.stats.rankdata(x).tolist()})
    return out


def percentiles(rng):
    out = []
    for n in [1, 2, 5, 17, 100, 1000]:
        v = [rng.gauss(70, 5) for _ in range(n)]
        qs = [0.0, 2.5, 5.0, 25.0, 50.0, 97.5, 100.0]
        out.append({"values": v, "q": qs, "percentiles": [float(np.percentile(v, q)) for q in qs]})
    return out


# ---------------------------------------------------------------- SQuAD v1.1 / MLQA whole-file evaluate on saved predictions
XQUAD = os.environ.get("XQUAD_DIR", "/work/shared/data/xquad")
# language → questions taken (MLQA's script covers en, es, de, ar, hi, vi, zh; XQuAD has no vi)
SQUAD_FILE_LANGS = [("en", 20), ("de", 8), ("zh", 6), ("ar", 6)]
ARTICLE = {"en": "the", "de": "die", "es": "el", "zh": "", "ar": "ال"}


def squad_evaluate(dataset, predictions):
    """The official SQuAD v1.1 `evaluate(dataset, predictions)`: every question of the dataset counts (a missing
    prediction scores 0), each scored as the max over its ground truths; means ×100."""
    f1 = exact_match = total = 0
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                total += 1
                if qa["id"] not in predictions:
                    continue
                ground_truths = [a["text"] for a in qa["answers"]]
                prediction = predictions[qa["id"]]
                exact_match += metric_max_over_ground_truths(squad_exact_match_score, prediction, ground_truths)
                f1 += metric_max_over_ground_truths(squad_f1_score, prediction, ground_truths)
    return {"exact_match": 100.0 * exact_match / total, "f1": 100.0 * f1 / total}, \
           {"exact_match": exact_match / total, "f1": f1 / total}


def mlqa_evaluate(dataset, predictions, lang):
    """MLQA's `evaluate(dataset, predictions, lang)` (mlqa_evaluation_v1.py): as SQuAD's with MLQA's normalization."""
    f1 = exact_match = total = 0
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                total += 1
                if qa["id"] not in predictions:
                    continue
                ground_truths = [a["text"] for a in qa["answers"]]
                prediction = predictions[qa["id"]]
                exact_match += max(mlqa_exact_match_score(prediction, g, lang) for g in ground_truths)
                f1 += max(mlqa_f1_score(prediction, g, lang) for g in ground_truths)
    return {"exact_match": 100.0 * exact_match / total, "f1": 100.0 * f1 / total}, \
           {"exact_match": exact_match / total, "f1": f1 / total}


def perturb_answer(rng, kind, answer, context, start, lang, other):
    """A deterministic, seeded wrong-or-right prediction of one answer."""
    if kind == "exact":
        return answer
    if kind == "article_punct":
        art = ARTICLE[lang]
        # "the 308." / "die Antwort," / Arabic ال glued to the word / Chinese: full-width punctuation only
        if lang == "ar":
            return art + answer + rng.choice([".", "،", "!"])
        return (art + " " if art else "") + answer + rng.choice([".", ",", "!", "。", "?"])
    if kind == "drop_word":
        words = answer.split()
        if len(words) > 1:
            del words[rng.randrange(len(words))]
            return " ".join(words)
        if len(answer) > 1:  # one word (or unsegmented Chinese): drop a character
            j = rng.randrange(len(answer))
            return answer[:j] + answer[j + 1:]
        return ""
    if kind == "longer_span":
        end = start + len(answer)
        assert context[start:end] == answer, (context[start:end], answer)
        left = max(0, start - rng.randint(0, 25))
        right = min(len(context), end + rng.randint(5, 40))
        return context[left:right].strip()
    if kind == "empty":
        return ""
    if kind == "other_answer":
        return other
    raise ValueError(kind)


PERTURBATIONS = ["exact", "article_punct", "drop_word", "longer_span", "empty", "other_answer"]


def squad_prediction_file():
    rng = random.Random(20261201)
    records, combined, per_language = [], [], {}
    for lang, count in SQUAD_FILE_LANGS:
        with open(os.path.join(XQUAD, f"xquad.{lang}.json"), encoding="utf-8") as f:
            data = json.load(f)["data"]
        qas = [(qa, p["context"]) for a in data for p in a["paragraphs"] for qa in p["qas"]]
        chosen = sorted(rng.sample(range(len(qas)), count))
        lang_dataset = {"title": f"xquad.{lang}", "paragraphs": []}
        predictions = {}
        for k, qi in enumerate(chosen):
            qa, context = qas[qi]
            answer = qa["answers"][0]
            kind = PERTURBATIONS[k % len(PERTURBATIONS)] if k < len(PERTURBATIONS) else rng.choice(PERTURBATIONS)
            other = qas[rng.choice([j for j in chosen if j != qi])][0]["answers"][0]["text"]
            pred = perturb_answer(rng, kind, answer["text"], context, answer["answer_start"], lang, other)
            rid = f"{lang}/{qa['id']}"
            predictions[rid] = pred
            lang_dataset["paragraphs"].append({"context": context, "qas": [dict(qa, id=rid)]})
            records.append({"id": rid, "gold": [a["text"] for a in qa["answers"]], "predicted": pred, "_kind": kind,
                            "_lang": lang})
        combined.append(lang_dataset)
        squad100, squad = squad_evaluate([lang_dataset], predictions)
        mlqa100, mlqa = mlqa_evaluate([lang_dataset], predictions, lang)
        per_language[lang] = {"count": count, "squad": squad, "squad_x100": squad100, "mlqa": mlqa, "mlqa_x100": mlqa100}
    all_predictions = {r["id"]: r["predicted"] for r in records}
    whole100, whole = squad_evaluate(combined, all_predictions)
    path = os.path.join(OUT, "squad_predictions.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps({"id": r["id"], "gold": r["gold"], "predicted": r["predicted"]}, ensure_ascii=False) + "\n")
    print(f"{path}: {os.path.getsize(path)} bytes")
    return {
        "source": "XQuAD (deepmind/xquad) questions; predictions are seeded perturbations of the gold answer",
        "predictions_file": "squad_predictions.jsonl",
        "count": len(records),
        "kinds": {r["id"]: r["_kind"] for r in records},
        "official_x100": whole100,
        "exact_match": whole["exact_match"],
        "f1": whole["f1"],
        "per_language": per_language,
    }


# ---------------------------------------------------------------- PredictionScoring references (regression, tagging, retrieval)
def regression_scoring(correlation_cases):
    """The correlation fixture's inputs (x as gold, y as predicted) with sklearn's MSE and scipy's correlations."""
    out = []
    for c in correlation_cases:
        gold, pred = c["x"], c["y"]
        out.append({"gold": gold, "predicted": pred,
                    "mse": float(mean_squared_error(gold, pred)),
                    "pearson": float(scipy.stats.pearsonr(pred, gold)[0]),
                    "spearman": float(scipy.stats.spearmanr(pred, gold)[0])})
    return out


def tagging_scoring(seqeval_fixture):
    """The seqeval fixture's inputs: token accuracy, seqeval micro span F1, and sklearn's macro F1 over the
    flattened word tags (what tagging's `macro_f1` computes); seqeval's entity-type macro F1 beside it."""
    out = []
    for c in seqeval_fixture:
        gold, pred = c["gold"], c["pred"]
        flat_gold = [t for s in gold for t in s]
        flat_pred = [t for s in pred for t in s]
        out.append({"gold": gold, "predicted": pred,
                    "accuracy": float(seqeval.metrics.accuracy_score(gold, pred)),
                    "span_f1": float(seqeval.metrics.f1_score(gold, pred)),
                    "macro_f1": float(f1_score(flat_gold, flat_pred, average="macro", zero_division=0)),
                    "seqeval_type_macro_f1": float(seqeval.metrics.f1_score(gold, pred, average="macro"))})
    return out


def retrieval_scoring():
    """Float32 similarity matrices (quantized so that ties occur) and the records and metrics numpy gives:
    argmax (first maximum), the reverse direction, the 1-based rank of the gold partner with ties towards the
    lower index, and MRR."""
    nprng = np.random.default_rng(20261202)
    out = []
    for n, m, step in [(30, 30, 1 / 64), (24, 10, 1 / 16), (12, 12, 1 / 4), (40, 40, 0.0)]:
        gold = np.arange(n) if n == m else np.concatenate([np.arange(m), nprng.integers(0, m, n - m)])
        sim = nprng.standard_normal((n, m)) * 0.5
        sim[np.arange(n), gold] += nprng.uniform(0, 1.5, n)
        if step:
            sim = np.round(sim / step) * step
        sim = sim.astype(np.float32)
        predicted = np.argmax(sim, axis=1)
        reverse_best = np.argmax(sim, axis=0)  # each partner's nearest source
        predicted_reverse = reverse_best[gold]
        own = sim[np.arange(n), gold]
        cols = np.arange(m)[None, :]
        above = (sim > own[:, None]) | ((sim == own[:, None]) & (cols < gold[:, None]))
        rank = 1 + above.sum(axis=1)
        out.append({
            "similarity": [[float(v) for v in row] for row in sim],
            "gold": gold.tolist(), "predicted": predicted.tolist(),
            "predicted_reverse": predicted_reverse.tolist(), "gold_rank": rank.tolist(),
            "accuracy": float(np.mean(predicted == gold)),
            "accuracy_reverse": float(np.mean(gold[predicted_reverse] == gold)),
            "mrr": float(np.mean(1.0 / rank)),
        })
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20261123)
    nprng = np.random.default_rng(20261123)
    dump("classification.json", classification(rng))
    seqeval_fixture = seqeval_cases(rng)
    dump("seqeval.json", seqeval_fixture)
    dump("squad.json", squad_cases(rng))
    dump("mlqa.json", mlqa_cases(rng))
    dump("retrieval.json", retrieval(nprng))
    correlation_cases = correlation(rng)
    dump("correlation.json", correlation_cases)
    dump("percentile.json", percentiles(rng))
    # Added later, each with its own seed so the files above keep their values.
    dump("squad_evaluate.json", squad_prediction_file())
    dump("prediction_scoring.json", {"regression": regression_scoring(correlation_cases),
                                     "tagging": tagging_scoring(seqeval_fixture),
                                     "retrieval": retrieval_scoring()})


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    main()
