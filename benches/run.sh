#!/usr/bin/env bash
# Side-by-side benchmark of EpilogLite against the system SQLite (issue 8).
#
# Builds benches/bench.c once; the binary dlopen()s ONE library per process and calls it through
# dlsym'd pointers, so both libraries run the same code. For each repetition and each mode
# (mem, delete, wal) it runs the system library and EpilogLite's back to back (the order
# alternates between repetitions), keeps the best ops/s of each scenario, and prints a table of
# ops/s and the ratio (EpilogLite / system; > 1 means EpilogLite is faster), the geometric mean,
# the issue-8 seed targets and peak RSS per library. Writes DIR/latest.json, DIR/latest.csv and
# DIR/latest.svg (bar chart of the ratios). Fails if the two libraries' checksums differ on any
# scenario or a scenario failed on either library.
#
#   benches/run.sh [N]          N rows per table (default 100000; the scale: 1e4, 1e5, 1e6)
#   benches/run.sh --quick      CI mode: N=2000, 1 repetition (well under a minute)
#   benches/run.sh --scale 1e6  same as N=1000000
# Environment:
#   BENCH_REPEAT=R     repetitions per library (default 3; 1 with --quick)
#   BENCH_MODES="mem delete wal"   modes to run
#   BENCH_ONLY="scan lookup_rowid" only these scenarios
#   BENCH_OUT=dir      where latest.{json,csv,svg} go (default benches/results)
#   BENCH_CSV=path     also copy the CSV there
#   BENCH_DIR=dir      where the db files go (default: a temp dir)
#   EPILOGLITE_LIB=dir EpilogLite's libsqlite3.so.0 directory (default target/release/lib,
#                      built with cargo unless EPILOGLITE_NO_BUILD=1)
#   SYSTEM_LIB=path    the reference library (default: libsqlite3.so.0 from ldconfig)
#   BENCH_TIMEOUT=s    per process (default 900)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N=100000
REPEAT="${BENCH_REPEAT:-3}"
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) N=2000; REPEAT="${BENCH_REPEAT:-1}" ;;
    --scale) N="$(python3 -c "print(int(float('$2')))")"; shift ;;
    -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
    *) N="$1" ;;
    esac
    shift
done
MODES="${BENCH_MODES:-mem delete wal}"
OUTDIR="${BENCH_OUT:-$ROOT/benches/results}"
mkdir -p "$OUTDIR"
"$ROOT/scripts/install-deps.sh"

SYSLIB="${SYSTEM_LIB:-$(ldconfig -p | awk '/libsqlite3\.so\.0 .*x86-64/ {print $NF; exit}')}"
[ -n "$SYSLIB" ] || SYSLIB="$(ldconfig -p | awk '/libsqlite3\.so\.0/ {print $NF; exit}')"
if [ -n "${EPILOGLITE_LIB:-}" ]; then
    OURLIB="$(cd "$EPILOGLITE_LIB" && pwd)/libsqlite3.so.0"
else
    if [ -z "${EPILOGLITE_NO_BUILD:-}" ]; then
        (cd "$ROOT" && cargo build --release --lib -q)
    fi
    OURLIB="$ROOT/target/release/lib/libsqlite3.so.0"
fi
for l in "$SYSLIB" "$OURLIB"; do
    [ -e "$l" ] || { echo "run.sh: no library at $l" >&2; exit 1; }
done

WORK="${BENCH_DIR:-$(mktemp -d)}"
cleanup() { [ -z "${BENCH_DIR:-}" ] && rm -rf "$WORK"; return 0; }
trap cleanup EXIT
mkdir -p "$WORK/system" "$WORK/epiloglite"
# Binary, raw lines and error logs are private to this run (two runs at once, e.g. a test
# while a full run goes on, must not mix their data); the raw lines are kept in OUTDIR.
BUILD="$WORK/build"
mkdir -p "$BUILD"
gcc -O2 -o "$BUILD/bench" "$ROOT/benches/bench.c" -ldl -lpthread
RAW="$BUILD/raw.txt"
: > "$RAW"
echo "benchmark: N=$N, $REPEAT repetition(s), modes: $MODES"
echo "  system:     $SYSLIB"
echo "  epiloglite: $OURLIB"
run_one() { # LIBNAME LIBPATH MODE
    local out err rc=0
    out="$(timeout "${BENCH_TIMEOUT:-900}" env -u LD_LIBRARY_PATH "$BUILD/bench" "$2" "$3" \
        "$WORK/$1" "$N" ${BENCH_ONLY:-} 2> "$BUILD/$1.$3.err")" || rc=$?
    printf '%s\n' "$out" | sed -n "s/^/$1 /p" >> "$RAW"
    if [ "$rc" != 0 ]; then
        echo "  $1 $3: exit $rc: $(grep -v '^bench: [a-z]* /' "$BUILD/$1.$3.err" | head -3 | tr '\n' ' ')"
        echo "$1 $3/ERROR exit=$rc" >> "$RAW"
    fi
}
for r in $(seq 1 "$REPEAT"); do
    for mode in $MODES; do
        echo "run $r/$REPEAT, $mode"
        if [ $((r % 2)) = 1 ]; then
            run_one system "$SYSLIB" "$mode"; run_one epiloglite "$OURLIB" "$mode"
        else
            run_one epiloglite "$OURLIB" "$mode"; run_one system "$SYSLIB" "$mode"
        fi
    done
done

rc=0
cp "$RAW" "$OUTDIR/latest.raw.txt"
python3 "$ROOT/benches/report.py" "$RAW" "$OUTDIR" "$N" "$REPEAT" || rc=$?
if [ -n "${BENCH_CSV:-}" ]; then
    mkdir -p "$(dirname "$BENCH_CSV")"
    cp "$OUTDIR/latest.csv" "$BENCH_CSV"
fi
exit $rc
