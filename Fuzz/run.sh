#!/usr/bin/env bash
# Runs fuzz targets one after another: Fuzz/run.sh BINARY SECONDS WORK_DIR TARGET...
#
# Each target starts from the committed seeds in Fuzz/corpus/<target>/ and the inputs earlier runs
# found in WORK_DIR/corpus/<target>/; new inputs go to the work folder only, never to the committed
# corpus. A crash, sanitizer report, leak or timeout is written to WORK_DIR/crashes/<target>/ and
# fails the run; the log of each target is WORK_DIR/logs/<target>.log.
# FUZZ_RUNS=N stops each target after N executions (SECONDS stays the limit).
set -uo pipefail
binary=$1; seconds=$2; work=$3; shift 3
here=$(cd "$(dirname "$0")" && pwd)

max_len() {
    case $1 in
        tokenizer|task-yaml|experiment-yaml|sweep-yaml) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
if [ -f "$here/lsan.supp" ]; then export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"; fi

failed=()
summary=()
for target in "$@"; do
    seeds="$here/corpus/$target"
    [ -d "$seeds" ] || { echo "fuzz: no seed corpus at $seeds" >&2; exit 2; }
    mkdir -p "$work/corpus/$target" "$work/crashes/$target" "$work/logs"
    log="$work/logs/$target.log"
    flags=(-max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048
           -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$work/crashes/$target/")
    [ -n "${FUZZ_RUNS:-}" ] && flags+=(-runs="$FUZZ_RUNS")
    [ -f "$here/dict/$target.dict" ] && flags+=(-dict="$here/dict/$target.dict")
    echo "fuzz: $target for at most ${seconds}s (log: $log)"
    "$binary" --target="$target" "${flags[@]}" "$work/corpus/$target" "$seeds" >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    line=$(printf '%-16s %10s executions %8s exec/s  exit %s' "$target" "${runs:-?}" "${rate:-?}" "$status")
    echo "fuzz: $line"
    summary+=("$line")
    if [ $status -ne 0 ]; then
        failed+=("$target")
        echo "fuzz: $target failed; the end of its log:" >&2
        tail -40 "$log" >&2
        echo "fuzz: reproduce with: $binary --target=$target $work/crashes/$target/<file>" >&2
    fi
done
echo "fuzz: summary"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (inputs in $work/crashes/)" >&2
    exit 1
fi
