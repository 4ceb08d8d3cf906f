//! `PRAGMA journal_size_limit` in WAL mode, differential against real SQLite:
//! `tests/wal_scripts/journal_size_limit.py` runs in Python on the system library and on the
//! library under test (`./epiloglite python3`); the outputs must be equal: the pragma's values
//! (default -1, below -1 is -1, set), and the `-wal` file truncated to the limit (never
//! below the live frames) by the first commit after a checkpoint let the WAL restart, not by
//! the checkpoint itself nor when the limit is -1.
//!
//! Library under test as in `interop_common` (the system library unless `EPILOGLITE_E2E=1`).

mod interop_common;
use interop_common::*;
use std::process::Command;

fn run(on_lut: bool, dir: &std::path::Path) -> String {
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
    cmd.arg(root().join("tests/wal_scripts/journal_size_limit.py"))
        .arg(dir);
    let out = output_within(&mut cmd, "journal_size_limit.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn wal_journal_size_limit_matches_real_sqlite() {
    let base = std::env::temp_dir().join(format!("epiloglite-jsl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let want = run(false, &base.join("sys"));
    assert!(
        want.contains("first commit after restart: wal bytes 20000"),
        "{want}"
    );
    assert!(want.contains("limit 0: wal bytes 4152"), "{want}");
    let got = run(true, &base.join("lut"));
    assert_eq!(got, want, "real SQLite:\n{want}\nunder test:\n{got}");
    let _ = std::fs::remove_dir_all(&base);
}
