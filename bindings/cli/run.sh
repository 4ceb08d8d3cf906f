#!/usr/bin/env bash
# Differential suite for the real sqlite3 shell running on the launched library: each
# cases/NAME.sql is fed to `./epiloglite sqlite3 -batch DB` (stdout and stderr together) on a
# fresh database file, then real SQLite (original environment) runs PRAGMA integrity_check on
# that file; the whole transcript must equal expected/NAME.out, which was produced by REAL
# SQLite 3.40.1 (`run.sh --update` regenerates it, always on the system library).
#
#   bindings/cli/run.sh [--update] [NAME...]
#   EPILOGLITE_LIB=/usr/lib/x86_64-linux-gnu bindings/cli/run.sh   # check on real SQLite
# Prints 'cli: N passed, M failed'; exits 1 on any failure.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SYSTEM_LIBDIR="${EPILOGLITE_SYSTEM_LIBDIR:-/usr/lib/x86_64-linux-gnu}"
UPDATE=0
NAMES=()
for a in "$@"; do
    case "$a" in
        --update) UPDATE=1 ;;
        *) NAMES+=("$a") ;;
    esac
done
if [ ${#NAMES[@]} -eq 0 ]; then
    for f in "$HERE"/cases/*.sql; do NAMES+=("$(basename "$f" .sql)"); done
fi
if [ $UPDATE = 1 ]; then
    export EPILOGLITE_LIB="$SYSTEM_LIBDIR"   # expected output always comes from real SQLite
fi
mkdir -p "$HERE/expected"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
REAL_ENV=(env -u LD_LIBRARY_PATH -u LD_PRELOAD)
[ -n "${LD_LIBRARY_PATH:-}" ] && REAL_ENV=(env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" -u LD_PRELOAD)

transcript() { # NAME -> stdout
    local name="$1" db="$WORK/$1.db"
    rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
    (cd "$WORK" && timeout 60 "$ROOT/epiloglite" sqlite3 -batch "$db" < "$HERE/cases/$name.sql" 2>&1)
    echo "-- exit status: $?"
    echo "-- real sqlite3 on the file: $("${REAL_ENV[@]}" sqlite3 -batch "$db" 'pragma integrity_check' 2>&1)"
}

pass=0
fail=0
for name in "${NAMES[@]}"; do
    if [ ! -f "$HERE/cases/$name.sql" ]; then
        echo "FAIL $name: no cases/$name.sql"; fail=$((fail + 1)); continue
    fi
    transcript "$name" > "$WORK/$name.out"
    if [ $UPDATE = 1 ]; then
        cp "$WORK/$name.out" "$HERE/expected/$name.out"
        echo "updated expected/$name.out"
        pass=$((pass + 1))
    elif diff -u "$HERE/expected/$name.out" "$WORK/$name.out" > "$WORK/$name.diff"; then
        echo "ok   $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name (diff expected actual, first lines):"
        head -40 "$WORK/$name.diff" | sed 's/^/    /'
        fail=$((fail + 1))
    fi
done
echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
