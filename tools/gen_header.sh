#!/bin/sh
# Regenerate include/sqlite3.h (or the file named by $1): prelude (constants/types) + cbindgen
# prototypes + epilogue (variadics, data). Needs cbindgen 0.27.0 on PATH or in $CBINDGEN
# (cargo install cbindgen --version 0.27.0 --locked). tests/header.rs runs this and diffs.
set -e
cd "$(dirname "$0")/.."
out="${1:-include/sqlite3.h}"
cb="${CBINDGEN:-cbindgen}"
protos="$(mktemp)"
"$cb" --config cbindgen.toml --crate epiloglite --lang c -q -o "$protos" .
{
  cat include/sqlite3.h.d/prelude.h
  printf '\n#ifndef EPILOGLITE_SQLITE3_PROTOTYPES\n#define EPILOGLITE_SQLITE3_PROTOTYPES\n'
  printf '#include <stdarg.h>\n#include <stdint.h>\n#ifdef __cplusplus\nextern "C" {\n#endif\n\n'
  cat "$protos"
  printf '\n'
  cat include/sqlite3.h.d/epilogue.h
  printf '\n#ifdef __cplusplus\n}\n#endif\n#endif /* EPILOGLITE_SQLITE3_PROTOTYPES */\n'
} > "$out"
rm -f "$protos"
