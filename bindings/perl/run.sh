#!/usr/bin/env bash
# DBD::SQLite's own t/ suite (Debian's libdbd-sqlite3-perl 1.72 source package), run with
# TAP::Harness (harness.pl) against the INSTALLED module, which Debian links against the system
# libsqlite3.so.0 (not its bundled sqlite3.c: `ldd .../auto/DBD/SQLite/SQLite.so`), swapped via
# LD_LIBRARY_PATH. Counts assertions. Real SQLite 3.40.1: 3,694 passed (1 skipped) in 103 files.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../common.sh"
. "$HERE/../fetch-deb.sh"
if ! perl -MDBD::SQLite -e1 2>/dev/null; then apt_install libdbd-sqlite3-perl || exit 2; fi
SRC="$(ls -d "$WORK"/libdbd-sqlite3-perl-*/ 2>/dev/null | head -1)"
if [ -z "$SRC" ] || [ ! -d "$SRC/t" ]; then
    fetch_deb_source libdbd-sqlite3-perl "$WORK" || exit 2
    orig="$(ls "$WORK"/libdbd-sqlite3-perl_*.orig.tar.* | head -1)"
    mkdir -p "$WORK/src" && tar xf "$orig" -C "$WORK/src" || exit 2
    d="$(ls -d "$WORK"/src/*/ | head -1)"
    mv "$d" "$WORK/libdbd-sqlite3-perl-$(basename "$d" | sed 's/^DBD-SQLite-//')" && rmdir "$WORK/src"
    SRC="$(ls -d "$WORK"/libdbd-sqlite3-perl-*/ | head -1)"
fi
sid="$(on_lib perl -MDBI -e 'print DBI->connect("dbi:SQLite::memory:")->selectrow_array("select sqlite_source_id()")')"
check_swap "$sid"
cd "$SRC"
out="$(timeout 1200 "$ROOT/epiloglite" perl "$HERE/harness.pl" 2>"$WORK/stderr.log")"
echo "$out" | grep -E '^(FAIL|files)'
line="$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)"
if [ -z "$line" ]; then
    echo "perl: the harness did not finish; see $WORK/stderr.log" >&2
    report perl 0 3694
    exit 1
fi
set -- $line
report perl "$1" "$3"
