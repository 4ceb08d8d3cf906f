#!/usr/bin/env bash
# rusqlite 0.32.1's own tests (crates.io source, unit tests + tests/*.rs, not doc-tests), built
# against the SYSTEM library (libsqlite3-sys 0.30.1 not bundled: LIBSQLITE3_SYS_USE_PKG_CONFIG=1)
# with the features whose bindings exist in 3.40.1, then each test executable run with
# libsqlite3.so.0 swapped via LD_LIBRARY_PATH. The swap is proven from the dynamic loader's own
# trace (LD_DEBUG=libs) of the unit-test executable. config_log (harness = false) counts as one
# test (its exit status). Real SQLite 3.40.1: 213 passed.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../common.sh"
VER=0.32.1
FEATURES="backup blob chrono collation column_decltype csvtab extra_check functions hooks i128_blob limits load_extension serde_json series time trace unlock_notify url uuid vtab"
SRC="$WORK/rusqlite-$VER"
if [ ! -f "$SRC/Cargo.toml" ]; then
    mkdir -p "$WORK/fetch/src"
    printf '[package]\nname = "fetch-rusqlite"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nrusqlite = "=%s"\n[workspace]\n' "$VER" > "$WORK/fetch/Cargo.toml"
    : > "$WORK/fetch/src/lib.rs"
    (cd "$WORK/fetch" && cargo fetch -q) || exit 2
    reg="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/rusqlite-$VER | head -1)"
    [ -d "$reg" ] || { echo "rusqlite: $VER not in the cargo registry after fetch" >&2; exit 2; }
    cp -r "$reg" "$SRC" && printf '\n[workspace]\n' >> "$SRC/Cargo.toml"
fi
cd "$SRC"
export LIBSQLITE3_SYS_USE_PKG_CONFIG=1 CARGO_TARGET_DIR="$WORK/target"
# Built once against the system library (no LD_LIBRARY_PATH: the build scripts run on it).
bins="$(env -u LD_LIBRARY_PATH cargo test --tests --no-run --features "$FEATURES" 2>&1 | tee "$WORK/build.log" \
        | sed -n 's/.*Executable .* (\(.*\))$/\1/p')"
[ -n "$bins" ] || { echo "rusqlite: build failed, see $WORK/build.log" >&2; exit 2; }
unit="$(echo "$bins" | grep '/rusqlite-' | head -1)"
loaded="$(on_lib env LD_DEBUG=libs "$unit" --list 2>&1 >/dev/null | sed -n 's/.*calling init: \(.*libsqlite3[^ ]*\)$/\1/p' | head -1)"
check_swap "loaded $(realpath "$loaded" 2>/dev/null || echo "$loaded")"
passed=0; failed=0
for b in $bins; do
    name="$(basename "$b")"
    out="$(cd "$SRC" && timeout 600 "$ROOT/epiloglite" "$b" 2>&1)"; rc=$?
    echo "$out" > "$WORK/${name%-*}.log"
    line="$(echo "$out" | grep -E '^test result:' | tail -1)"
    if [ -n "$line" ]; then
        p="$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')"
        f="$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')"
    elif [ $rc = 0 ]; then p=1; f=0          # harness = false: one test, its exit status
    else
        # crashed or harness=false failure: count the tests it should have run as failed
        p=0; f="$(cd "$SRC" && "$b" --list 2>/dev/null | grep -c ': test$')"; [ "$f" = 0 ] && f=1
    fi
    echo "$out" | grep -E '^test .* FAILED$|^---- ' | sed 's/^/  /' | head -60
    echo "${name%-*}: $p passed, $f failed (exit $rc)"
    passed=$((passed + p)); failed=$((failed + f))
done
report rusqlite "$passed" "$failed"
