//! `sqlite3_wal_hook` and WAL frame counts, differential against real SQLite through the C
//! API: `tests/wal_scripts/wal_hook.py` (Python ctypes) runs the same steps on the system
//! library and on the library under test and the outputs must be equal line for line:
//! - the hook is called once per commit into the WAL, after it, with the WAL's frame count,
//!   not for reads or rollbacks; a non-zero return is the statement's result code;
//! - installing a hook turns the auto-checkpoint off (the WAL grows past it), and
//!   `PRAGMA wal_autocheckpoint=N` removes the hook;
//! - `PRAGMA journal_mode=wal` on an empty database writes page 1 (bytes 18/19 = 2) to the db
//!   file at once, so the first commit goes to the WAL: `create table` = 2 frames, a one-row
//!   insert = 1 frame (page 1 is not rewritten when it did not change), as SQLite.
//!
//! Library under test as in `interop_common` (the system library unless `EPILOGLITE_E2E=1`).

mod interop_common;
use interop_common::*;
use std::process::Command;

fn run_on(lib: &std::path::Path, dir: &std::path::Path) -> String {
    std::fs::create_dir_all(dir).expect("temp dir");
    let out = output_within(
        Command::new("python3")
            .env_remove("LD_LIBRARY_PATH")
            .env_remove("LD_PRELOAD")
            .arg(root().join("tests/wal_scripts/wal_hook.py"))
            .arg(lib)
            .arg(dir),
        "wal_hook.py",
    );
    assert!(
        out.status.success(),
        "wal_hook.py on {}: {}",
        lib.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn wal_hook_and_frame_counts_match_real_sqlite() {
    let base = std::env::temp_dir().join(format!("epiloglite-walhook-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let system = std::path::PathBuf::from(
        std::env::var("EPILOGLITE_SYSTEM_LIBDIR")
            .unwrap_or_else(|_| "/usr/lib/x86_64-linux-gnu".into()),
    )
    .join("libsqlite3.so.0");
    let want = run_on(&system, &base.join("sys"));
    // The script itself proves the points on real SQLite.
    assert!(
        want.contains("db file after mode: 4096 bytes, version bytes [2, 2]"),
        "{want}"
    );
    assert!(
        want.contains("create     rc=0 ext=0 hook=['main'] hook-is-wal=True added=2"),
        "{want}"
    );
    assert!(
        want.contains("hook-err   rc=4 ext=4 hook=['main']"),
        "{want}"
    );
    assert!(want.contains("wal_hook first call returns 1000"), "{want}");
    assert!(
        want.contains("wal_hook return after autocheckpoint(77)   77"),
        "{want}"
    );
    let got = run_on(&lut_dir().join("libsqlite3.so.0"), &base.join("lut"));
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        assert_eq!(
            g,
            w,
            "line {} differs\nreal SQLite:\n{want}\nunder test:\n{got}",
            i + 1
        );
    }
    assert_eq!(got.lines().count(), want.lines().count(), "{got}");
    let _ = std::fs::remove_dir_all(&base);
}
