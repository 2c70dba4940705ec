#!/usr/bin/env bash
# The real-transfer reference experiments with multilingual-e5-small in both stacks, seed after seed, then the
# side-by-side table:
#   bash experiments/reference-e5.sh <sib200|xcopa|ud-pos|uner|xquad|multitask|tatoeba> [--seeds "1 2 3"] [--stacks "polyglot hf"]
# For each seed: Polyglot (experiments/reference.sh e5-<task>, run folder results/reference-e5-<task>-seed<N>) and
# the HF transformers + PyTorch peer (tools/reference/xtreme_hf.py, results/reference-e5-<task>-hf-seed<N>.json),
# each timed as a whole process by /usr/bin/time (wall seconds, peak resident memory). A run that already finished
# is not run again (finished: a summary and a time file; a time file that holds a sentence instead of the two numbers
# records why that run has no whole-process time, and timing.json leaves it out). Then it fills
# results/reference/e5-<task>/: seed1/ (summary, report, tables, figures, predictions gzipped), seed<N>/summary.json and report.md for the other seeds, hf/seed<N>.json, timing.json and
# comparison.md (tools/reference/xtreme_table.py); for xquad also squad_recompute.md, the official SQuAD v1.1 scores of
# the first seed's saved predictions beside the report's (tools/reference/squad_recompute.py); for multitask also
# vs-single-task-seed<N>.md, `polyglot compare` of each seed's multi-task run against the single-task runs of the same
# seed (their run folders, else the committed results/reference/e5-<task>/seed<N> where it holds predictions).
# Tatoeba trains nothing, so it has one seed.
# Needs: a release build of polyglot, python3 with torch, transformers, sentence-transformers, numpy, seqeval and pyyaml.
set -euo pipefail
cd "$(dirname "$0")/.."
task=${1:?usage: experiments/reference-e5.sh <sib200|xcopa|ud-pos|uner|xquad|multitask|tatoeba> [--seeds "1 2 3"] [--stacks "polyglot hf"]}
shift
seeds="1 2 3"
stacks="polyglot hf"
while [ $# -gt 0 ]; do
  case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --stacks) stacks=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case $task in sib200|xcopa|ud-pos|uner|xquad|multitask) ;; tatoeba) seeds=1 ;; *) echo "unknown task $task (sib200, xcopa, ud-pos, uner, xquad, multitask, tatoeba)" >&2; exit 2 ;; esac
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed to measure wall time and peak memory (Debian package: time)" >&2; exit 1; }
export POLYGLOT_DATA_ROOT=${POLYGLOT_DATA_ROOT:-$(cd ../shared/data 2>/dev/null && pwd || echo ../shared/data)}
MODELS_DIR=${MODELS_DIR:-$(dirname "$POLYGLOT_DATA_ROOT")/models}
E5_DIR=$(MODELS_DIR=$MODELS_DIR bash experiments/e5-folder.sh)
export E5_DIR

for seed in $seeds; do
  for stack in $stacks; do
    if [ "$stack" = polyglot ]; then
      run=results/reference-e5-$task-seed$seed
      [ -f "$run/summary.json" ] && [ -f "$run.time" ] && continue
      rm -rf "$run"
      /usr/bin/time -f "%e %M" -o "$run.time.tmp" bash experiments/reference.sh "e5-$task" --seed "$seed"
      mv "$run.time.tmp" "$run.time"
    else
      out=results/reference-e5-$task-hf-seed$seed.json
      [ -f "$out" ] && [ -f "$out.time" ] && continue
      extra=()
      [ "$task" = xquad ] && extra=(--predictions "${out%.json}.predictions.json")
      # The selected multi-task weights, to compare tensor by tensor with Polyglot's checkpoint (not committed).
      [ "$task" = multitask ] && extra=(--save-model "${out%.json}.weights.safetensors" --predictions "${out%.json}.predictions.json")
      /usr/bin/time -f "%e %M" -o "$out.time.tmp" python3 tools/reference/xtreme_hf.py "$task" --model "$E5_DIR" --seed "$seed" \
        --data-root "$POLYGLOT_DATA_ROOT" --out "$out" "${extra[@]}"
      mv "$out.time.tmp" "$out.time"
    fi
  done
