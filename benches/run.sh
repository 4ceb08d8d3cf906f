#!/usr/bin/env bash
# Side-by-side benchmark: builds benches/bench.c once (against the system sqlite3.h, linked
# dynamically to libsqlite3.so.0) and runs the SAME binary twice: on the system library, then on
# EpilogLite's (through ./epiloglite, or EPILOGLITE_LIB=DIR's library). Prints ops/s for both
# and the ratio (EpilogLite / system; > 1 means EpilogLite is faster), writes a CSV, and fails
# if the two runs' checksums differ.
#
#   benches/run.sh [N]        N operations per scenario (default 100000)
#   BENCH_CSV=path            CSV output (default target/bench/results.csv)
#   BENCH_DIR=dir             where the db files go (default: a temp dir)
#   BENCH_REPEAT=R            runs per library, alternating; the best ops/s counts (default 3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-100000}"
OUT="$ROOT/target/bench"
CSV="${BENCH_CSV:-$OUT/results.csv}"
mkdir -p "$OUT" "$(dirname "$CSV")"
"$ROOT/scripts/install-deps.sh"
gcc -O2 -o "$OUT/bench" "$ROOT/benches/bench.c" -lsqlite3
WORK="${BENCH_DIR:-$(mktemp -d)}"
trap '[ -z "${BENCH_DIR:-}" ] && rm -rf "$WORK"' EXIT

REPEAT="${BENCH_REPEAT:-3}"
: > "$OUT/system.txt"
: > "$OUT/epiloglite.txt"
for r in $(seq 1 "$REPEAT"); do
    echo "run $r/$REPEAT: system library"
    env -u LD_LIBRARY_PATH "$OUT/bench" "$WORK/system.db" "$N" | tee -a "$OUT/system.txt"
    echo "run $r/$REPEAT: epiloglite (${EPILOGLITE_LIB:-$ROOT/target/release/lib})"
    "$ROOT/epiloglite" "$OUT/bench" "$WORK/epiloglite.db" "$N" | tee -a "$OUT/epiloglite.txt"
done

python3 - "$OUT/system.txt" "$OUT/epiloglite.txt" "$CSV" <<'PY'
import sys
def load(p):
    """Best run (highest ops/s) per scenario; all runs must agree on the checksum."""
    best = {}
    for l in open(p):
        f = l.split()
        if len(f) != 5:
            continue
        b = best.get(f[0])
        if b is not None and (b[4] != f[4] or b[1] != f[1]):
            f[4] = "inconsistent"
        if b is None or float(f[3]) > float(b[3]) or f[4] == "inconsistent":
            best[f[0]] = f
    return best
sysr, ours = load(sys.argv[1]), load(sys.argv[2])
bad = 0
rows = ["scenario,ops,system_ops_per_s,epiloglite_ops_per_s,ratio,checksums_match"]
print(f"{'scenario':<8} {'system ops/s':>14} {'epiloglite ops/s':>17} {'ratio':>7}")
for name, s in sysr.items():
    o = ours.get(name)
    if o is None:
        print(f"{name:<8} {float(s[3]):>14.0f} {'missing':>17}")
        bad += 1
        continue
    ratio = float(o[3]) / float(s[3]) if float(s[3]) else 0.0
    match = s[4] == o[4] and s[1] == o[1]
    bad += not match
    print(f"{name:<8} {float(s[3]):>14.0f} {float(o[3]):>17.0f} {ratio:>7.2f}"
          + ("" if match else "  CHECKSUM MISMATCH"))
    rows.append(f"{name},{s[1]},{s[3]},{o[3]},{ratio:.3f},{str(match).lower()}")
open(sys.argv[3], "w").write("\n".join(rows) + "\n")
print(f"csv: {sys.argv[3]}")
sys.exit(1 if bad else 0)
PY
