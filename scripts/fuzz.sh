#!/usr/bin/env bash
# Long mode of issue 8's fuzzing: runs each cargo-fuzz target (fuzz/fuzz_targets/) for
# SECONDS (default 60) with libFuzzer + AddressSanitizer. Installs cargo-fuzz if missing.
# The machine has only the stable toolchain, so RUSTC_BOOTSTRAP=1 unlocks the -Z flags
# cargo-fuzz needs. A crash leaves its input in fuzz/artifacts/<target>/; copy it to
# fuzz/regressions/<target>/ so tests/fuzz_regressions.rs replays it in every test run.
# Usage: scripts/fuzz.sh [SECONDS] [target...]
set -uo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"; shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(record btree_page sql api_sequence)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz || exit 1
export RUSTC_BOOTSTRAP=1
fail=0
for t in "${TARGETS[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    cp -n fuzz/regressions/"$t"/* "fuzz/corpus/$t/" 2>/dev/null
    echo "== fuzz $t for ${SECS}s"
    if cargo fuzz run --fuzz-dir fuzz "$t" "fuzz/corpus/$t" -- -max_total_time="$SECS" \
            -rss_limit_mb=4096 -timeout=20 2>&1 | tee "target/fuzz-$t.log" | grep -E '^(#[0-9]+ +DONE|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)'; then
        :
    fi
    if grep -q 'Test unit written\|SUMMARY: ' "target/fuzz-$t.log"; then
        echo "fuzz $t: CRASH (see target/fuzz-$t.log and fuzz/artifacts/$t/)"; fail=$((fail + 1))
    else
        runs=$(grep -oE '^#[0-9]+' "target/fuzz-$t.log" | tail -1 | tr -d '#')
        echo "fuzz $t: ${runs:-0} runs, 0 crashes"
    fi
done
echo "fuzz: ${#TARGETS[@]} targets, $fail crashed"
[ $fail -eq 0 ]
