#!/usr/bin/env bash
# CPython's own test_sqlite3 (Lib/test/test_sqlite3 of the running interpreter, 3.11.7 here)
# with libsqlite3.so.0 swapped. Options: see bindings/common.sh; 'run.sh -v' lists every test.
# Real SQLite 3.40.1: 430 passed, 6 skipped.  Needs the interpreter's `test` package (pyenv
# builds have it; for Debian's python3.11 install libpython3.11-testsuite).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../common.sh"
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import test.test_sqlite3' >/dev/null 2>&1; then
    echo "cpython: $PY has no test.test_sqlite3 package" >&2
    exit 2
fi
VERB=1
for a in "${ARGS[@]+"${ARGS[@]}"}"; do [ "$a" = -v ] && VERB=2; done
cd "$WORK"
out="$(timeout 900 "$ROOT/epiloglite" "$PY" "$HERE/runner.py" "$VERB" 2>"$WORK/stderr.log")"
rc=$?
echo "$out" | grep -v '^source_id:'
[ "$VERB" = 2 ] && cat "$WORK/stderr.log"
sid="$(echo "$out" | sed -n 's/^source_id: //p')"
check_swap "$sid"
line="$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)"
if [ -z "$line" ]; then
    echo "cpython: the suite did not finish (exit status $rc); see $WORK/stderr.log" >&2
    report cpython 0 436
    exit 1
fi
set -- $line
report cpython "$1" "$3"
