//! Bad `-wal` / `-shm` files (issue 6, "Bad input"), differential against real SQLite: real
//! SQLite writes a WAL database and is SIGKILLed (its `-wal` and `-shm` stay behind); then each
//! corruption below is applied to two identical copies, one opened by real SQLite and one by the
//! library under test (Python's sqlite3 module on each), and what they read must be the same:
//! row count and sum, `PRAGMA integrity_check`, or the same error. Corruptions: `-shm` garbage,
//! truncated, empty, from another database; `-wal` with a garbage tail, cut mid-frame, the last
//! frame's checksum broken, a garbage magic, a broken header checksum, from another database.
//! Never a crash, never a committed transaction lost (the unharmed case checks all 40 commits).
//!
//! Library under test as in `interop_common` (the system library unless `EPILOGLITE_E2E=1`).

mod interop_common;
use interop_common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn python(on_lut: bool) -> Command {
    if on_lut {
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
    }
}

/// Real SQLite: `commits` transactions into a WAL database, then SIGKILL (no checkpoint).
const MAKE: &str = r#"
import os, signal, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("pragma journal_mode=wal")
c.execute("pragma wal_autocheckpoint=0")
c.execute("create table t(x, pad)")
for i in range(int(sys.argv[2])):
    c.execute("insert into t values (?, randomblob(?))", (i + int(sys.argv[3]), 100 + 37 * i))
print("made", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"#;

const CHECK: &str = r#"
import sqlite3, sys
try:
    c = sqlite3.connect(sys.argv[1], isolation_level=None)
    r = c.execute("select count(*), coalesce(sum(x), 0) from t").fetchone()
    ic = c.execute("pragma integrity_check").fetchall()
    print("rows %d sum %d integrity %s" % (r[0], r[1], ic))
except sqlite3.Error as e:
    print("ERR %s" % e)
"#;

fn suffixed(p: &Path, s: &str) -> PathBuf {
    let mut o = p.as_os_str().to_owned();
    o.push(s);
    PathBuf::from(o)
}

fn make(db: &Path, commits: u32, base: u32) {
    let out = output_within(
        python(false)
            .arg("-c")
            .arg(MAKE)
            .arg(db)
            .arg(commits.to_string())
            .arg(base.to_string()),
        "make",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "made");
    assert!(suffixed(db, "-wal").exists() && suffixed(db, "-shm").exists());
}

/// Deterministic pseudo-random bytes.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn corrupt(kind: &str, db: &Path, other: &Path) {
    let wal = suffixed(db, "-wal");
    let shm = suffixed(db, "-shm");
    let rw = |p: &Path, f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = std::fs::read(p).expect("read");
        f(&mut b);
        std::fs::write(p, b).expect("write");
    };
    match kind {
        "none" => {}
        "shm-garbage" => std::fs::write(&shm, noise(32768, 7)).expect("write"),
        "shm-truncated" => rw(&shm, &|b| b.truncate(10)),
        "shm-empty" => std::fs::write(&shm, b"").expect("write"),
        "shm-foreign" => {
            std::fs::copy(suffixed(other, "-shm"), &shm).expect("copy");
        }
        "wal-garbage-tail" => rw(&wal, &|b| b.extend(noise(3000, 9))),
        "wal-cut-mid-frame" => rw(&wal, &|b| {
            let n = b.len().saturating_sub(100);
            b.truncate(n)
        }),
        "wal-last-checksum" => rw(&wal, &|b| {
            // The last frame header's checksum (frames are 24 + 4096 bytes after 32).
            let nframes = (b.len() - 32) / 4120;
            let off = 32 + (nframes - 1) * 4120 + 16;
            b[off] ^= 0x55;
        }),
        "wal-bad-magic" => rw(&wal, &|b| b[0] ^= 0xff),
        "wal-header-checksum" => rw(&wal, &|b| b[30] ^= 0x01),
        "wal-foreign" => {
            std::fs::copy(suffixed(other, "-wal"), &wal).expect("copy");
        }
        _ => unreachable!("unknown corruption {kind}"),
    }
}

#[test]
fn wal_bad_wal_and_shm_files_read_as_real_sqlite_does() {
    let base = std::env::temp_dir().join(format!("epiloglite-walbad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("src")).expect("temp dir");
    let a = base.join("src/a.db");
    let b = base.join("src/b.db");
    make(&a, 40, 0);
    make(&b, 25, 1000);
    let kinds = [
        "none",
        "shm-garbage",
        "shm-truncated",
        "shm-empty",
        "shm-foreign",
        "wal-garbage-tail",
        "wal-cut-mid-frame",
        "wal-last-checksum",
        "wal-bad-magic",
        "wal-header-checksum",
        "wal-foreign",
    ];
    let mut report = String::new();
    for kind in kinds {
        let mut answers = Vec::new();
        for on_lut in [false, true] {
            let d = base.join(format!("{kind}-{}", if on_lut { "lut" } else { "real" }));
            std::fs::create_dir_all(&d).expect("dir");
            let db = d.join("a.db");
            for s in ["", "-wal", "-shm"] {
                std::fs::copy(suffixed(&a, s), suffixed(&db, s)).expect("copy");
            }
            corrupt(kind, &db, &b);
            let out = output_within(python(on_lut).arg("-c").arg(CHECK).arg(&db), "check");
            assert!(
                out.status.success(),
                "{kind}: checker crashed on {}: {}",
                if on_lut { "LUT" } else { "real" },
                String::from_utf8_lossy(&out.stderr)
            );
            answers.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
        report.push_str(&format!("{kind}: {}\n", answers[0]));
        assert_eq!(
            answers[1], answers[0],
            "{kind}: library under test read something else than real SQLite"
        );
        if kind == "none" || kind.starts_with("shm-") {
            assert_eq!(
                answers[0], "rows 40 sum 780 integrity [('ok',)]",
                "{kind}: a committed transaction was lost"
            );
        }
    }
    eprint!("{report}");
    let _ = std::fs::remove_dir_all(&base);
}
