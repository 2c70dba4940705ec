#!/usr/bin/env bash
# Prints the Hugging Face folder of multilingual-e5-small that the e5 reference experiments read, writing it first
# (the shared 4-bit image through its own to_hf.py: python3 with numpy, a few seconds) when it is not there yet.
# E5_DIR (default .build/multilingual-e5-small) and MODELS_DIR (default: the data root's sibling models/) override.
set -euo pipefail
cd "$(dirname "$0")/.."
data_root=${POLYGLOT_DATA_ROOT:-../shared/data}
models=${MODELS_DIR:-$(dirname "$data_root")/models}
dir=${E5_DIR:-.build/multilingual-e5-small}
if [ ! -f "$dir/model.safetensors" ]; then
  rm -rf "$dir.tmp"
  python3 "$models/multilingual-e5-small-q4/to_hf.py" "$dir.tmp" >&2
  mv "$dir.tmp" "$dir"
fi
echo "$dir"
