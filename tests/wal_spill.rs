//! WAL spill of a large transaction: with a small cache, a transaction bigger than the cache
//! writes non-commit frames into the `-wal` before COMMIT (as SQLite's `pagerStress`) instead
//! of holding every page in memory; a real-SQLite reader keeps seeing the last commit while
//! it runs; the writer reads its own spilled pages back; a rollback after a spill leaves
//! nothing behind. `tests/wal_scripts/spill.py` runs on real SQLite and on the library under
//! test; the outputs must be equal.
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
    cmd.arg(root().join("tests/wal_scripts/spill.py")).arg(dir);
    let out = output_within(&mut cmd, "spill.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn wal_large_transaction_spills_into_the_wal() {
    let base = std::env::temp_dir().join(format!("epiloglite-spill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let want = run(false, &base.join("sys"));
    assert!(want.contains("spilled before commit True"), "{want}");
    assert!(want.contains("real reader during txn 100\n"), "{want}");
    let got = run(true, &base.join("lut"));
    assert_eq!(got, want, "real SQLite:\n{want}\nunder test:\n{got}");
    let _ = std::fs::remove_dir_all(&base);
}
