#!/usr/bin/env bash
# THE test command. Runs, in order:
#   1. scripts/install-deps.sh
#   2. cargo build --release --lib        (makes target/release/lib/libsqlite3.so.0)
#   3. cargo test --release               (all Rust tests, incl. C API tests and the interop /
#                                          sqllogictest-harness tests)
#   4. sqllogictest fast subset (sqllogictest/ci-files.txt); --full: the whole sample
#   5. Python end-to-end (bindings/python/run.sh)
#   6. sqlite3 shell differential suite (bindings/cli/run.sh)
#   7. CPython's own test_sqlite3 (bindings/cpython/run.sh), gated by its expected counts
#   8. benchmark quick mode (benches/run.sh --quick: both libraries give the same results)
#   --full also: ignored Rust tests and the benchmark (benches/run.sh)
# and prints 'total: N passed, M failed' last; exits non-zero on any failure.
#
# Which library the end-to-end parts (4, 5, 6 and the interop tests in 3) run on:
#   .ci/e2e-target holds 'system' or 'epiloglite'; EPILOGLITE_E2E_TARGET=... overrides it, and
#   EPILOGLITE_E2E=1 means 'epiloglite'. With 'system' they run on the real system SQLite,
#   which checks the harnesses themselves (they must pass 100% there); the lead switches the
#   file to 'epiloglite' when the engine is ready for them.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
FULL=0
for a in "$@"; do
    case "$a" in
        --full) FULL=1 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown argument $a" >&2; exit 2 ;;
    esac
done

SYSTEM_LIBDIR="${EPILOGLITE_SYSTEM_LIBDIR:-/usr/lib/x86_64-linux-gnu}"
TARGET="${EPILOGLITE_E2E_TARGET:-$(tr -d '[:space:]' < .ci/e2e-target 2>/dev/null || echo system)}"
[ "${EPILOGLITE_E2E:-}" = 1 ] && TARGET=epiloglite
case "$TARGET" in
    epiloglite) export EPILOGLITE_E2E=1; E2E_LIBDIR="$ROOT/target/release/lib" ;;
    system) unset EPILOGLITE_E2E; E2E_LIBDIR="$SYSTEM_LIBDIR" ;;
    *) echo "test.sh: bad e2e target '$TARGET' (system|epiloglite)" >&2; exit 2 ;;
esac

E2E_LIB="$E2E_LIBDIR/libsqlite3.so.0"
unset EPILOGLITE_LIB

LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"
T0=$(date +%s)
TOTAL_P=0
TOTAL_F=0
SUMMARY=()
INFO=()
record() { # name passed failed
    TOTAL_P=$((TOTAL_P + $2)); TOTAL_F=$((TOTAL_F + $3))
    SUMMARY+=("$(printf '%-14s %s passed, %s failed' "$1" "$2" "$3")")
}
section() { echo; echo "===== $* ($(( $(date +%s) - T0 ))s) ====="; }
# The last 'N passed, M failed' on a line of $1 (optionally after a 'word:' prefix).
counts() { grep -aE '(^|: )[0-9]+ passed, [0-9]+ failed' "$1" | tail -1 \
           | sed -E 's/.*(^|: )([0-9]+) passed, ([0-9]+) failed.*/\2 \3/'; }

section "install-deps"
if scripts/install-deps.sh; then record deps 1 0; else record deps 0 1; fi

section "cargo build --release --lib"
if cargo build --release --lib 2>&1 | tee "$LOGS/build.log"; then
    if [ ! -e target/release/lib/libsqlite3.so.0 ] && [ -e target/release/libepiloglite.so ]; then
        mkdir -p target/release/lib && ln -sfn ../libepiloglite.so target/release/lib/libsqlite3.so.0
    fi
    record build 1 0
else
    record build 0 1
fi

