//! `include/sqlite3.h` is current (regenerated with the pinned cbindgen and compared), its
//! version macros match the library, it declares every export, and every upstream SQLite 3.40.1
//! prototype is compatible with it (a C file redeclaring them all after including ours must
//! compile: "conflicting types" would be an error).

mod capi_common;
use capi_common::*;
use std::path::PathBuf;
use std::process::Command;

const CBINDGEN_VERSION: &str = "0.27.0";

/// The pinned cbindgen: `$CBINDGEN`, else on PATH / in ~/.cargo/bin, else installed into
/// `target/tools` (a fresh CI machine pays this once).
fn cbindgen() -> PathBuf {
    let ok = |p: &PathBuf| {
        Command::new(p)
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains(CBINDGEN_VERSION))
            .unwrap_or(false)
    };
    let mut candidates = vec![];
    if let Some(p) = std::env::var_os("CBINDGEN") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(PathBuf::from("cbindgen"));
    if let Some(h) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(h).join(".cargo/bin/cbindgen"));
    }
    let tools = profile_dir().parent().unwrap().join("tools");
    candidates.push(tools.join("bin/cbindgen"));
    for c in &candidates {
        if ok(c) {
            return c.clone();
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let st = Command::new(cargo)
        .args([
            "install",
            "cbindgen",
            "--version",
            CBINDGEN_VERSION,
            "--locked",
            "--root",
        ])
        .arg(&tools)
        .status()
        .expect("cargo install cbindgen");
    assert!(
        st.success(),
        "installing cbindgen {CBINDGEN_VERSION} failed"
    );
    tools.join("bin/cbindgen")
}

fn committed() -> String {
    std::fs::read_to_string(manifest_dir().join("include/sqlite3.h")).expect("include/sqlite3.h")
}

#[test]
fn header_is_current() {
    let out = profile_dir().join("sqlite3.h.regenerated");
    let st = Command::new(manifest_dir().join("tools/gen_header.sh"))
        .arg(&out)
        .env("CBINDGEN", cbindgen())
        .status()
        .expect("run tools/gen_header.sh");
    assert!(st.success());
    let fresh = std::fs::read_to_string(&out).unwrap();
    assert!(
        fresh == committed(),
        "include/sqlite3.h is stale: run tools/gen_header.sh (diff {} include/sqlite3.h)",
        out.display()
    );
}

fn macro_value(h: &str, name: &str) -> String {
    let line = h
        .lines()
        .find(|l| l.starts_with("#define ") && l.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("{name} not defined"));
    line.splitn(3, char::is_whitespace)
        .nth(2)
        .unwrap()
        .trim()
        .trim_matches('"')
        .to_string()
}

#[test]
fn version_macros_match_library() {
    let h = committed();
    assert_eq!(
        macro_value(&h, "SQLITE_VERSION"),
        epiloglite::SQLITE_VERSION
    );
    assert_eq!(
        macro_value(&h, "SQLITE_VERSION_NUMBER"),
        epiloglite::SQLITE_VERSION_NUMBER.to_string()
    );
    assert_eq!(
        macro_value(&h, "SQLITE_SOURCE_ID"),
        epiloglite::SQLITE_SOURCE_ID
    );
    assert!(epiloglite::SQLITE_SOURCE_ID
        .starts_with("2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd"));
}

#[test]
fn every_export_is_declared() {
    let h = committed();
    let mut missing = vec![];
    for f in ["sqlite3-3.40.1.symbols", "sqlite3-3.40.1.session.symbols"] {
        let t = std::fs::read_to_string(manifest_dir().join("tests/capi_abi").join(f)).unwrap();
        for name in t.lines().filter_map(|l| l.split_whitespace().next()) {
            let declared = [" ", "*", "\n"]
                .iter()
                .any(|p| h.contains(&format!("{p}{name}(")) || h.contains(&format!("{p}{name}[]")))
                || h.contains(&format!("*{name};"));
            if !declared {
                missing.push(name.to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not declared in include/sqlite3.h: {missing:?}"
    );
    // 330 of SQLite plus the encryption API (sqlite3_key, _v2, sqlite3_rekey, _v2).
    assert_eq!(
        h.lines().filter(|l| l.starts_with("SQLITE_API")).count(),
        334
    );
}

/// Every `SQLITE_API` declaration of the upstream header, as C text.
fn upstream_declarations(src: &str) -> Vec<String> {
    let mut s = String::new();
    let mut rest = src;
    while let Some(i) = rest.find("/*") {
        s.push_str(&rest[..i]);
        rest = rest[i + 2..]
            .find("*/")
            .map(|j| &rest[i + 2 + j + 2..])
            .unwrap_or("");
    }
    s.push_str(rest);
    let mut out = vec![];
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(j) = s[i..].find("SQLITE_API").map(|j| j + i) {
        let ls = s[..j].rfind('\n').map(|x| x + 1).unwrap_or(0);
        if s[ls..j].trim_start().starts_with('#') {
            i = j + 10;
            continue;
        }
        let (mut depth, mut k) = (0i32, j);
        while k < b.len() {
            match b[k] {
                b'(' => depth += 1,
                b')' => depth -= 1,
                b';' if depth == 0 => break,
                _ => {}
            }
            k += 1;
        }
        out.push(s[j..=k.min(b.len() - 1)].to_string());
        i = k + 1;
    }
    out
}

#[test]
fn upstream_prototypes_are_compatible() {
    let up = std::fs::read_to_string("/usr/include/sqlite3.h")
        .expect("upstream /usr/include/sqlite3.h (libsqlite3-dev)");
    // Declarations the Debian build does not export (debug-only or optional features).
    let skip = [
        "sqlite3_mutex_held",
        "sqlite3_mutex_notheld",
        "sqlite3_normalized_sql",
    ];
    let mut c = String::from("#include \"sqlite3.h\"\n");
    let mut n = 0;
    for d in upstream_declarations(&up) {
        if skip.iter().any(|s| d.contains(&format!("{s}("))) {
            continue;
        }
        c.push_str(&d);
        c.push('\n');
        n += 1;
    }
    c.push_str("int main(void) { return 0; }\n");
    assert!(n > 300, "parsed only {n} upstream declarations");
    let src = profile_dir().join("protocheck.c");
    std::fs::write(&src, c).unwrap();
    let out = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args([
            "-std=c11",
            "-Wall",
            "-Werror",
            "-DSQLITE_ENABLE_SESSION",
            "-DSQLITE_ENABLE_PREUPDATE_HOOK",
            "-c",
            "-o",
            "/dev/null",
            "-I",
        ])
        .arg(manifest_dir().join("include"))
        .arg(&src)
        .output()
        .expect("run cc");
    assert!(
        out.status.success(),
        "upstream prototypes conflict with ours:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
