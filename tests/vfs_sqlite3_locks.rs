//! The unix VFS's locks exclude a real SQLite 3.40.1 process and vice versa: both sides use
//! the same fcntl byte ranges (PENDING, RESERVED, SHARED), so each sees the other's locks.

use epiloglite::error::codes::*;
use epiloglite::vfs::unix::default_vfs;
use epiloglite::vfs::{FileKind, LockLevel, OpenFlags, VfsFile};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn sqlite3(db: &str, sql: &str) -> (String, String) {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("sqlite3 CLI");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn make_db(dir: &tempfile::TempDir) -> String {
    let db = dir.path().join("t.db").to_str().unwrap().to_string();
    let (_, err) = sqlite3(&db, "CREATE TABLE t(a); INSERT INTO t VALUES(1),(2);");
    assert_eq!(err, "");
    db
}

fn open(db: &str) -> Box<dyn VfsFile> {
    default_vfs()
        .open(db, FileKind::MainDb, OpenFlags::default())
        .unwrap()
}

/// A Python process (system libsqlite3) that runs `sql`, prints "ready" and waits for a line
/// on stdin, then runs `after` and exits.
fn holder(db: &str, sql: &str, after: &str) -> (Child, std::process::ChildStdin) {
    let script = format!(
        "import sqlite3,sys\n\
         c=sqlite3.connect({db:?}, isolation_level=None, timeout=0)\n\
         for s in {sql:?}.split(';'):\n    s=s.strip()\n    s and c.execute(s).fetchall()\n\
         print('ready', flush=True)\n\
         sys.stdin.readline()\n\
         for s in {after:?}.split(';'):\n    s=s.strip()\n    s and c.execute(s).fetchall()\n\
         c.close()\n"
    );
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let stdin = child.stdin.take().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    (child, stdin)
}

#[test]
fn real_sqlite_reserved_blocks_us_until_commit() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(&dir);
    let (mut child, mut stdin) = holder(&db, "BEGIN IMMEDIATE; INSERT INTO t VALUES(3)", "COMMIT");
    let mut f = open(&db);
    assert!(
        f.check_reserved_lock().unwrap(),
        "F_GETLK sees the other process"
    );
    f.lock(LockLevel::Shared).unwrap();
    let e = f.lock(LockLevel::Reserved).unwrap_err();
    assert_eq!(e.code, SQLITE_BUSY);
    assert_eq!(f.lock_level(), LockLevel::Shared);
    f.unlock(LockLevel::None).unwrap();
    writeln!(stdin, "go").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert!(!f.check_reserved_lock().unwrap());
    f.lock(LockLevel::Shared).unwrap();
    f.lock(LockLevel::Reserved).unwrap();
    f.lock(LockLevel::Exclusive).unwrap();
    f.unlock(LockLevel::None).unwrap();
    assert_eq!(sqlite3(&db, "SELECT count(*) FROM t").0.trim(), "3");
}

#[test]
fn real_sqlite_reader_blocks_our_exclusive() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(&dir);
    let (mut child, mut stdin) = holder(&db, "BEGIN; SELECT * FROM t", "COMMIT");
    let mut f = open(&db);
    f.lock(LockLevel::Shared).unwrap();
    f.lock(LockLevel::Reserved).unwrap();
    assert!(f.lock(LockLevel::Exclusive).unwrap_err().is_busy());
    assert_eq!(f.lock_level(), LockLevel::Pending);
    writeln!(stdin, "go").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    f.lock(LockLevel::Exclusive).unwrap();
    f.unlock(LockLevel::None).unwrap();
}

#[test]
fn our_locks_block_real_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(&dir);
    let mut f = open(&db);
    f.lock(LockLevel::Shared).unwrap();
    // SHARED: sqlite3 may read and even take RESERVED, but cannot commit.
    let (out, err) = sqlite3(&db, "SELECT count(*) FROM t");
    assert_eq!((out.trim(), err.as_str()), ("2", ""));
    let (_, err) = sqlite3(&db, "INSERT INTO t VALUES(9)");
    assert!(err.contains("database is locked"), "{err}");
    f.lock(LockLevel::Reserved).unwrap();
    let (_, err) = sqlite3(&db, "BEGIN IMMEDIATE;");
    assert!(err.contains("database is locked"), "{err}");
    let (out, _) = sqlite3(&db, "SELECT count(*) FROM t");
    assert_eq!(out.trim(), "2", "readers still allowed under RESERVED");
    f.lock(LockLevel::Exclusive).unwrap();
    let (_, err) = sqlite3(&db, "SELECT count(*) FROM t");
    assert!(err.contains("database is locked"), "{err}");
    // A second handle of ours in this process, closed while we hold EXCLUSIVE, must not
    // drop the process's locks (deferred close).
    let g = open(&db);
    drop(g);
    let (_, err) = sqlite3(&db, "SELECT count(*) FROM t");
    assert!(err.contains("database is locked"), "{err}");
    f.unlock(LockLevel::Shared).unwrap();
    let (out, err) = sqlite3(&db, "SELECT count(*) FROM t");
    assert_eq!((out.trim(), err.as_str()), ("2", ""));
    f.unlock(LockLevel::None).unwrap();
    let (_, err) = sqlite3(&db, "INSERT INTO t VALUES(9)");
    assert_eq!(err, "");
}

#[test]
fn check_reserved_lock_polls_other_process() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(&dir);
    let mut f = open(&db);
    assert!(!f.check_reserved_lock().unwrap());
    let (mut child, mut stdin) = holder(&db, "BEGIN IMMEDIATE", "ROLLBACK");
    let t = Instant::now();
    while !f.check_reserved_lock().unwrap() {
        assert!(t.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(10));
    }
    writeln!(stdin, "go").unwrap();
    drop(stdin);
    child.wait().unwrap();
    assert!(!f.check_reserved_lock().unwrap());
}
