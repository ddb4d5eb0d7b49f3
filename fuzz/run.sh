#!/usr/bin/env bash
# Long fuzz runs, one target at a time: ./fuzz/run.sh SECONDS [TARGET...]
# (all targets if none named). Each target runs until 10 million executions
# or SECONDS, whichever comes first, with the limits docs/RELIABILITY.md
# states. New inputs go to $FUZZ_WORK/corpus/<target> (the committed seeds
# in fuzz/corpus/<target> are only read), crashes to
# $FUZZ_WORK/artifacts/<target>/, libFuzzer's log to $FUZZ_WORK/logs/.
# Needs nightly and cargo-fuzz (`cargo install cargo-fuzz`). Exits 1 if any
# target found a crash, a panic, a timeout or an out-of-memory input.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
work=${FUZZ_WORK:-$PWD/target/work}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
# Scratch files on a RAM disk when there is one.
if [ -d /dev/shm ]; then export TMPDIR=/dev/shm; fi
failed=()
for target in "${targets[@]}"; do
    mkdir -p "$work/corpus/$target" "$work/artifacts/$target" "$work/logs"
    echo "== $target: $(date -u +%FT%TZ)"
    # Normal priority on purpose: at nice 19 a burst of other work starves
    # the fuzzer, and libFuzzer's wall-clock timeout then reports a "hang"
    # for an input that takes milliseconds.
    cargo +nightly fuzz run "$target" \
        "$work/corpus/$target" "corpus/$target" -- \
        -runs=10000000 -max_total_time="$seconds" \
        -timeout=1 -rss_limit_mb=1024 -malloc_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$target/" \
        > "$work/logs/$target.log" 2>&1 || {
        echo "!! $target stopped: see $work/logs/$target.log"
        failed+=("$target")
    }
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^Done|SUMMARY|ERROR' \
        "$work/logs/$target.log" || true
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}"
    exit 1
fi
