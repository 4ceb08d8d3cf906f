#!/usr/bin/env bash
# Installs what EpilogLite's tests need on Debian 12, if missing: a C compiler (build-essential),
# the real sqlite3 CLI and headers (the oracle), python3, pkg-config, valgrind (memcheck test).
# Idempotent, and a fast no-op when everything is present. Runs as root, or via sudo if
# available. Needs Rust/cargo already installed (not installed here).
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

have_cmd gcc && have_cmd make || need+=(build-essential)
have_cmd sqlite3 || need+=(sqlite3)
{ have_pkg libsqlite3-dev || [ -f /usr/include/sqlite3.h ]; } || need+=(libsqlite3-dev)
have_cmd python3 || need+=(python3)
have_cmd pkg-config || need+=(pkg-config)
have_cmd valgrind || need+=(valgrind)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi

if ! have_cmd apt-get; then
    echo "install-deps: missing ${need[*]} and no apt-get; install them by hand" >&2
    exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if have_cmd sudo; then
        SUDO=(sudo)
    else
        echo "install-deps: missing ${need[*]}; not root and no sudo" >&2
        exit 1
    fi
fi
echo "install-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