section "cargo test --release (e2e target: $TARGET)"
IGN=()
[ $FULL = 1 ] && IGN=(-- --include-ignored)
cargo test --release --no-fail-fast "${IGN[@]}" 2>&1 | tee "$LOGS/cargo-test.log"
rc=${PIPESTATUS[0]}
read -r p f < <(grep -aE '^test result: ' "$LOGS/cargo-test.log" \
    | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/' \
    | awk '{p+=$1; f+=$2} END {print p+0, f+0}')
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # build error or crash: no count, still a failure
record rust-tests "$p" "$f"

section "sqllogictest ($([ $FULL = 1 ] && echo full sample || echo ci subset))"
SLT_BIN="$ROOT/sqllogictest/runner/target/release/slt-runner"
# Per-file timeout and a budget for the whole part keep CI well inside its 90 minutes even
# on a slow engine; files not started within the budget count all their records failed.
if [ $FULL = 1 ]; then
    SLT_ARGS=(--timeout "${SLT_TIMEOUT:-900}" ../shared/sqllogictest/test)
    [ -n "${SLT_BUDGET:-}" ] && SLT_ARGS=(--budget "$SLT_BUDGET" "${SLT_ARGS[@]}")
else
    SLT_ARGS=(--timeout "${SLT_TIMEOUT:-300}" --budget "${SLT_BUDGET:-900}" @sqllogictest/ci-files.txt)
fi
SLT_ARGS=(-j "${SLT_JOBS:-2}" "${SLT_ARGS[@]}")   # files in parallel (2 cores)
# The baseline: EpilogLite's pass count on the CI subset must not fall below the committed
# figure (sqllogictest/epiloglite-baseline.txt). Issue 4 raises it to 100%; until then the
# failures are printed in full, and any regression fails the run.
slt_gate() { # log baseline-file
    local p f base
    read -r p f < <(counts "$1"; echo "0 1")
    base=$(grep -v '^#' "$2" 2>/dev/null | head -1 | tr -d '[:space:]')
    echo "EpilogLite sqllogictest: $p of $((p + f)) records pass (baseline: ${base:-none})"
    INFO+=("EpilogLite sqllogictest: $p of $((p + f)) records pass; baseline ${base:-none} (the $f failures are issue 4's work)")
    if [ -n "$base" ] && [ "$p" -ge "$base" ]; then record slt-baseline 1 0; else record slt-baseline 0 1; fi
}
if cargo build --release -q --manifest-path sqllogictest/runner/Cargo.toml \
        --target-dir sqllogictest/runner/target; then
    # 1. The harness on real SQLite: every record must pass (proves the runner).
    "$SLT_BIN" --lib "$SYSTEM_LIBDIR/libsqlite3.so.0" --report "$LOGS/sqllogictest-system.tsv" \
        "${SLT_ARGS[@]}" > "$LOGS/sqllogictest-system.log" 2>&1
    tail -1 "$LOGS/sqllogictest-system.log"
    read -r p f < <(counts "$LOGS/sqllogictest-system.log"; echo "0 1")
    record slt-on-system "$p" "$f"
    # 2. EpilogLite, gated by the baseline.
    if [ "$TARGET" = epiloglite ]; then
        "$SLT_BIN" --lib "$E2E_LIB" --show 3 --report "$LOGS/sqllogictest.tsv" "${SLT_ARGS[@]}" \
            > "$LOGS/sqllogictest.log" 2>&1
        grep -E '^(ok  |FAIL) ' "$LOGS/sqllogictest.log" | cut -c1-160
        slt_gate "$LOGS/sqllogictest.log" sqllogictest/epiloglite-baseline.txt
    fi
else
    record sqllogictest-build 0 1
fi

section "python e2e (bindings/python) on $E2E_LIB"
EPILOGLITE_NO_BUILD=1 EPILOGLITE_LIB="$E2E_LIBDIR" timeout 600 bindings/python/run.sh 2>&1 | tee "$LOGS/python.log"
rc=${PIPESTATUS[0]}
read -r p f < <(counts "$LOGS/python.log"; echo "0 1")
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
record python "$p" "$f"

section "sqlite3 shell differential suite (bindings/cli)"
# On real SQLite every script must match (proves the suite); on EpilogLite the number of
# matching scripts must not fall below bindings/cli/epiloglite-baseline.txt (issue 5 raises it).
EPILOGLITE_NO_BUILD=1 EPILOGLITE_LIB="$SYSTEM_LIBDIR" timeout 900 bindings/cli/run.sh > "$LOGS/cli-system.log" 2>&1
rc=$?
read -r p f < <(counts "$LOGS/cli-system.log"; echo "0 1")
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
record cli-on-system "$p" "$f"
if [ "$TARGET" = epiloglite ]; then
    EPILOGLITE_NO_BUILD=1 EPILOGLITE_LIB="$E2E_LIBDIR" timeout 900 bindings/cli/run.sh > "$LOGS/cli.log" 2>&1
    read -r p f < <(counts "$LOGS/cli.log"; echo "0 1")
    base=$(grep -v '^#' bindings/cli/epiloglite-baseline.txt 2>/dev/null | head -1 | tr -d '[:space:]')
    echo "EpilogLite sqlite3 shell suite: $p of $((p + f)) scripts match real SQLite (baseline: ${base:-none}); diffs in target/test-logs/cli.log"
    INFO+=("EpilogLite sqlite3 shell suite: $p of $((p + f)) scripts match real SQLite; baseline ${base:-none}")
    if [ -n "$base" ] && [ "$p" -ge "$base" ]; then record cli-baseline 1 0; else record cli-baseline 0 1; fi
fi

section "CPython's own test_sqlite3 (bindings/cpython)"
# On real SQLite it must reach bindings/cpython/expected-system.txt (430 passed: proves the
# harness); on EpilogLite at least expected-epiloglite.txt (issue 5 raises it to 430). An
# interpreter without its `test` package (exit 2) is reported, not counted.
for tgt in system "$TARGET"; do
    [ "$tgt" = system ] && lib="$SYSTEM_LIBDIR" || lib="$E2E_LIBDIR"
    [ "$tgt" = system ] && [ "$TARGET" = system ] && [ -n "${CPY_DONE:-}" ] && continue
    CPY_DONE=1
    EPILOGLITE_NO_BUILD=1 EPILOGLITE_LIB="$lib" timeout 1200 bindings/cpython/run.sh \
        > "$LOGS/cpython-$tgt.log" 2>&1
    rc=$?
    grep -aE '^cpython on |REGRESSION|better than' "$LOGS/cpython-$tgt.log"
    if [ $rc = 2 ]; then
        INFO+=("cpython test_sqlite3 on $tgt: not run ($(tail -1 "$LOGS/cpython-$tgt.log"))")
    elif [ $rc = 0 ]; then
        record "cpython-$tgt" 1 0
        INFO+=("$(grep -aE '^cpython on ' "$LOGS/cpython-$tgt.log" | tail -1) (gate: expected-$tgt.txt)")
    else
        record "cpython-$tgt" 0 1
    fi
done

section "benchmark, quick mode (benches/run.sh --quick): system vs $E2E_LIB"
# Proves the benchmark runs and both libraries compute the same results (it fails on a
# checksum difference); the ratios of this tiny run are printed, not judged.
if BENCH_OUT="$ROOT/target/bench-quick" EPILOGLITE_NO_BUILD=1 EPILOGLITE_LIB="$E2E_LIBDIR" timeout 600 benches/run.sh --quick \
        > "$LOGS/bench-quick.log" 2>&1; then
    record bench-quick 1 0
    grep -aiE 'geometric' "$LOGS/bench-quick.log" | tail -1
else
    record bench-quick 0 1
    tail -20 "$LOGS/bench-quick.log"
fi

# While the e2e target is 'system', also show how far EpilogLite gets on the same suites. This
# is informational only (not counted, never fails the run); EPILOGLITE_INFO=0 turns it off.
if [ "$TARGET" = system ] && [ "${EPILOGLITE_INFO:-1}" = 1 ] \
        && [ -e target/release/lib/libsqlite3.so.0 ] && [ -x "$SLT_BIN" ]; then
    section "informational: EpilogLite on the same suites (not counted)"
    "$SLT_BIN" --lib "$ROOT/target/release/lib/libsqlite3.so.0" --timeout 120 \
        --budget "${EPILOGLITE_INFO_BUDGET:-300}" --show 2 \
        --report "$LOGS/sqllogictest-epiloglite.tsv" @sqllogictest/ci-files.txt \
        > "$LOGS/sqllogictest-epiloglite.log" 2>&1
    grep -E '^(ok  |FAIL) ' "$LOGS/sqllogictest-epiloglite.log" | cut -c1-150 \
        | sed 's/^/  [EpilogLite, not counted] /' 
    read -r ip if_ < <(counts "$LOGS/sqllogictest-epiloglite.log"; echo "0 0")
    INFO=("EpilogLite sqllogictest (ci subset): $ip of $((ip + if_)) records pass")
    EPILOGLITE_NO_BUILD=1 timeout 300 bindings/python/run.sh > "$LOGS/python-epiloglite.log" 2>&1
    read -r ip if_ < <(counts "$LOGS/python-epiloglite.log"; echo "0 ?")
    INFO+=("EpilogLite python e2e: $ip passed, $if_ failing (log: target/test-logs/python-epiloglite.log)")
    EPILOGLITE_NO_BUILD=1 timeout 300 bindings/cli/run.sh > "$LOGS/cli-epiloglite.log" 2>&1
    read -r ip if_ < <(counts "$LOGS/cli-epiloglite.log"; echo "0 ?")
    INFO+=("EpilogLite sqlite3 shell suite: $ip passed, $if_ failing (log: target/test-logs/cli-epiloglite.log)")
fi

if [ $FULL = 1 ]; then
    section "benchmark (benches/run.sh): system vs $E2E_LIB"
    if EPILOGLITE_NO_BUILD=1 EPILOGLITE_LIB="$E2E_LIBDIR" benches/run.sh 2>&1 | tee "$LOGS/bench.log"; then
        record bench 1 0
    else
        record bench 0 1
    fi
fi

section "summary (e2e target: $TARGET; logs in target/test-logs/)"
for s in "${SUMMARY[@]}"; do echo "  $s"; done
for s in "${INFO[@]}"; do echo "  informational: $s"; done
echo "elapsed $(( $(date +%s) - T0 ))s"
echo "total: $TOTAL_P passed, $TOTAL_F failed"
[ "$TOTAL_F" -eq 0 ]
