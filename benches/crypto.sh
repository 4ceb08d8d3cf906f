#!/usr/bin/env bash
# Encrypted vs plain EpilogLite on the project's benchmark (benches/bench.c, built with
# benches/crypto_bench.c, which runs `PRAGMA key = $BENCH_KEY` after opening). Same binary,
# same library (target/release/lib, or EPILOGLITE_LIB=DIR), runs alternating; the best ops/s
# per scenario counts. Prints ops/s plain / encrypted and the time ratio (encrypted / plain:
# the issue's target is <= 1.25), then the cost of opening with a passphrase (one Argon2id
# derivation) vs a raw key, and whether the library's AES-GCM code uses AES-NI.
#
#   benches/crypto.sh [N]     N operations per scenario (default 100000)
#   BENCH_REPEAT=R            runs per variant (default 3)
#   BENCH_CLOCK=wall          time scenarios by the wall clock (default: CPU time of the
#                             process, user + system, which a loaded machine distorts less)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-100000}"
OUT="$ROOT/target/bench"
mkdir -p "$OUT"
CLOCK_FLAG=-DBENCH_CPU_TIME
[ "${BENCH_CLOCK:-cpu}" = wall ] && CLOCK_FLAG=
gcc -O2 $CLOCK_FLAG -I "$ROOT/benches" -o "$OUT/crypto_bench" "$ROOT/benches/crypto_bench.c" -lsqlite3
echo "timing: ${BENCH_CLOCK:-cpu}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
RAW="x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'"
REPEAT="${BENCH_REPEAT:-3}"
: > "$OUT/crypto_plain.txt"
: > "$OUT/crypto_enc.txt"
for r in $(seq 1 "$REPEAT"); do
    echo "run $r/$REPEAT: plain"
    BENCH_KEY= "$ROOT/epiloglite" "$OUT/crypto_bench" "$WORK/plain.db" "$N" 2>/dev/null \
        | tee -a "$OUT/crypto_plain.txt"
    echo "run $r/$REPEAT: encrypted (raw key)"
    BENCH_KEY="$RAW" EPILOGLITE_NO_BUILD=1 "$ROOT/epiloglite" "$OUT/crypto_bench" \
        "$WORK/enc.db" "$N" 2>/dev/null | tee -a "$OUT/crypto_enc.txt"
done
if grep -a -q "value-1-" "$WORK/enc.db"; then
    echo "PLAINTEXT FOUND in the encrypted benchmark database" >&2
    exit 1
fi

python3 - "$OUT/crypto_plain.txt" "$OUT/crypto_enc.txt" <<'PY'
import sys
def load(p):
    best = {}
    for l in open(p):
        f = l.split()
        if len(f) == 5 and (f[0] not in best or float(f[3]) > float(best[f[0]][3])):
            best[f[0]] = f
    return best
plain, enc = load(sys.argv[1]), load(sys.argv[2])
bad = 0
print(f"{'scenario':<8} {'plain ops/s':>12} {'encrypted ops/s':>16} {'time ratio':>11}")
tp = te = 0.0
for name, p in plain.items():
    e = enc[name]
    ratio = float(p[3]) / float(e[3])
    same = p[4] == e[4]
    bad += not same
    print(f"{name:<8} {float(p[3]):>12.0f} {float(e[3]):>16.0f} {ratio:>11.2f}"
          + ("" if same else "  CHECKSUM MISMATCH"))
    tp += float(p[2])
    te += float(e[2])
print(f"{'all':<8} {tp:>11.3f}s {te:>15.3f}s {te / tp:>11.2f}")
sys.exit(1 if bad else 0)
PY

# Opening cost: passphrase (Argon2id m=64 MiB, t=3, p=4) vs raw key, first query included.
LD_LIBRARY_PATH="${EPILOGLITE_LIB:-$ROOT/target/release/lib}" python3 - "$WORK" "$RAW" <<'PY'
import sqlite3, sys, time
work, raw = sys.argv[1], sys.argv[2]
assert 'libepiloglite.so' in open('/proc/self/maps').read(), 'not running on EpilogLite'
for name, key in (("passphrase", "bench passphrase"), ("raw key", raw)):
    path = f"{work}/open-{name[0]}.db"
    c = sqlite3.connect(path)
    c.execute("PRAGMA key = %s" % ("'" + key.replace("'", "''") + "'"))
    c.execute("CREATE TABLE t(x)")
    c.commit()
    c.close()
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        c = sqlite3.connect(path)
        c.execute("PRAGMA key = %s" % ("'" + key.replace("'", "''") + "'"))
        c.execute("SELECT count(*) FROM t").fetchall()
        c.close()
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    print(f"open + first query with a {name}: {best * 1000:.1f} ms")
PY

# AES-NI: the AES code in the library has AES-NI instructions (the aes crate picks them at
# run time through cpufeatures when the CPU has them).
LIB="$(readlink -f "${EPILOGLITE_LIB:-$ROOT/target/release/lib}/libsqlite3.so.0")"
N_AESNI="$(objdump -d "$LIB" | grep -c -E '\baesenc|\baesenclast' || true)"
N_PCLMUL="$(objdump -d "$LIB" | grep -c -E '\bpclmul' || true)"
CPU="$(grep -m1 -o -w aes /proc/cpuinfo || echo none)"
echo "AES-NI: $N_AESNI aesenc/aesenclast and $N_PCLMUL pclmulqdq instructions in the library; CPU flag: $CPU"
