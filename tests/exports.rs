//! The cdylib exports exactly SQLite 3.40.1's public symbols (283 + 47 session), with the three
//! data symbols as objects, plus the four encryption-key functions of SEE/SQLCipher
//! (`ENCRYPTION`, `src/capi/key.rs`), nothing else (no Rust-internal or shim symbols), and the
//! soname `libsqlite3.so.0`.

mod capi_common;
use capi_common::*;
use std::collections::BTreeMap;
use std::process::Command;

fn wanted() -> BTreeMap<String, bool> {
    let mut m = BTreeMap::new();
    for f in [
        "abi/sqlite3-3.40.1.symbols",
        "abi/sqlite3-3.40.1.session.symbols",
    ] {
        let p = manifest_dir()
            .join("tests/capi_abi")
            .join(f.trim_start_matches("abi/"));
        let t = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        for line in t.lines().filter(|l| !l.trim().is_empty()) {
            let mut it = line.split_whitespace();
            let name = it.next().unwrap().to_string();
            m.insert(name, it.next() == Some("data"));
        }
    }
    m
}

/// Our additions to SQLite's exports: the encryption API (names of SEE and SQLCipher).
const ENCRYPTION: [&str; 4] = [
    "sqlite3_key",
    "sqlite3_key_v2",
    "sqlite3_rekey",
    "sqlite3_rekey_v2",
];

#[test]
fn exported_symbols_match_sqlite_exactly() {
    let lib = cdylib();
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .expect("run nm");
    assert!(out.status.success());
    let mut have: BTreeMap<String, char> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let [_, kind, name] = f[..] {
            have.insert(name.to_string(), kind.chars().next().unwrap());
        }
    }
    let mut want = wanted();
    assert_eq!(want.len(), 330);
    for f in ENCRYPTION {
        want.insert(f.to_string(), false);
    }
    let missing: Vec<&String> = want.keys().filter(|k| !have.contains_key(*k)).collect();
    let extra: Vec<&String> = have.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(missing.is_empty(), "missing exports: {missing:?}");
    assert!(extra.is_empty(), "unexpected exports: {extra:?}");
    for (name, is_data) in &want {
        let k = have[name];
        if *is_data {
            assert!(
                "BDRVG".contains(k.to_ascii_uppercase()),
                "{name} must be a data object, nm says {k}"
            );
        } else {
            assert!(
                k == 'T' || k == 'W' || k == 'i',
                "{name} must be a function, nm says {k}"
            );
        }
    }
}

#[test]
fn soname_and_swap_link() {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(cdylib())
        .output()
        .expect("run readelf");
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("Library soname: [libsqlite3.so.0]"), "{t}");
    // lib_dir() checks target/<profile>/lib/libsqlite3.so.0 resolves to the cdylib.
    let _ = lib_dir();
}