done

dest=results/reference/e5-$task
mkdir -p "$dest/hf"
timing="{"
sep=""
for stack in polyglot hf; do
  timing+="$sep\"$stack\": {"; sep2=""
  for seed in $seeds; do
    if [ "$stack" = polyglot ]; then f=results/reference-e5-$task-seed$seed.time; else f=results/reference-e5-$task-hf-seed$seed.json.time; fi
    [ -f "$f" ] || continue
    read -r wall kb < <(tail -1 "$f")
    # A run whose process was not measured whole (its time file says why) has no wall time to report.
    case $wall in ''|*[!0-9.]*) continue ;; esac
    timing+="$sep2\"seed$seed\": {\"wall_s\": $wall, \"peak_mb\": $((kb / 1024))}"; sep2=", "
  done
  timing+="}"; sep=", "
done
timing+="}"
for seed in $seeds; do
  run=results/reference-e5-$task-seed$seed
  if [ -f "$run/summary.json" ]; then
    rm -rf "$dest/seed$seed"; mkdir -p "$dest/seed$seed"
    cp "$run/summary.json" "$run/report.md" "$run/experiment.yaml" "$dest/seed$seed/"
    if [ "$seed" = "$(echo $seeds | cut -d' ' -f1)" ]; then
      cp "$run/metrics.jsonl" "$dest/seed$seed/"
      [ -f "$run/results.json" ] && cp "$run/results.json" "$dest/seed$seed/"
      for d in tables figures predictions; do [ -d "$run/$d" ] && cp -r "$run/$d" "$dest/seed$seed/"; done
      [ -d "$dest/seed$seed/predictions" ] && find "$dest/seed$seed/predictions" -name '*.jsonl' -exec gzip -9n {} +
    fi
  fi
  hf=results/reference-e5-$task-hf-seed$seed.json
  [ -f "$hf" ] && cp "$hf" "$dest/hf/seed$seed.json"
done
printf '%s\n' "$timing" | python3 -m json.tool > "$dest/timing.json"
python3 tools/reference/xtreme_table.py "$dest" > "$dest/comparison.md"
cat "$dest/comparison.md"
if [ "$task" = multitask ]; then
  # Each seed's multi-task model against the single-task models of the same seed: per task and language, the paired
  # bootstrap difference of the major metric (multi-task − single-task).
  POLYGLOT=${POLYGLOT:-.build/release/polyglot}
  for seed in $seeds; do
    run=results/reference-e5-multitask-seed$seed
    [ -f "$run/summary.json" ] || continue
    out=$dest/vs-single-task-seed$seed.md
    {
      echo "# Multi-task (run A) against single-task (run B), seed $seed"
      for single in sib200 ud-pos uner xquad xcopa; do
        b=results/reference-e5-$single-seed$seed
        [ -d "$b/predictions" ] || b=results/reference/e5-$single/seed$seed
        if [ ! -d "$b/predictions" ]; then echo; echo "## $single: no single-task predictions for seed $seed"; continue; fi
        echo; echo "## $single (B: $b)"; echo
        "$POLYGLOT" compare "$run" "$b" | sed "s|$PWD/||"
      done
    } > "$out.tmp"
    mv "$out.tmp" "$out"
    cat "$out"
  done
fi
if [ "$task" = xquad ]; then
  # The check that the report's F1 and exact match are the official SQuAD v1.1 script's on the saved predictions.
  first=$(echo $seeds | cut -d' ' -f1)
  python3 tools/reference/squad_recompute.py "$dest/seed$first" --data-root "$POLYGLOT_DATA_ROOT" > "$dest/squad_recompute.md"
  cat "$dest/squad_recompute.md"
fi
