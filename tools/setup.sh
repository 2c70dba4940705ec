#!/usr/bin/env bash
# Makes sure the system libraries Polyglot links against are present: installs them with apt-get
# when running as root, otherwise prints one line naming what to install and fails.
set -euo pipefail
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(libicu-dev libopenblas-dev zlib1g-dev openmpi-bin)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v swift >/dev/null 2>&1; then
  echo "polyglot setup: the Swift toolchain (swift 6.0 or later) is not on PATH; install it from swift.org first." >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "polyglot setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "polyglot setup: missing system libraries: ${missing[*]} (install with: sudo apt-get install ${missing[*]})" >&2
exit 1
