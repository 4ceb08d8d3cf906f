#!/usr/bin/env bash
# The sqlite3 gem's own test suite (test/test_*.rb of Debian's ruby-sqlite3 1.4.2 source
# package) with minitest against the INSTALLED gem (apt ruby-sqlite3: its native extension links
# the system libsqlite3.so.0), swapped via LD_LIBRARY_PATH.
# Real SQLite 3.40.1 (issue 5): 263 passed, 3 failed, 1 skipped (the 3 fail on real SQLite too).
# passed = runs - failures - errors - skips; failed = failures + errors.
# NOTE: needs the source package's orig tarball; on a mirror without it (and rubygems.org
# unreachable) this exits 2 with a message, it does not count anything.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../common.sh"
. "$HERE/../fetch-deb.sh"
if ! ruby -e 'require "sqlite3"' 2>/dev/null || ! ruby -e 'require "minitest"' 2>/dev/null; then
    apt_install ruby ruby-sqlite3 ruby-minitest || exit 2
fi
SRC="$(ls -d "$WORK"/sqlite3-ruby-*/ "$WORK"/ruby-sqlite3-*/ 2>/dev/null | head -1)"
if [ -z "$SRC" ] || [ ! -d "$SRC/test" ]; then
    fetch_deb_source ruby-sqlite3 "$WORK" || {
        echo "ruby: the ruby-sqlite3 source is not downloadable here; suite not run" >&2; exit 2; }
    orig="$(ls "$WORK"/ruby-sqlite3_*.orig.tar.* | head -1)"
    mkdir -p "$WORK/src" && tar xf "$orig" -C "$WORK/src" || exit 2
    d="$(ls -d "$WORK"/src/*/ | head -1)"
    mv "$d" "$WORK/ruby-sqlite3-src" && rmdir "$WORK/src"
    SRC="$WORK/ruby-sqlite3-src/"
fi
sid="$(on_lib ruby -e 'require "sqlite3"; print SQLite3::Database.new(":memory:").get_first_value("select sqlite_source_id()")')"
check_swap "$sid"
cd "$SRC"
LOG="$WORK/minitest.log"
timeout 1200 "$ROOT/epiloglite" ruby -Itest -e \
    'Dir.glob("test/test_*.rb").sort.each { |f| require File.expand_path(f) }' > "$LOG" 2>&1
grep -E '^ *[0-9]+\) (Failure|Error):' -A2 "$LOG" | head -80
line="$(grep -E '^[0-9]+ runs, [0-9]+ assertions, [0-9]+ failures, [0-9]+ errors, [0-9]+ skips' "$LOG" | tail -1)"
if [ -z "$line" ]; then
    echo "ruby: minitest did not finish; see $LOG" >&2
    report ruby 0 267
    exit 1
fi
echo "$line"
set -- $(echo "$line" | tr -d ',')
runs=$1; failures=$5; errors=$7; skips=$9
report ruby $((runs - failures - errors - skips)) $((failures + errors))
