#!/usr/bin/env python3
"""Recomputes a Polyglot XQuAD run's F1 and exact match from its saved predictions with the official SQuAD v1.1
evaluation (metrics_reference.squad_evaluate, the script's `evaluate` re-typed), on the questions of the data file's
test articles, and compares them with the run's summary.json.

    python3 tools/reference/squad_recompute.py RUN_OR_RESULT_FOLDER [--data-root ../shared/data]

Reads FOLDER/summary.json; the test articles come from tasks/xquad.yaml (its article_split and data files). Predictions: FOLDER/predictions/xquad/<lang>.jsonl or .jsonl.gz (id = SQuAD question id,
predicted = the answer text). Prints one row per language and exits 1 when any score differs by more than 1e-9.
"""
import argparse
import gzip
import json
import os
import sys

import yaml

from metrics_reference import squad_evaluate

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--data-root", default=os.environ.get("POLYGLOT_DATA_ROOT", os.path.join(REPO, "..", "shared", "data")))
    args = ap.parse_args()
    with open(os.path.join(REPO, "tasks", "xquad.yaml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    lo, hi = spec["article_split"]["test"]
    with open(os.path.join(args.folder, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    task = next((t for t in summary["tasks"] if t["task"] == "xquad"), None)
    if task is None:
        sys.exit(f"{args.folder}/summary.json: no xquad task")
    bad = 0
    print("| language | questions | F1 (official) | F1 (report) | EM (official) | EM (report) |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in task["languages"]:
        lang = row["language"]
        if row.get("split", "test") != "test":
            continue
        base = os.path.join(args.folder, "predictions", "xquad", f"{lang}.jsonl")
        opener = (lambda p: open(p, encoding="utf-8")) if os.path.exists(base) else (lambda p: gzip.open(p + ".gz", "rt", encoding="utf-8"))
        with opener(base) as f:
            predictions = {r["id"]: r["predicted"] for r in map(json.loads, f)}
        with open(os.path.join(args.data_root, spec["data"][lang]["test"]), encoding="utf-8") as f:
            dataset = json.load(f)["data"][lo:hi]
        official, _ = squad_evaluate(dataset, predictions)
        questions = sum(len(p["qas"]) for a in dataset for p in a["paragraphs"])
        f1, em = 100 * row["metrics"]["f1"]["estimate"], 100 * row["metrics"]["exact_match"]["estimate"]
        ok = abs(official["f1"] - f1) <= 1e-9 and abs(official["exact_match"] - em) <= 1e-9 and questions == len(predictions)
        bad += not ok
        print(f"| {lang} | {questions} | {official['f1']:.4f} | {f1:.4f} | {official['exact_match']:.4f} | {em:.4f} |" + ("" if ok else " MISMATCH"))
    if bad:
        sys.exit(f"{bad} language(s) differ from the official SQuAD v1.1 evaluation")
    print("\nEvery language equals the official SQuAD v1.1 evaluation of the saved predictions.")


if __name__ == "__main__":
    main()
