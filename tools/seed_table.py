#!/usr/bin/env python3
"""Per-seed scores of a reference experiment and their mean ± sd (sample sd over seeds).

    python3 tools/seed_table.py results/reference-ud-pos-seed1 results/reference-ud-pos-seed2 ...

Prints, for every task and language, the major metric ×100 in each run, then mean ± sd, as a Markdown
table; used to state the seed variation in docs/EXPERIMENTS.md. Reads only summary.json (and
probes/<task>/<language>/<method>.json when present); needs no third-party packages.
"""
import json, os, statistics, sys, glob


def scores(run):
    out = {}
    with open(os.path.join(run, "summary.json")) as f:
        s = json.load(f)
    for t in s["tasks"]:
        m = t["major_metric"]
        for l in t["languages"]:
            out[(t["task"], l["language"], l.get("regime", ""))] = 100 * l["metrics"][m]["estimate"]
    for p in sorted(glob.glob(os.path.join(run, "probes", "*", "*", "*.json"))):
        with open(p) as f:
            probe = json.load(f)
        for a in probe.get("aggregates", []):
            out[(f"probe {probe.get('task')}", f"{probe.get('language')} k={a['k']}", "few-shot")] = 100 * a["mean"]
    return out


def main(runs):
    per_run = [scores(r) for r in runs]
    keys = [k for k in per_run[0] if all(k in p for p in per_run)]
    print("| task | language | regime | " + " | ".join(os.path.basename(r.rstrip("/")) for r in runs) + " | mean ± sd |")
    print("|---|---|---|" + "---:|" * (len(runs) + 1))
    for k in keys:
        v = [p[k] for p in per_run]
        sd = statistics.stdev(v) if len(v) > 1 else 0.0
        print(f"| {k[0]} | {k[1]} | {k[2]} | " + " | ".join(f"{x:.1f}" for x in v) + f" | {statistics.mean(v):.1f} ± {sd:.1f} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
