#!/usr/bin/env bash
# Trains MAD-X language adapters for multilingual-e5-small (experiments/madx-language-adapter-e5.yaml), one per
# language, and exports each with `polyglot adapter export` into results/madx-language-adapters/<lang>/, the folder
# the madx point of experiments/sweeps/e5-sib200-modular.yaml reads. A language whose adapter is there is skipped.
#   bash experiments/madx-language-adapters.sh [lang ...]     (default: the 20 SIB-200 languages)
# Each run's train.jsonl and results.json are kept in results/madx-language-adapter-<lang>/; its checkpoints
# (the frozen base model and optimizer state, about 1.4 GB) are removed once the adapter is exported.
set -euo pipefail
cd "$(dirname "$0")/.."
POLYGLOT=${POLYGLOT:-.build/release/polyglot}
[ -x "$POLYGLOT" ] || { echo "build first: swift build -c release --product polyglot" >&2; exit 1; }
e5=$(bash experiments/e5-folder.sh)
out=results/madx-language-adapters
langs=("$@")
[ ${#langs[@]} -gt 0 ] || langs=(en ar cs de el fi fr he hi id ja ko ru es sw th tr vi yo zh)
mkdir -p "$out"
for lang in "${langs[@]}"; do
  [ -f "$out/$lang/adapter.json" ] && { echo "$lang: $out/$lang exists"; continue; }
  run=results/madx-language-adapter-$lang
  start=$(date +%s)
  if [ -f "$run/experiment.yaml" ] && [ -d "$run/checkpoints/last" ] && [ ! -f "$run/results.json" ]; then
    "$POLYGLOT" train --resume "$run"          # a killed run continues
  elif [ ! -f "$run/results.json" ]; then
    rm -rf "$run"
    "$POLYGLOT" train experiments/madx-language-adapter-e5.yaml --set model.path="$e5" \
      --set "tasks=[{name: sib200-text-mlm, train_languages: [$lang], select: true}]" --output "$run"
  fi
  "$POLYGLOT" adapter export --model "$run/checkpoints/last/model" --output "$out/$lang"
  rm -rf "$run/checkpoints"
  echo "$lang: $(( $(date +%s) - start )) s"
done
