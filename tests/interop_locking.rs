//! Locking interoperability: an EpilogLite process and a real SQLite process on the same
//! database file must exclude each other exactly as two SQLite processes do (POSIX advisory
//! locks at SQLite's byte offsets, `lockingv3.html`).
//!
//! Each side is a long-lived `python3` "peer" reading one SQL statement per line on stdin and
//! answering one line: `OK <rows>` or `ERR <message>` (autocommit off: explicit BEGIN/COMMIT;
//! busy timeout 0, so a lock conflict answers `database is locked` at once). The test drives
//! the two peers step by step.
//!
//! Library under test (LUT) selection is the same as `interop_files.rs`: the system library by
//! default (this proves the harness: real SQLite against real SQLite must show every expected
//! conflict), EpilogLite with `EPILOGLITE_E2E=1` (from `EPILOGLITE_E2E_LIBDIR`, default
//! `target/release/lib`).

use std::path::PathBuf;
use std::process::Command;

mod interop_common;
use interop_common::*;

fn setup(name: &str) -> (PathBuf, PathBuf) {
    let d = std::env::temp_dir().join(format!("epiloglite-lock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    let db = d.join("l.db");
    let st = output_within(
        Command::new("sqlite3")
            .env_remove("LD_LIBRARY_PATH")
            .arg(&db)
            .arg("create table t(x); insert into t values (1), (2), (3);"),
        "sqlite3 CLI",
    );
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    (d, db)
}

/// A writer holding RESERVED lets the other side read the old content but not write.
fn reserved_case(writer_is_lut: bool, name: &str) {
    let (d, db) = setup(name);
    let mut w = Peer::start(writer_is_lut, &db);
    let mut o = Peer::start(!writer_is_lut, &db);
    w.ok("begin immediate");
    w.ok("insert into t values (4)");
    assert_eq!(o.ok("select count(*) from t"), "[(3,)]");
    o.locked("begin immediate");
    o.locked("insert into t values (99)");
    w.ok("commit");
    assert_eq!(o.ok("select count(*) from t"), "[(4,)]");
    o.ok("insert into t values (5)");
    assert_eq!(w.ok("select count(*) from t"), "[(5,)]");
    drop((w, o));
    let _ = std::fs::remove_dir_all(&d);
}

/// A reader holding SHARED inside a transaction blocks the other side's COMMIT (which needs
/// EXCLUSIVE) until the reader ends; the writer then commits.
fn shared_blocks_commit_case(reader_is_lut: bool, name: &str) {
    let (d, db) = setup(name);
    let mut r = Peer::start(reader_is_lut, &db);
    let mut w = Peer::start(!reader_is_lut, &db);
    r.ok("begin");
    assert_eq!(r.ok("select count(*) from t"), "[(3,)]");
    w.ok("begin immediate");
    w.ok("insert into t values (4)");
    w.locked("commit");
    // The reader still sees its snapshot; its own write attempt conflicts with RESERVED.
    assert_eq!(r.ok("select count(*) from t"), "[(3,)]");
    r.locked("insert into t values (99)");
    r.ok("commit");
    w.ok("commit");
    assert_eq!(r.ok("select count(*) from t"), "[(4,)]");
    drop((r, w));
    let _ = std::fs::remove_dir_all(&d);
}

/// An EXCLUSIVE transaction keeps the other side from even reading.
fn exclusive_case(holder_is_lut: bool, name: &str) {
    let (d, db) = setup(name);
    let mut h = Peer::start(holder_is_lut, &db);
    let mut o = Peer::start(!holder_is_lut, &db);
    h.ok("begin exclusive");
    o.locked("select count(*) from t");
    h.ok("delete from t");
    h.ok("commit");
    assert_eq!(o.ok("select count(*) from t"), "[(0,)]");
    drop((h, o));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn interop_lock_lut_reserved_blocks_real_writer() {
    reserved_case(true, "r1");
}

#[test]
fn interop_lock_real_reserved_blocks_lut_writer() {
    reserved_case(false, "r2");
}

#[test]
fn interop_lock_lut_reader_blocks_real_commit() {
    shared_blocks_commit_case(true, "s1");
}

#[test]
fn interop_lock_real_reader_blocks_lut_commit() {
    shared_blocks_commit_case(false, "s2");
}

#[test]
fn interop_lock_lut_exclusive_blocks_real_reader() {
    exclusive_case(true, "x1");
}

#[test]
fn interop_lock_real_exclusive_blocks_lut_reader() {
    exclusive_case(false, "x2");
}
