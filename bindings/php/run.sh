#!/usr/bin/env bash
# PHP 8.2's own .phpt tests of ext/sqlite3 and ext/pdo_sqlite (with ext/pdo's common tests that
# pdo_sqlite runs), with run-tests.php against the distribution's php and its sqlite3/pdo_sqlite
# extensions (apt: php-cli php-sqlite3), libsqlite3.so.0 swapped via LD_LIBRARY_PATH.
# Sources: Debian's php8.2 source package (orig tarball, fetched with apt-get source
# --download-only on first run; deb-src lines are added if missing).
# Real SQLite 3.40.1: 217 tests, 205 passed + 1 expected failure, 11 skipped.
# 'passed' below = passed + expected failures; 'failed' = failed + warned + leaked + borked.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../common.sh"
. "$HERE/../fetch-deb.sh"
if ! command -v php >/dev/null || ! php -m | grep -qx sqlite3 || ! php -m | grep -qx pdo_sqlite; then
    apt_install php-cli php-sqlite3 || exit 2
fi
SRC="$(ls -d "$WORK"/php-8.2.*/ 2>/dev/null | head -1)"
if [ -z "$SRC" ] || [ ! -f "$SRC/run-tests.php" ]; then
    fetch_deb_source php8.2 "$WORK" || exit 2
    orig="$(ls "$WORK"/php8.2_*.orig.tar.xz | head -1)"
    (cd "$WORK" && tar xJf "$orig" --wildcards '*/run-tests.php' '*/ext/sqlite3/tests/*' \
        '*/ext/pdo_sqlite/tests/*' '*/ext/pdo/tests/*') || exit 2
    SRC="$(ls -d "$WORK"/php-8.2.*/ | head -1)"
fi
sid="$(on_lib php -r '$d = new SQLite3(":memory:"); echo $d->querySingle("select sqlite_source_id()");')"
check_swap "$sid"
psid="$(on_lib php -r '$d = new PDO("sqlite::memory:"); echo $d->query("select sqlite_source_id()")->fetchColumn();')"
check_swap "$psid"
cd "$SRC"
LOG="$WORK/run-tests.log"
TEST_PHP_EXECUTABLE="$(command -v php)" NO_INTERACTION=1 timeout 1200 \
    "$ROOT/epiloglite" php run-tests.php -q -j2 ext/sqlite3/tests ext/pdo_sqlite/tests > "$LOG" 2>&1
num() { sed -n "s/^$1 *: *\([0-9]*\).*/\1/p" "$LOG" | head -1; }
total="$(num 'Number of tests')"; passed="$(num 'Tests passed')"; xfail="$(num 'Expected fail')"
failed="$(num 'Tests failed')"; warned="$(num 'Tests warned')"; skipped="$(num 'Tests skipped')"
leaked="$(num 'Tests leaked')"; borked="$(num 'Tests borked')"
if [ -z "$total" ] || [ -z "$passed" ]; then
    echo "php: run-tests.php did not finish; see $LOG" >&2
    report php 0 217
    exit 1
fi
grep -E '^(FAIL|BORK|LEAK|WARN)' "$LOG" | sed 's/\x1b\[[0-9;]*m//g' | head -100 || true
sed -n '/^FAILED TEST SUMMARY/,/^=====/p' "$LOG"
echo "$total tests, $skipped skipped"
report php $((passed + ${xfail:-0})) $((${failed:-0} + ${warned:-0} + ${leaked:-0} + ${borked:-0}))
