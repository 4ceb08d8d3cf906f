//! Python's `sqlite3` module on EpilogLite: `blobopen`, `backup` and `serialize`/`deserialize`
//! (`capi-tests/py/`), and the C API behaviours the client suites rely on (`capi_python/`,
//! through ctypes). Differential: each script's output on our library must equal its output
//! on the system's SQLite 3.40.1.

mod capi_common;
use capi_common::*;
use std::process::Command;

fn run_py(script: &str, ours: bool) -> String {
    run_py_args(
        &[manifest_dir()
            .join("capi-tests/py")
            .join(script)
            .to_string_lossy()
            .as_ref()],
        ours,
    )
}

fn run_py_args(args: &[&str], ours: bool) -> String {
    let script = args.join(" ");
    let mut cmd = Command::new("python3");
    cmd.args(args);
    if ours {
        cmd.env("LD_LIBRARY_PATH", lib_dir());
    } else {
        cmd.env_remove("LD_LIBRARY_PATH");
    }
    let o = cmd.output().expect("python3 runs");
    assert!(o.status.success(), "{script} (ours={ours}): {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn python_blob_backup_serialize_differential() {
    // The ours-run really maps our library (else the comparison would prove nothing).
    let probe = Command::new("python3")
        .args([
            "-c",
            "import sqlite3; print('libepiloglite.so' in open('/proc/self/maps').read())",
        ])
        .env("LD_LIBRARY_PATH", lib_dir())
        .output()
        .expect("python3 runs");
    assert_eq!(
        String::from_utf8_lossy(&probe.stdout).trim(),
        "True",
        "{}",
        text(&probe)
    );
    let sys = run_py("blob_backup_serialize.py", false);
    let ours = run_py("blob_backup_serialize.py", true);
    assert!(sys.contains("dst integrity ok"), "{sys}");
    assert_eq!(
        ours, sys,
        "python output differs between EpilogLite and SQLite"
    );
}

/// errcode after reset/finalize and with extended codes, LIMIT_VARIABLE_NUMBER, LIMIT_LENGTH
/// on bind and expanded_sql, txn_state, backup of a source being written, CANTOPEN for a
/// directory, mode=memory filenames, collation_needed, blob expiry and its unknown-database
/// message, statements recompiled after their collation is removed.
#[test]
fn client_capi_behaviours_differential() {
    let script = manifest_dir().join("tests/capi_python/client_fixes.py");
    let script = script.to_string_lossy();
    let sys = run_py_args(&[script.as_ref()], false);
    let ours = run_py_args(&[script.as_ref()], true);
    assert!(
        sys.contains("h after removal: no such collation sequence"),
        "{sys}"
    );
    assert_eq!(ours, sys, "output differs between EpilogLite and SQLite");
}

/// After SQLITE_CONFIG_SINGLETHREAD, sqlite3_mutex_alloc hands out the no-op mutex (pointer 8):
/// rusqlite refuses to open connections when it sees it.
#[test]
fn singlethread_config_gives_the_noop_mutex() {
    let code = "import ctypes; L = ctypes.CDLL('libsqlite3.so.0'); \
                print(L.sqlite3_config(1), L.sqlite3_initialize(), L.sqlite3_mutex_alloc(0))";
    let sys = run_py_args(&["-c", code], false);
    let ours = run_py_args(&["-c", code], true);
    assert_eq!(sys.trim(), "0 0 8");
    assert_eq!(ours, sys);
}
