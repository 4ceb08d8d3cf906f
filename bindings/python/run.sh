#!/usr/bin/env bash
# Runs bindings/python/test_epiloglite.py (unittest, Python's stdlib sqlite3) under the
# launcher, i.e. on EpilogLite's libsqlite3.so.0 -- or on EPILOGLITE_LIB=DIR's library, e.g.
# EPILOGLITE_LIB=/usr/lib/x86_64-linux-gnu to check the tests themselves against real SQLite.
# Prints 'N passed, M failed' and exits non-zero on any failure.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
exec "$ROOT/epiloglite" python3 "$HERE/test_epiloglite.py" "$@"
