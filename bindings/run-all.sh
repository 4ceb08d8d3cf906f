#!/usr/bin/env bash
# Runs every client suite under bindings/ (each one's own test suite with libsqlite3.so.0
# swapped, see bindings/common.sh) and prints one line per suite and a total.
#
#   bindings/run-all.sh [--system] [--update] [SUITE...]
#     SUITE: cpython php perl rusqlite ruby cli (default: all)
#     --system   on the system's real SQLite 3.40.1 (proves the harnesses)
# A suite passes when it reaches the count in its expected-<target>.txt. The library is built
# once here (the launcher's cargo build), then each suite runs with EPILOGLITE_NO_BUILD=1.
# Exit status: 0 if every suite passed, 1 otherwise.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OPTS=(); SUITES=()
for a in "$@"; do
    case "$a" in --*) OPTS+=("$a") ;; *) SUITES+=("$a") ;; esac
done
[ ${#SUITES[@]} -eq 0 ] && SUITES=(cpython php perl rusqlite ruby cli)
is_system=0
for o in "${OPTS[@]+"${OPTS[@]}"}"; do [ "$o" = --system ] && is_system=1; done
if [ $is_system = 0 ] && [ -z "${EPILOGLITE_LIB:-}" ] && [ -z "${EPILOGLITE_NO_BUILD:-}" ]; then
    (cd "$ROOT" && cargo build --release --lib -q) || exit 1
fi
export EPILOGLITE_NO_BUILD=1
mkdir -p "$ROOT/target/test-logs"
summary=(); bad=0; tp=0; tf=0
for s in "${SUITES[@]}"; do
    log="$ROOT/target/test-logs/bindings-$s.log"
    start=$(date +%s)
    if [ "$s" = cli ]; then
        if [ $is_system = 1 ]; then
            EPILOGLITE_LIB=/usr/lib/x86_64-linux-gnu "$HERE/cli/run.sh" > "$log" 2>&1
        else
            "$HERE/cli/run.sh" > "$log" 2>&1
        fi
        rc=$?
        line="$(grep -E '^cli: [0-9]+ passed' "$log" | tail -1)"
        if [ $is_system = 0 ] && [ -n "$line" ]; then
            # the shell suite is gated by its committed baseline, not by all-pass
            base="$(grep -v '^#' "$HERE/cli/epiloglite-baseline.txt" | head -1)"
            got="$(echo "$line" | awk '{print $2}')"
            rc=0; [ "$got" -ge "$base" ] || rc=1
        fi
    else
        "$HERE/$s/run.sh" "${OPTS[@]+"${OPTS[@]}"}" > "$log" 2>&1
        rc=$?
        line="$(grep -E '^[a-z]+ on [a-z]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)"
    fi
    secs=$(( $(date +%s) - start ))
    if [ -z "$line" ]; then line="$s: did not run (exit $rc, see $log)"; rc=1; fi
    status=ok; [ $rc = 0 ] || { status=FAIL; bad=1; }
    summary+=("$(printf '%-5s %-60s %4ss' "$status" "$line" "$secs")")
    p="$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')"
    f="$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')"
    tp=$((tp + ${p:-0})); tf=$((tf + ${f:-0}))
done
printf '%s\n' "${summary[@]}"
echo "bindings: $tp passed, $tf failed"
exit $bad
