#!/usr/bin/env bash
# Runs one reference experiment end to end (train, evaluate, probe) and prints its wall time.
#   bash experiments/reference.sh <ud-pos|sib200|minilm-sib200|e5-sib200|e5-xcopa|e5-ud-pos|e5-uner|e5-xquad|e5-multitask|e5-tatoeba> [--seed N] [--save]
# Data root: POLYGLOT_DATA_ROOT, else ../shared/data. Pretrained checkpoints are read from the data root's
# sibling models/ folder (MODELS_DIR overrides it). The e5-* experiments use multilingual-e5-small, written once as
# a Hugging Face folder by its own to_hf.py (python3 with numpy) into .build/multilingual-e5-small (E5_DIR overrides). The run goes to results/reference-<name>-seed<N>/;
# --save copies its summary.json, report.md, predictions, tables and figures to results/reference/<name>/,
# the committed copy that `polyglot compare` can take as run B (it matches predictions by example id).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: experiments/reference.sh <ud-pos|sib200|minilm-sib200|e5-sib200|e5-xcopa|e5-ud-pos|e5-uner|e5-xquad|e5-multitask|e5-tatoeba> [--seed N] [--save]}
shift
seed=1
save=0
while [ $# -gt 0 ]; do
  case $1 in
    --seed) seed=$2; shift 2 ;;
    --save) save=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
POLYGLOT=${POLYGLOT:-.build/release/polyglot}
export POLYGLOT_DATA_ROOT=${POLYGLOT_DATA_ROOT:-$(cd ../shared/data 2>/dev/null && pwd || echo ../shared/data)}
MODELS_DIR=${MODELS_DIR:-$(dirname "$POLYGLOT_DATA_ROOT")/models}
run=results/reference-$name-seed$seed
[ -x "$POLYGLOT" ] || { echo "build first: swift build -c release --product polyglot" >&2; exit 1; }
[ -e "$run/experiment.yaml" ] && { echo "$run already holds a run; remove it first" >&2; exit 1; }
e5() { MODELS_DIR=$MODELS_DIR bash experiments/e5-folder.sh; }
start=$(date +%s)
case $name in
  ud-pos)
    "$POLYGLOT" train experiments/reference-ud-pos.yaml --set seed="$seed" --output "$run"
    "$POLYGLOT" eval "$run" --tasks ud-pos ud-pos-pud
    # Experiment 3: Tatoeba retrieval with the same model's mean-pooled sentence embeddings.
    "$POLYGLOT" eval "$run" --tasks tatoeba
    ;;
  sib200)
    "$POLYGLOT" train experiments/reference-sib200.yaml --set seed="$seed" --output "$run"
    "$POLYGLOT" eval "$run"
    "$POLYGLOT" probe "$run" --task sib200 --language sw --k 1,2,4,8,16 --seeds 3
    "$POLYGLOT" probe "$run" --task sib200 --language hi --k 1,2,4,8,16 --seeds 3
    ;;
  minilm-sib200)
    "$POLYGLOT" train experiments/reference-minilm-sib200.yaml --set seed="$seed" --set model.path="$MODELS_DIR/all-MiniLM-L6-v2" --output "$run"
    "$POLYGLOT" eval "$run" --languages en ar cs de el fi fr he hi id ja ko ru es sw th tr vi yo zh
    ;;
  e5-sib200)
    "$POLYGLOT" train experiments/reference-e5-sib200.yaml --set seed="$seed" --set model.path="$(e5)" --output "$run"
    "$POLYGLOT" eval "$run" --languages en ar cs de el fi fr he hi id ja ko ru es sw th tr vi yo zh
    ;;
  e5-xcopa)
    "$POLYGLOT" train experiments/reference-e5-xcopa.yaml --set seed="$seed" --set model.path="$(e5)" --output "$run"
    "$POLYGLOT" eval "$run" --languages en et id it sw tr zh
    ;;
  e5-ud-pos)
    "$POLYGLOT" train experiments/reference-e5-ud-pos.yaml --set seed="$seed" --set model.path="$(e5)" --output "$run"
    "$POLYGLOT" eval "$run" --tasks ud-pos-pud --max-examples 0
    ;;
  e5-uner)
    "$POLYGLOT" train experiments/reference-e5-uner.yaml --set seed="$seed" --set model.path="$(e5)" --output "$run"
    "$POLYGLOT" eval "$run" --tasks uner-pud --max-examples 0
    ;;
  e5-xquad)
    "$POLYGLOT" train experiments/reference-e5-xquad.yaml --set seed="$seed" --set model.path="$(e5)" --output "$run"
    "$POLYGLOT" eval "$run" --tasks xquad --languages en ar de es hi ru zh
    ;;
  e5-multitask)
    # Each task scored as its single-task experiment scores it (the same languages and examples), into one summary.
    "$POLYGLOT" train experiments/reference-e5-multitask.yaml --set seed="$seed" --set model.path="$(e5)" --output "$run"
    "$POLYGLOT" eval "$run" --tasks sib200 --languages en ar cs de el fi fr he hi id ja ko ru es sw th tr vi yo zh --max-examples 0
    "$POLYGLOT" eval "$run" --tasks ud-pos-pud --max-examples 0
    "$POLYGLOT" eval "$run" --tasks uner-pud --max-examples 0
    "$POLYGLOT" eval "$run" --tasks xquad --languages en ar de es hi ru zh --max-examples 0
    "$POLYGLOT" eval "$run" --tasks xcopa --languages en et id it sw tr zh --max-examples 0
    ;;
  e5-tatoeba)
    "$POLYGLOT" train experiments/reference-e5-tatoeba.yaml --set seed="$seed" --set model.path="$(e5)" --output "$run"
    "$POLYGLOT" eval "$run" --tasks tatoeba --max-examples 0 --prompt "query: "
    ;;
  *) echo "unknown experiment $name (ud-pos, sib200, minilm-sib200, e5-sib200, e5-xcopa, e5-ud-pos, e5-uner, e5-xquad, e5-multitask, e5-tatoeba)" >&2; exit 2 ;;
esac
echo "wall time: $(( $(date +%s) - start )) s ($name, seed $seed, POLYGLOT_THREADS=${POLYGLOT_THREADS:-all cores})"
if [ "$save" = 1 ]; then
  dest=results/reference/$name
  rm -rf "$dest"; mkdir -p "$dest"
  cp "$run/summary.json" "$run/report.md" "$run/experiment.yaml" "$run/metrics.jsonl" "$dest/"
  [ -d "$run/tables" ] && cp -r "$run/tables" "$dest/"
  [ -d "$run/figures" ] && cp -r "$run/figures" "$dest/"
  [ -d "$run/probes" ] && cp -r "$run/probes" "$dest/"
  [ -d "$run/predictions" ] && cp -r "$run/predictions" "$dest/"
  echo "saved: $dest"
fi
