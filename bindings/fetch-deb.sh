# Sourced by harnesses that take a suite from a Debian source package.
#   apt_install PKG...            apt-get install (as root or via sudo) when something is missing
#   fetch_deb_source SRCPKG DIR   download SRCPKG's .dsc/orig/debian tarballs into DIR (no
#                                 unpacking); adds deb-src lines for the configured suites
#                                 when apt has none. Tries each version apt knows, newest first
#                                 (a mirror may lack the newest security upload's files).
_sudo() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    DEBIAN_FRONTEND=noninteractive _sudo apt-get install -y --no-install-recommends "$@" \
        || { _sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive \
             _sudo apt-get install -y --no-install-recommends "$@"; }
}
_ensure_deb_src() {
    if apt-cache showsrc "$1" 2>/dev/null | grep -q '^Package:'; then return 0; fi
    local f=/etc/apt/sources.list.d/epiloglite-src.sources
    if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        # The deb lines' URIs and suites, as deb-src.
        { for s in /etc/apt/sources.list.d/*.sources; do
              [ -f "$s" ] && sed 's/^Types: *deb$/Types: deb-src/' "$s" && echo
          done; } | _sudo tee "$f" >/dev/null
        if [ -f /etc/apt/sources.list ]; then
            grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
                | _sudo tee /etc/apt/sources.list.d/epiloglite-src.list >/dev/null
        fi
    fi
    _sudo apt-get update -q >/dev/null
}
fetch_deb_source() {
    local pkg="$1" dir="$2" v
    _ensure_deb_src "$pkg"
    for v in $(apt-cache showsrc "$pkg" | sed -n 's/^Version: //p' | sort -rV); do
        if (cd "$dir" && apt-get source -q --download-only "$pkg=$v" >"$dir/fetch.log" 2>&1); then
            return 0
        fi
        echo "fetch: $pkg=$v not downloadable from this mirror, trying an older version" >&2
        rm -f "$dir/${pkg}_"*
    done
    echo "fetch: could not download the source of $pkg (see $dir/fetch.log)" >&2
    return 1
}
