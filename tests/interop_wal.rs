//! WAL interoperability: EpilogLite and real SQLite processes sharing one database in WAL mode
//! (`walformat.html`): each reads what the other committed through the `-wal` file and the
//! `-shm` wal-index, a read transaction keeps its snapshot while the other side commits,
//! checkpoints by either side leave a file the other reads, and a process SIGKILLed after
//! committing into the WAL loses nothing (the other side recovers the wal-index).
//!
//! Peers, and the library under test selection (system library by default to prove the
//! harness; EpilogLite with `EPILOGLITE_E2E=1`), are as in `interop_locking.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

mod interop_common;
use interop_common::*;

fn setup(name: &str) -> (PathBuf, PathBuf) {
    let d = std::env::temp_dir().join(format!("epiloglite-wal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    let db = d.join("w.db");
    let out = Command::new("sqlite3")
        .env_remove("LD_LIBRARY_PATH")
        .arg(&db)
        .arg(
            "pragma journal_mode=wal; create table t(x, pad); \
              insert into t select value, randomblob(300) from generate_series(1, 1000);",
        )
        .output()
        .expect("sqlite3 CLI");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "wal");
    (d, db)
}

fn real_cli(db: &Path, sql: &str) -> String {
    let out = output_within(
        Command::new("sqlite3")
            .env_remove("LD_LIBRARY_PATH")
            .arg(db)
            .arg(sql),
        "sqlite3 CLI",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn wal_len(db: &Path) -> u64 {
    std::fs::metadata(format!("{}-wal", db.display()))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// Commits by one side are read by the other through the WAL, both ways, with the WAL growing
/// (no checkpoint) in between.
fn read_each_others_commits(first_is_lut: bool, name: &str) {
    let (d, db) = setup(name);
    let mut a = Peer::start(first_is_lut, &db);
    let mut b = Peer::start(!first_is_lut, &db);
    assert_eq!(a.ok("pragma journal_mode"), "[('wal',)]");
    assert_eq!(b.ok("pragma journal_mode"), "[('wal',)]");
    a.ok("pragma wal_autocheckpoint=0");
    b.ok("pragma wal_autocheckpoint=0");
    a.ok("begin");
    a.ok("insert into t select x + 1000, randomblob(300) from t");
    a.ok("commit");
    assert!(wal_len(&db) > 4096, "commit did not go to the WAL");
    assert_eq!(b.ok("select count(*), sum(x) from t"), "[(2000, 2001000)]");
    // One writer at a time across processes (the WAL write lock in -shm).
    a.ok("begin immediate");
    b.locked("insert into t values (0, null)");
    a.ok("commit");
    b.ok("delete from t where x % 2 = 0");
    assert_eq!(a.ok("select count(*), sum(x) from t"), "[(1000, 1000000)]");
    assert_eq!(a.ok("pragma integrity_check"), "[('ok',)]");
    drop((a, b));
    assert_eq!(
        real_cli(&db, "pragma integrity_check; select count(*) from t"),
        "ok\n1000"
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// A read transaction keeps its snapshot while the other side commits; it sees the commit
/// after it ends. A checkpoint cannot pass the reader's snapshot until then.
fn snapshot_isolation(reader_is_lut: bool, name: &str) {
    let (d, db) = setup(name);
    let mut r = Peer::start(reader_is_lut, &db);
    let mut w = Peer::start(!reader_is_lut, &db);
    w.ok("pragma wal_autocheckpoint=0");
    r.ok("begin");
    assert_eq!(r.ok("select count(*) from t"), "[(1000,)]");
    w.ok("insert into t values (5000, null)");
    w.ok("delete from t where x <= 10");
    assert_eq!(r.ok("select count(*) from t"), "[(1000,)]");
    // (busy, log frames, checkpointed frames): the reader pins the snapshot, so a full
    // checkpoint of the writer's frames cannot complete.
    let ck = w.ok("pragma wal_checkpoint(passive)");
    let nums: Vec<i64> = ck
        .trim_matches(|c| c == '[' || c == ']' || c == '(' || c == ')')
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    assert_eq!(nums.len(), 3, "{ck}");
    assert!(
        nums[2] < nums[1],
        "checkpoint passed a live reader's snapshot: {ck}"
    );
    r.ok("commit");
    assert_eq!(r.ok("select count(*) from t"), "[(991,)]");
    drop((r, w));
    let _ = std::fs::remove_dir_all(&d);
}

/// A TRUNCATE checkpoint by one side moves everything into the db file and empties the WAL;
/// the other side (and a fresh real process) reads the same content.
fn checkpoint_truncate(ckpt_is_lut: bool, name: &str) {
    let (d, db) = setup(name);
    let mut c = Peer::start(ckpt_is_lut, &db);
    let mut o = Peer::start(!ckpt_is_lut, &db);
    o.ok("pragma wal_autocheckpoint=0");
    o.ok("update t set x = x * 2");
    assert!(wal_len(&db) > 0);
    assert_eq!(c.ok("pragma wal_checkpoint(truncate)"), "[(0, 0, 0)]");
    assert_eq!(wal_len(&db), 0, "TRUNCATE checkpoint left WAL content");
    assert_eq!(o.ok("select sum(x) from t"), "[(1001000,)]");
    drop((c, o));
    assert_eq!(
        real_cli(&db, "pragma integrity_check; select sum(x) from t"),
        "ok\n1001000"
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// A process SIGKILLed after committing into the WAL (no checkpoint) loses nothing: the other
/// side rebuilds the wal-index from the WAL and sees the commit, but not the uncommitted tail.
fn crash_after_commit(writer_is_lut: bool, name: &str) {
    let (d, db) = setup(name);
    {
        let mut w = Peer::start(writer_is_lut, &db);
        w.ok("pragma wal_autocheckpoint=0");
        w.ok("insert into t values (-1, 'committed')");
        w.ok("begin");
        w.ok("insert into t select -x, randomblob(3000) from t"); // spills, never commits
                                                                  // dropped here: SIGKILL, no checkpoint, no rollback
    }
    assert!(wal_len(&db) > 0, "no WAL left behind");
    let mut r = Peer::start(!writer_is_lut, &db);
    assert_eq!(r.ok("select count(*), min(x) from t"), "[(1001, -1)]");
    assert_eq!(r.ok("pragma integrity_check"), "[('ok',)]");
    drop(r);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn interop_wal_lut_first_commits_read_both_ways() {
    read_each_others_commits(true, "rc1");
}

#[test]
fn interop_wal_real_first_commits_read_both_ways() {
    read_each_others_commits(false, "rc2");
}

#[test]
fn interop_wal_lut_reader_keeps_snapshot() {
    snapshot_isolation(true, "si1");
}

#[test]
fn interop_wal_real_reader_keeps_snapshot() {
    snapshot_isolation(false, "si2");
}

#[test]
fn interop_wal_lut_checkpoint_truncate() {
    checkpoint_truncate(true, "ck1");
}

#[test]
fn interop_wal_real_checkpoint_truncate() {
    checkpoint_truncate(false, "ck2");
}

#[test]
fn interop_wal_lut_killed_real_recovers() {
    crash_after_commit(true, "cr1");
}

#[test]
fn interop_wal_real_killed_lut_recovers() {
    crash_after_commit(false, "cr2");
}
