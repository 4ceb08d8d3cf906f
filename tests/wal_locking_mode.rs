//! `PRAGMA locking_mode` exactly as SQLite: `tests/wal_scripts/locking_mode.py` runs connection
//! A on real SQLite and on the library under test; after each step another process running
//! real SQLite tries to read and to write (SHARED held after a read, EXCLUSIVE after a write,
//! both kept until NORMAL + the next access, in DELETE / PERSIST / TRUNCATE journal modes; the
//! journal file kept with a zeroed header in exclusive DELETE mode), the WAL opened in
//! exclusive mode has its wal-index in heap memory (no `-shm` file, the pragma cannot leave
//! EXCLUSIVE, a second connection is locked out), a `-shm` WAL switched to exclusive locks
//! others out after its next write and lets them in after the next access in NORMAL mode,
//! and the pragma's answers (bare query = connection default, `:memory:`, `temp.`). The
//! printed transcripts (results, error codes, files beside the database and their sizes) must
//! be equal.
//!
//! Library under test as in `interop_common` (the system library unless `EPILOGLITE_E2E=1`).

mod interop_common;
use interop_common::*;
use std::process::Command;

fn run_script(on_lut: bool, dir: &std::path::Path, script: &str) -> String {
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
        .arg(dir);
    let out = output_within(&mut cmd, script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn locking_mode_as_sqlite() {
    let base = std::env::temp_dir().join(format!("epiloglite-lockmode-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let want = run_script(false, &base.join("sys"), "locking_mode.py");
    // The oracle itself must show the locks (else the comparison proves nothing).
    assert!(
        want.contains("other read: database is locked (5)"),
        "{want}"
    );
    assert!(want.contains("files: -journal:zeroed"), "{want}");
    assert!(
        want.contains("second connection: database is locked (5)"),
        "{want}"
    );
    let got = run_script(true, &base.join("lut"), "locking_mode.py");
    if got != want {
        for (i, (a, b)) in want.lines().zip(got.lines()).enumerate() {
            if a != b {
                panic!("first difference at line {}:\nreal SQLite: {a}\nunder test:  {b}\n\nreal SQLite:\n{want}\nunder test:\n{got}", i + 1);
            }
        }
        panic!("lengths differ:\nreal SQLite:\n{want}\nunder test:\n{got}");
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// A `-wal` left by a killed real SQLite process, opened in exclusive mode: recovered into a
/// heap-memory wal-index (no `-shm` created), written, checkpointed, closed, as SQLite.
#[test]
fn exclusive_open_recovers_wal_into_heap_as_sqlite() {
    let base = std::env::temp_dir().join(format!("epiloglite-lockrec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let want = run_script(false, &base.join("sys"), "locking_mode_recover.py");
    assert!(want.contains("[(50, 1225)] ['h.db', 'h.db-wal']"), "{want}");
    let got = run_script(true, &base.join("lut"), "locking_mode_recover.py");
    assert_eq!(got, want, "real SQLite:\n{want}\nunder test:\n{got}");
    let _ = std::fs::remove_dir_all(&base);
}
