# Shared by bindings/<client>/run.sh (sourced, not run). Each harness runs a client's OWN test
# suite with libsqlite3.so.0 swapped through the launcher (`./epiloglite`, LD_LIBRARY_PATH), proves
# the swap by asking the client for sqlite_source_id(), prints 'N passed, M failed' and compares
# N with the expected count committed beside it.
#
#   run.sh                 on EpilogLite (target/release/lib; built by the launcher)
#   run.sh --system        on the system's real SQLite 3.40.1 (proves the harness)
#   run.sh --update        also rewrite expected-<target>.txt with the measured counts
# Extra arguments after these are passed on to the suite where the harness says so.
# Exit status: 0 when passed >= expected passed, 1 otherwise (2: harness/setup error).
ROOT="$(cd "$HERE/../.." && pwd)"
SYSTEM_LIBDIR="${EPILOGLITE_SYSTEM_LIBDIR:-/usr/lib/x86_64-linux-gnu}"
TARGET=epiloglite
UPDATE=0
ARGS=()
for a in "$@"; do
    case "$a" in
        --system) TARGET=system ;;
        --update) UPDATE=1 ;;
        *) ARGS+=("$a") ;;
    esac
done
if [ -n "${EPILOGLITE_LIB:-}" ] && [ "$(cd "$EPILOGLITE_LIB" && pwd)" = "$SYSTEM_LIBDIR" ]; then
    TARGET=system
fi
if [ $TARGET = system ]; then
    export EPILOGLITE_LIB="$SYSTEM_LIBDIR"
fi
WORK="$HERE/work"
mkdir -p "$WORK"

# on_lib CMD...: run CMD with the target library first on LD_LIBRARY_PATH.
on_lib() { "$ROOT/epiloglite" "$@"; }

# check_swap SOURCE_ID: the source id the client reported; fails unless it names the target.
check_swap() {
    local sid="$1"
    echo "sqlite_source_id() seen by the client: $sid"
    case "$TARGET:$sid" in
        epiloglite:*epiloglite*) ;;
        system:*epiloglite*|epiloglite:*)
            echo "swap check FAILED: target is $TARGET but the client loaded another library" >&2
            exit 2 ;;
    esac
}

# report NAME PASSED FAILED: prints the counts, compares with expected-<target>.txt.
report() {
    local name="$1" passed="$2" failed="$3" exp="$HERE/expected-$TARGET.txt"
    echo "$name on $TARGET: $passed passed, $failed failed"
    if [ $UPDATE = 1 ]; then
        echo "$passed passed, $failed failed" > "$exp"
        echo "wrote $exp"
        return 0
    fi
    if [ ! -f "$exp" ]; then
        echo "no $exp (run with --update to record)" >&2
        return 1
    fi
    local want
    want="$(awk '{print $1; exit}' "$exp")"
    if [ "$passed" -lt "$want" ]; then
        echo "REGRESSION: expected at least $want passed ($exp)" >&2
        return 1
    fi
    [ "$passed" -gt "$want" ] && echo "better than $exp ($want passed): run with --update"
    return 0
}
