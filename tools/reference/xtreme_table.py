#!/usr/bin/env python3
"""Side-by-side table of one real-transfer reference experiment: Polyglot's runs and the HF transformers + PyTorch
runs of tools/reference/xtreme_hf.py, per language and for the zero-shot mean, mean ± sd over seeds.

    python3 tools/reference/xtreme_table.py results/reference/e5-sib200 > results/reference/e5-sib200/comparison.md

Reads from the folder: seed<N>/summary.json (Polyglot's evaluation of seed N), hf/seed<N>.json (the Python
stack's) and timing.json (whole-process wall seconds and peak resident MB of every run, measured with
/usr/bin/time by experiments/reference-e5.sh). The zero-shot mean of a seed is the mean of the major metric over the
languages Polyglot marks zero-shot (the same languages are taken from the HF file). A source language with no test
set (XCOPA's English) is scored on its dev set, marked "(dev)": the selected step's dev accuracy in both stacks. The agreement rule printed at
the end: |mean(Polyglot) − mean(HF)| of the per-seed zero-shot means is at most sd(Polyglot) + sd(HF) (sample
standard deviations over seeds). The multi-task experiment (hf/seed<N>.json holding "tasks") gets one such table per
task, each with its own rule, and the wall times once at the end. Needs no third-party packages.
"""
import glob
import json
import os
import re
import statistics
import sys


def seeds_of(pattern):
    out = {}
    for path in glob.glob(pattern):
        m = re.search(r"seed(\d+)", path)
        if m:
            out[int(m.group(1))] = path
    return dict(sorted(out.items()))


# The task whose table is compared, by the HF script's task name: tagging is scored on the parallel PUD sets, which
# Polyglot evaluates as their own tasks sharing the trained head.
SCORED = {"ud-pos": "ud-pos-pud", "uner": "uner-pud"}


def polyglot_scores(path, name):
    with open(path) as f:
        summary = json.load(f)
    tasks = [t for t in summary["tasks"] if t["task"] == name]
    if not tasks:
        sys.exit(f"{path}: no task {name}")
    task = tasks[0]
    metric = task["major_metric"]
    scores, regimes, dev_source = {}, {}, None
    for lang in task["languages"]:
        scores[lang["language"]] = 100 * lang["metrics"][metric]["estimate"]
        regimes[lang["language"]] = lang["regime"]
        if lang["regime"] == "supervised" and lang.get("split") == "dev":
            dev_source = lang["language"]
    return task["task"], metric, scores, regimes, dev_source


def hf_runs(path):
    """The HF file's runs by task: {task: {"results", "best_dev"}}, one entry for a single-task experiment."""
    with open(path) as f:
        out = json.load(f)
    return out["tasks"] if "tasks" in out else {out["task"]: out}


def hf_scores(out, metric, dev_language=None):
    """Test scores per language in Polyglot's major metric; the source language's dev score at the selected step under
    `dev_language` when the HF run has no test set for it (Polyglot scores such a language on its dev split)."""
    scores = {lang: 100 * r[metric] for lang, r in out["results"].items()}
    if dev_language and dev_language not in scores and "best_dev" in out:
        scores[dev_language] = 100 * out["best_dev"]
    return scores


def mean_sd(values):
    """mean ± sample sd; one value alone (no spread to show)."""
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}"


def main(folder):
    pg = seeds_of(os.path.join(folder, "seed*", "summary.json"))
    hf = seeds_of(os.path.join(folder, "hf", "seed*.json"))
    if not pg or not hf:
        sys.exit(f"{folder}: needs seed<N>/summary.json and hf/seed<N>.json")
    runs = {seed: hf_runs(path) for seed, path in hf.items()}
    timing = {}
    tpath = os.path.join(folder, "timing.json")
    if os.path.exists(tpath):
        with open(tpath) as f:
            timing = json.load(f)
    names = list(next(iter(runs.values())))
    for i, name in enumerate(names):
        if i:
            print()
        table(pg, {seed: r[name] for seed, r in runs.items()}, SCORED.get(name, name),
              timing if i == len(names) - 1 else {})


