#!/usr/bin/env bash
# Runs a libFuzzer harness for ctest (tests/fuzz/CMakeLists.txt); fails on any crash, leak, UB, timeout or OOM.
#   run_fuzzer.sh replay HARNESS DIR...                  every file in the DIRs once (missing DIRs are skipped)
#   run_fuzzer.sh run HARNESS CORPUS ARTIFACTS [FLAG...]  fuzz a temporary copy of CORPUS for $FUZZ_SECONDS (60)
#   run_fuzzer.sh seeds-current FUZZ_SEEDS SOURCE CORPUS  the generated seeds in CORPUS are what fuzz_seeds writes
set -euo pipefail

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
limits=(-rss_limit_mb=2048 -timeout=25)
mode=$1
shift

case $mode in
replay)
    harness=$1
    shift
    files=()
    for d in "$@"; do
        [ -d "$d" ] || continue
        while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f -print0 | sort -z)
    done
    [ ${#files[@]} -gt 0 ] || { echo "no inputs in $*" >&2; exit 1; }
    echo "== replaying ${#files[@]} inputs"
    if "$harness" "${limits[@]}" "${files[@]}" >"${TMPDIR:-/tmp}/replay.$$.log" 2>&1; then
        rm -f "${TMPDIR:-/tmp}/replay.$$.log"
        echo "== all ${#files[@]} inputs ran clean"
        exit 0
    fi
    rm -f "${TMPDIR:-/tmp}/replay.$$.log"
    # One process stops at the first failure: run each input alone to name every failing one.
    failed=()
    for f in "${files[@]}"; do
        if ! out=$("$harness" "${limits[@]}" "$f" 2>&1); then
            failed+=("$f")
            echo "== FAILED: $f"
            # The error, the top of its stack, the summary; the whole output comes from running the one file by hand.
            awk '/ERROR|runtime error|Direct leak|accepted template|control reply|pipeline output/ { print; n = 0; show = 1; next }
                 show && /^    #[0-9]+ / && n < 8 { print; n++; next }
                 /^ *$/ { show = 0 }
                 /^SUMMARY/ { print }' <<<"$out" | head -24
        fi
    done
    echo "== ${#failed[@]} of ${#files[@]} inputs failed"
    [ ${#failed[@]} -eq 0 ] || exit 1
    echo "== (the combined run failed, but no input failed alone: inputs interfere; rerun them together to see)"
    exit 1
    ;;
run)
    harness=$1 corpus=$2 artifacts=$3
    shift 3
    seconds=${FUZZ_SECONDS:-60}
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/corpus" "$artifacts"
    cp -r "$corpus"/. "$work/corpus/"   # libFuzzer adds to its first corpus directory: never the checked-in one
    echo "== fuzzing $(basename "$harness") for ${seconds}s on a copy of $corpus; crashes go to $artifacts/"
    # libFuzzer stops itself after max_total_time; `timeout` is the backstop for a hung harness.
    # (libFuzzer exits 77 on a finding, which ctest elsewhere in this project reads as "skipped": say 1.)
    timeout --kill-after=30 $((seconds + 300)) "$harness" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$@" "$work/corpus" || { echo "== failed: the input is in $artifacts/" >&2; exit 1; }
    ;;
seeds-current)
    generator=$1 source=$2 corpus=$3
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    "$generator" "$source" "$work"
    # The template seeds are copies of the lab templates: only the seeds that depend on fixtures and captures are compared.
    stale=0
    for h in pipeline dns control; do
        for f in "$work/$h"/*; do
            if ! cmp -s "$f" "$corpus/$h/$(basename "$f")"; then
                echo "stale or missing seed: tests/fuzz/corpus/$h/$(basename "$f")"
                stale=1
            fi
        done
    done
    [ $stale = 0 ] || { echo "regenerate: build-sanitize/tests/fuzz/fuzz_seeds . tests/fuzz/corpus (README \"Fuzzing\")"; exit 1; }
    echo "== generated seeds are current"
    ;;
*)
    echo "usage: run_fuzzer.sh replay|run|seeds-current ..." >&2
    exit 2
    ;;
esac
