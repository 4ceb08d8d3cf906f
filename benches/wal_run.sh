#!/usr/bin/env bash
# WAL benchmark (issue 6): benches/wal_bench.c on the system SQLite and on EpilogLite, side by
# side, synchronous=NORMAL: single-row insert transactions/s, a 100k-row batch, 4 reader
# threads beside 1 writer. Prints ops/s per library and the ratio (EpilogLite / system; >= 1.0
# is the issue's target). Best of BENCH_REPEAT runs (default 3), libraries alternating.
#   benches/wal_run.sh [SECONDS]   (seconds per timed scenario, default 2)
# Environment: EPILOGLITE_LIB=dir (default target/release/lib, built unless
# EPILOGLITE_NO_BUILD=1), SYSTEM_LIBDIR (default /usr/lib/x86_64-linux-gnu), BENCH_REPEAT.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECS="${1:-2}"
REPEAT="${BENCH_REPEAT:-3}"
SYSDIR="${SYSTEM_LIBDIR:-/usr/lib/x86_64-linux-gnu}"
if [ -z "${EPILOGLITE_LIB:-}" ] && [ -z "${EPILOGLITE_NO_BUILD:-}" ]; then
    (cd "$ROOT" && cargo build --release --lib -q)
fi
OURDIR="${EPILOGLITE_LIB:-$ROOT/target/release/lib}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cc -O2 -o "$WORK/wal_bench" "$ROOT/benches/wal_bench.c" -lsqlite3 -lpthread
for r in $(seq 1 "$REPEAT"); do
    for lib in system epiloglite; do
        dir="$SYSDIR"; [ "$lib" = epiloglite ] && dir="$OURDIR"
        mkdir -p "$WORK/$lib"
        env -u LD_PRELOAD LD_LIBRARY_PATH="$dir" timeout 300 "$WORK/wal_bench" "$WORK/$lib" "$SECS" \
            | sed "s/^/$lib /" >> "$WORK/results"
    done
done
python3 - "$WORK/results" <<'PY'
import sys
best = {}
for line in open(sys.argv[1]):
    lib, name, ops, _ = line.split()
    best[(lib, name)] = max(best.get((lib, name), 0.0), float(ops))
print("%-22s %14s %14s %8s" % ("scenario", "system ops/s", "epiloglite", "ratio"))
for name in ["txn", "batch", "readers", "writer_with_readers"]:
    s, e = best.get(("system", name), 0), best.get(("epiloglite", name), 0)
    print("%-22s %14.0f %14.0f %8.2f" % (name, s, e, e / s if s else 0))
PY