def table(pg, hf, name, timing):
    """The side-by-side table of one task: `pg` Polyglot's summary files by seed, `hf` the HF runs of the task by seed."""
    trained = any("best_dev" in out for out in hf.values())
    per_pg, per_hf = {}, {}
    task = metric = None
    regimes = {}
    dev_source = None
    for seed, path in pg.items():
        task, metric, per_pg[seed], regimes, dev_source = polyglot_scores(path, name)
    for seed, out in hf.items():
        per_hf[seed] = hf_scores(out, metric, dev_source)
    langs = [l for l in regimes if all(l in s for s in per_pg.values())]
    zero = [l for l in langs if regimes[l] == "zero-shot" and all(l in s for s in per_hf.values())]

    print(f"### {task}: {metric} ×100, Polyglot vs HF transformers + PyTorch (seeds {', '.join(map(str, pg))} / {', '.join(map(str, hf))})\n")
    head = "| language | regime | " + " | ".join(f"Polyglot s{s}" for s in pg) + " | Polyglot mean ± sd | " \
        + " | ".join(f"HF s{s}" for s in hf) + " | HF mean ± sd |"
    print(head)
    print("|---|---|" + "---:|" * (len(pg) + 1 + len(hf) + 1))
    for l in langs:
        a = [per_pg[s][l] for s in pg]
        b = [per_hf[s].get(l) for s in hf]
        shown = l + (" (dev)" if l == dev_source else "")
        print(f"| {shown} | {regimes[l]} | " + " | ".join(f"{x:.1f}" for x in a) + f" | {mean_sd(a)} | "
              + " | ".join("–" if x is None else f"{x:.1f}" for x in b) + f" | {mean_sd([x for x in b if x is not None])} |")
    za = [statistics.mean(per_pg[s][l] for l in zero) for s in pg]
    zb = [statistics.mean(per_hf[s][l] for l in zero) for s in hf]
    print(f"| **zero-shot mean** ({len(zero)} languages) | | " + " | ".join(f"{x:.1f}" for x in za) + f" | **{mean_sd(za)}** | "
          + " | ".join(f"{x:.1f}" for x in zb) + f" | **{mean_sd(zb)}** |")
    if timing:
        def cells(stack, seeds, key):
            """Per seed of the table, the stack's measurement (None for a seed whose run has none)."""
            runs = timing.get(stack, {})
            return [runs.get(f"seed{s}", {}).get(key) for s in seeds]

        def shown(xs):
            return [("–" if x is None else f"{x:.0f}") for x in xs]

        def fastest(xs):
            measured = [x for x in xs if x is not None]
            return f"{min(measured):.0f}" if measured else "–"
        wp, wh = cells("polyglot", pg, "wall_s"), cells("hf", hf, "wall_s")
        # Runs that shared the machine are slower, not faster: the fastest run of each stack is the fair figure.
        print("| wall time, s (process; fastest) | | " + " | ".join(shown(wp)) + f" | {fastest(wp)} | "
              + " | ".join(shown(wh)) + f" | {fastest(wh)} |")
        print("| peak memory, MB | | " + " | ".join(shown(cells("polyglot", pg, "peak_mb"))) + " | | "
              + " | ".join(shown(cells("hf", hf, "peak_mb"))) + " | |")
    gaps = [(abs(statistics.mean(per_pg[s][l] for s in pg) - statistics.mean(per_hf[s][l] for s in hf)), l)
            for l in langs if all(l in per_hf[s] for s in hf)]
    if gaps:
        gap, where = max(gaps, key=lambda g: g[0])  # the first language with the largest gap
        print(f"\nLargest per-language difference of the means: {gap:.2f} points ({where}).")
    diff = statistics.mean(za) - statistics.mean(zb)
    if trained and (len(za) < 2 or len(zb) < 2):
        # A trained run with one seed has no spread to judge a difference by (an untrained one, Tatoeba, has none).
        print(f"Zero-shot mean difference Polyglot − HF: {diff:+.2f} points; not judged: the rule needs at least two seeds in each stack.")
        return
    spread = (statistics.stdev(za) if len(za) > 1 else 0.0) + (statistics.stdev(zb) if len(zb) > 1 else 0.0)
    verdict = "within" if abs(diff) <= spread else "OUTSIDE"
    print(f"Zero-shot mean difference Polyglot − HF: {diff:+.2f} points; sd(Polyglot) + sd(HF) = {spread:.2f}: {verdict} the two stacks' seed spread.")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
