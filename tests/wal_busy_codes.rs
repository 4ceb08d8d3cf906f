//! SQLITE_BUSY / SQLITE_BUSY_SNAPSHOT / SQLITE_BUSY_RECOVERY reported exactly as SQLite, in WAL and DELETE mode:
//! `tests/wal_scripts/busy_codes.py` runs in Python on real SQLite and on the library under
//! test and prints, per situation, the error (message and extended code) and whether the busy
//! handler waited: a write from a stale WAL snapshot is SQLITE_BUSY_SNAPSHOT (517) at once; an
//! upgrade of a read transaction while another connection writes is SQLITE_BUSY at once (no
//! busy handler: it could deadlock); a fresh BEGIN IMMEDIATE waits for the busy timeout, then
//! SQLITE_BUSY. The outputs must be equal.
//!
//! Library under test as in `interop_common` (the system library unless `EPILOGLITE_E2E=1`).

mod interop_common;
use interop_common::*;
use std::process::Command;

fn run(on_lut: bool, dir: &std::path::Path, mode: &str) -> String {
    run_script(on_lut, dir, "busy_codes.py", &[mode])
}

fn run_script(on_lut: bool, dir: &std::path::Path, script: &str, args: &[&str]) -> String {
    std::fs::create_dir_all(dir).expect("temp dir");
    let mut cmd = if on_lut {
        let mut c = Command::new(root().join("epiloglite"));
        c.env("EPILOGLITE_LIB", lut_dir())
            .env("EPILOGLITE_NO_BUILD", "1")
            .env_remove("LD_LIBRARY_PATH")
            .arg("python3");
        c
    } else {
        let mut c = Command::new("python3");
        c.env_remove("LD_LIBRARY_PATH").env_remove("LD_PRELOAD");
        c
    };
    cmd.arg(root().join("tests/wal_scripts").join(script))
        .arg(dir)
        .args(args);
    let out = output_within(&mut cmd, script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check(mode: &str, must: &str) {
    let base = std::env::temp_dir().join(format!("epiloglite-busy-{mode}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let want = run(false, &base.join("sys"), mode);
    assert!(want.contains(must), "{want}");
    let got = run(true, &base.join("lut"), mode);
    assert_eq!(got, want, "real SQLite:\n{want}\nunder test:\n{got}");
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn wal_busy_snapshot_and_busy_as_sqlite() {
    check("wal", "database is locked (517)");
}

#[test]
fn delete_mode_busy_as_sqlite() {
    check(
        "delete",
        "upgrade while other writes         database is locked (5)           at once",
    );
}

/// A reader meeting a wal-index that needs recovery while another process holds WRITE and
/// RECOVER (simulated with fcntl locks on the `-shm`) gets SQLITE_BUSY_RECOVERY (261) at once
/// without a busy timeout and after waiting it out with one; closing, it is alone on the db
/// file, so it checkpoints past the stale shm locks and deletes `-wal`/`-shm` (as
/// sqlite3WalClose): the next connection reads; and reads normally once that process is gone.
#[test]
fn wal_busy_recovery_as_sqlite() {
    let base = std::env::temp_dir().join(format!("epiloglite-busyrec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let want = run_script(false, &base.join("sys"), "busy_recovery.py", &[]);
    assert!(want.contains("database is locked (261) at once"), "{want}");
    assert!(want.contains("database is locked (261) waited"), "{want}");
    assert!(want.contains("timeout 0.0: [(1,)] at once"), "{want}");
    let got = run_script(true, &base.join("lut"), "busy_recovery.py", &[]);
    assert_eq!(got, want, "real SQLite:\n{want}\nunder test:\n{got}");
    let _ = std::fs::remove_dir_all(&base);
}
