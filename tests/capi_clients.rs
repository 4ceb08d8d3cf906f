//! Real, unmodified clients load our library through `LD_LIBRARY_PATH` (DESIGN §1): the dynamic
//! loader resolves every import, the clients' run-time checks on the library pass, and — once
//! the engine can run a SELECT (checked in code with `engine_available()`) — they get answers.

mod capi_common;
use capi_common::*;
use std::path::Path;
use std::process::Command;

fn no_loader_errors(out: &str) {
    for bad in [
        "symbol lookup error",
        "undefined symbol",
        "error while loading shared libraries",
    ] {
        assert!(!out.contains(bad), "dynamic loader failed: {out}");
    }
}

#[test]
fn sqlite3_shell_loads_and_passes_the_source_id_check() {
    let shell = Path::new("/usr/bin/sqlite3");
    assert!(
        shell.exists(),
        "the sqlite3 shell (package sqlite3) is required"
    );
    let ldd = Command::new("ldd")
        .arg(shell)
        .env("LD_LIBRARY_PATH", lib_dir())
        .output()
        .unwrap();
    let ldd = String::from_utf8_lossy(&ldd.stdout).into_owned();
    assert!(
        ldd.contains(&format!("{}/libsqlite3.so.0", lib_dir().display())),
        "{ldd}"
    );

    // `-version` prints sqlite3_libversion() and sqlite3_sourceid(): ours names EpilogLite.
    let v = Command::new(shell)
        .arg("-version")
        .env("LD_LIBRARY_PATH", lib_dir())
        .output()
        .unwrap();
    let vt = text(&v);
    no_loader_errors(&vt);
    assert!(
        !vt.contains("SQLite header and source version mismatch"),
        "{vt}"
    );
    assert!(v.status.success(), "{vt}");
    assert!(
        vt.starts_with("3.40.1 2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd"),
        "{vt}"
    );
    assert!(
        vt.contains("epiloglite"),
        "the shell did not load our library: {vt}"
    );

    let o = Command::new(shell)
        .args([":memory:", "select sqlite_version()"])
        .env("LD_LIBRARY_PATH", lib_dir())
        .output()
        .unwrap();
    let t = text(&o);
    no_loader_errors(&t);
    assert!(!t.contains("version mismatch"), "{t}");
    if engine_available() {
        assert!(o.status.success(), "{t}");
        assert_eq!(String::from_utf8_lossy(&o.stdout), "3.40.1\n");
    } else {
        // Without the engine the shell starts and reports the failed open cleanly.
        assert!(t.contains("unable to open database"), "{t}");
    }
}

fn python_client(python: &str) {
    if !Path::new(python).exists() && which(python).is_none() {
        panic!("{python} not found");
    }
    let script = "import sqlite3, sys\n\
                  print(sqlite3.sqlite_version)\n\
                  try:\n    c = sqlite3.connect(':memory:')\n    print(c.execute('select 1+1').fetchone()[0])\n\
                  except sqlite3.OperationalError as e:\n    print('open failed:', e)\n";
    let o = Command::new(python)
        .args(["-c", script])
        .env("LD_LIBRARY_PATH", lib_dir())
        .output()
        .unwrap();
    let t = text(&o);
    no_loader_errors(&t);
    assert!(o.status.success(), "{python}: {t}");
    let mut lines = t.lines();
    assert_eq!(lines.next(), Some("3.40.1"), "{t}");
    if engine_available() {
        assert_eq!(lines.next(), Some("2"), "{t}");
    } else {
        // The system library would have opened :memory:, so this proves ours was loaded.
        assert_eq!(
            lines.next(),
            Some("open failed: unable to open database file"),
            "{t}"
        );
    }
}

fn which(cmd: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(cmd))
            .find(|p| p.exists())
    })
}

#[test]
fn python_sqlite3_module_loads_ours() {
    python_client("python3");
}

#[test]
fn debian_python_sqlite3_module_loads_ours() {
    if Path::new("/usr/bin/python3").exists() {
        python_client("/usr/bin/python3");
    }
}
