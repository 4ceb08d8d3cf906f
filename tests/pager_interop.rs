//! Hot journals cross the engine boundary both ways:
//! 1. a real SQLite process killed (SIGKILL) in the middle of a big transaction whose pages
//!    spilled into the db file leaves a hot journal; our pager rolls it back to the exact
//!    pre-transaction bytes;
//! 2. our pager failing in the middle of writing the db file at commit leaves a hot journal;
//!    the real `sqlite3` rolls it back (integrity ok, original content, original bytes).
//!
//! Plus: a file committed by our pager is read by real SQLite.

use epiloglite::error::codes::*;
use epiloglite::pager::{JournalMode, Pager};
use epiloglite::vfs::memory::FaultVfs;
use epiloglite::vfs::unix::default_vfs;
use epiloglite::vfs::OpenFlags;
use std::process::Command;
use std::sync::Arc;

fn sqlite3(db: &str, sql: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("sqlite3 CLI");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.is_empty(), "sqlite3: {err}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn python(script: &str) -> std::process::ExitStatus {
    Command::new("python3")
        .arg("-c")
        .arg(script)
        .status()
        .expect("python3")
}

fn make_db(path: &str, rows: usize, journal_mode: &str) {
    sqlite3(
        path,
        &format!(
            "PRAGMA journal_mode={journal_mode}; CREATE TABLE t(a INTEGER PRIMARY KEY, b);\
             WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<{rows})\
             INSERT INTO t(b) SELECT randomblob(300) FROM c;"
        ),
    );
}

fn killed_sqlite_case(journal_mode: &str) {
    killed_sqlite_case_sync(journal_mode, "FULL");
}

fn killed_sqlite_case_sync(journal_mode: &str, synchronous: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db").to_str().unwrap().to_string();
    make_db(&db, 200, journal_mode);
    let orig = std::fs::read(&db).unwrap();
    let script = format!(
        "import sqlite3,os\n\
         c=sqlite3.connect({db:?}, isolation_level=None)\n\
         c.execute('PRAGMA journal_mode={journal_mode}').fetchall()\n\
         c.execute('PRAGMA cache_size=10')\n\
         c.execute('PRAGMA synchronous={synchronous}')\n\
         c.execute('BEGIN')\n\
         for i in range(3000): c.execute('INSERT INTO t(b) VALUES(randomblob(500))')\n\
         c.execute('UPDATE t SET b=randomblob(10) WHERE a<150')\n\
         os.kill(os.getpid(), 9)\n"
    );
    let st = python(&script);
    assert!(!st.success(), "the process must have been killed");
    let jpath = format!("{db}-journal");
    assert!(std::path::Path::new(&jpath).exists(), "hot journal left");
    let spilled = std::fs::read(&db).unwrap();
    assert_ne!(spilled, orig, "pages spilled into the db before the kill");
    let j = std::fs::read(&jpath).unwrap();
    assert_eq!(j[..8], [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);
    if synchronous == "OFF" {
        assert_eq!(j[8..12], [0xff; 4], "record count -1 in no-sync mode");
    }

    let mut p = Pager::open(default_vfs(), &db, OpenFlags::default()).unwrap();
    p.set_journal_mode(match journal_mode {
        "persist" => JournalMode::Persist,
        "truncate" => JournalMode::Truncate,
        _ => JournalMode::Delete,
    })
    .unwrap();
    p.begin_read().unwrap();
    assert_eq!(p.page_count() as usize, orig.len() / 4096);
    for pg in 1..=p.page_count() {
        let off = (pg as usize - 1) * 4096;
        assert_eq!(p.read(pg).unwrap(), &orig[off..off + 4096], "page {pg}");
    }
    p.end_read();
    drop(p);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        orig,
        "byte-identical after rollback"
    );
    match journal_mode {
        "delete" => assert!(!std::path::Path::new(&jpath).exists()),
        "truncate" => assert_eq!(std::fs::metadata(&jpath).unwrap().len(), 0),
        _ => assert_eq!(&std::fs::read(&jpath).unwrap()[..28], &[0u8; 28]),
    }
    assert_eq!(sqlite3(&db, "PRAGMA integrity_check"), "ok");
    assert_eq!(sqlite3(&db, "SELECT count(*) FROM t"), "200");
}

#[test]
fn hot_journal_of_killed_sqlite_is_rolled_back_by_us() {
    killed_sqlite_case("delete");
}

/// synchronous=OFF: SQLite's journal header says -1 records (read to the end of the file);
/// NORMAL: no sync between header and records.
#[test]
fn hot_journal_of_killed_sqlite_sync_off_and_normal() {
    killed_sqlite_case_sync("delete", "OFF");
    killed_sqlite_case_sync("delete", "NORMAL");
}

#[test]
fn hot_journal_of_killed_sqlite_persist_and_truncate_modes() {
    killed_sqlite_case("persist");
    killed_sqlite_case("truncate");
}

/// Replace the content of `db` by the page images of `new` in one transaction of ours.
fn copy_image(p: &mut Pager, new: &[u8]) -> epiloglite::Result<()> {
    p.begin_write(false)?;
    let n = (new.len() / 4096) as u32;
    for pg in 1..=n {
        let off = (pg as usize - 1) * 4096;
        p.write(pg)?.copy_from_slice(&new[off..off + 4096]);
    }
    if n < p.page_count() {
        p.truncate(n)?;
    }
    p.commit()
}

#[test]
fn our_commit_is_read_by_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db").to_str().unwrap().to_string();
    let new = dir.path().join("new.db").to_str().unwrap().to_string();
    make_db(&old, 100, "delete");
    make_db(&new, 400, "delete");
    let new_img = std::fs::read(&new).unwrap();
    let mut p = Pager::open(default_vfs(), &old, OpenFlags::default()).unwrap();
    copy_image(&mut p, &new_img).unwrap();
    p.end_read();
    assert_eq!(sqlite3(&old, "PRAGMA integrity_check"), "ok");
    assert_eq!(sqlite3(&old, "SELECT count(*) FROM t"), "400");
    // And back to fewer pages (truncation at commit).
    let small_db = dir.path().join("small.db").to_str().unwrap().to_string();
    make_db(&small_db, 10, "delete");
    let small = std::fs::read(&small_db).unwrap();
    copy_image(&mut p, &small).unwrap();
    p.end_read();
    assert_eq!(std::fs::metadata(&old).unwrap().len(), small.len() as u64);
    assert_eq!(sqlite3(&old, "PRAGMA integrity_check"), "ok");
    assert_eq!(sqlite3(&old, "SELECT count(*) FROM t"), "10");
    // The change counter moved past SQLite's, so SQLite's cache notices our commits.
    let img = std::fs::read(&old).unwrap();
    assert!(u32::from_be_bytes([img[24], img[25], img[26], img[27]]) >= 2);
}

fn our_crash_case(sync: u8, fail_at: u64) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db").to_str().unwrap().to_string();
    let new = dir.path().join("n.db").to_str().unwrap().to_string();
    make_db(&db, 200, "delete");
    make_db(&new, 500, "delete");
    let orig = std::fs::read(&db).unwrap();
    // Make the new image differ on every page from the old one.
    let new_img = std::fs::read(&new).unwrap();

    let fv = Arc::new(FaultVfs::new(default_vfs()));
    let st = fv.state();
    let mut p = Pager::open(fv.clone(), &db, OpenFlags::default()).unwrap();
    p.set_synchronous(sync);
    p.begin_write(false).unwrap();
    let n = (new_img.len() / 4096) as u32;
    for pg in 1..=n {
        let off = (pg as usize - 1) * 4096;
        p.write(pg)
            .unwrap()
            .copy_from_slice(&new_img[off..off + 4096]);
    }
    // Commit: (FULL: sync,) journal header, sync; then db page writes. Fail a later db write.
    st.arm(fail_at, SQLITE_IOERR_WRITE, true);
    let e = p.commit().unwrap_err();
    assert_eq!(e.code, SQLITE_IOERR_WRITE);
    assert!(st.fired());
    drop(p); // the "crash": no rollback, locks released, journal left behind
    let jpath = format!("{db}-journal");
    assert!(std::path::Path::new(&jpath).exists(), "hot journal left");
    let torn = std::fs::read(&db).unwrap();
    assert_ne!(&torn[..orig.len()], &orig[..], "db partly overwritten");

    assert_eq!(sqlite3(&db, "PRAGMA integrity_check"), "ok");
    assert_eq!(sqlite3(&db, "SELECT count(*) FROM t"), "200");
    assert!(
        !std::path::Path::new(&jpath).exists(),
        "sqlite3 removed the journal"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        orig,
        "byte-identical after rollback"
    );
}

#[test]
fn our_hot_journal_is_rolled_back_by_sqlite() {
    // synchronous=FULL: sync, header, sync = 3 ops; ops 4.. are db writes.
    our_crash_case(2, 6);
    our_crash_case(2, 40);
    // synchronous=NORMAL: header, sync; OFF: no journal sync (header written with count -1).
    our_crash_case(1, 5);
    our_crash_case(0, 5);
}

/// Our transaction spills (cache_size=10, so the journal gets several headers and the db
/// file is written before commit), then we "crash": real SQLite rolls the journal back.
#[test]
fn our_spilled_transaction_crash_is_rolled_back_by_sqlite() {
    for sync in [2u8, 1, 0] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db").to_str().unwrap().to_string();
        let new = dir.path().join("n.db").to_str().unwrap().to_string();
        make_db(&db, 200, "delete");
        make_db(&new, 500, "delete");
        let orig = std::fs::read(&db).unwrap();
        let new_img = std::fs::read(&new).unwrap();
        let mut p = Pager::open(default_vfs(), &db, OpenFlags::default()).unwrap();
        p.set_synchronous(sync);
        p.set_cache_size(10);
        p.begin_write(false).unwrap();
        let n = (new_img.len() / 4096) as u32;
        for pg in 1..=n {
            let off = (pg as usize - 1) * 4096;
            p.write(pg)
                .unwrap()
                .copy_from_slice(&new_img[off..off + 4096]);
        }
        p.crash_for_test();
        assert_ne!(std::fs::read(&db).unwrap(), orig, "spilled");
        assert_eq!(sqlite3(&db, "PRAGMA integrity_check"), "ok", "sync {sync}");
        assert_eq!(sqlite3(&db, "SELECT count(*) FROM t"), "200");
        assert_eq!(
            std::fs::read(&db).unwrap(),
            orig,
            "byte-identical, sync {sync}"
        );
    }
}

/// A commit by a real SQLite process between two of our read transactions invalidates our
/// cache (file change counter), and our commit is seen by SQLite.
#[test]
fn cache_follows_commits_of_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db").to_str().unwrap().to_string();
    make_db(&db, 50, "delete");
    let mut p = Pager::open(default_vfs(), &db, OpenFlags::default()).unwrap();
    p.begin_read().unwrap();
    let n0 = p.page_count();
    for pg in 1..=n0 {
        p.read(pg).unwrap();
    }
    p.end_read();
    sqlite3(
        &db,
        "UPDATE t SET b=zeroblob(300) WHERE a<=50; INSERT INTO t(b) SELECT b FROM t;",
    );
    let img = std::fs::read(&db).unwrap();
    p.begin_read().unwrap();
    assert!(p.page_count() > n0);
    for pg in 1..=p.page_count() {
        let off = (pg as usize - 1) * 4096;
        assert_eq!(p.read(pg).unwrap(), &img[off..off + 4096], "page {pg}");
    }
    p.end_read();
}

/// A live journal of a real SQLite writer (holding RESERVED) is not hot: we read the last
/// committed content and leave the journal alone; the writer then commits normally.
#[test]
fn live_journal_of_sqlite_writer_is_not_rolled_back() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db").to_str().unwrap().to_string();
    make_db(&db, 50, "persist");
    let before = std::fs::read(&db).unwrap();
    let script = format!(
        "import sqlite3,sys\n\
         c=sqlite3.connect({db:?}, isolation_level=None)\n\
         c.execute('PRAGMA journal_mode=persist').fetchall()\n\
         c.execute('BEGIN IMMEDIATE')\n\
         c.execute('UPDATE t SET b=zeroblob(10) WHERE a<10')\n\
         print('ready', flush=True)\n\
         sys.stdin.readline()\n\
         c.execute('COMMIT')\n"
    );
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    let jpath = format!("{db}-journal");
    assert!(std::fs::metadata(&jpath).unwrap().len() > 0);
    let mut p = Pager::open(default_vfs(), &db, OpenFlags::default()).unwrap();
    p.begin_read().unwrap();
    for pg in 1..=p.page_count() {
        let off = (pg as usize - 1) * 4096;
        assert_eq!(p.read(pg).unwrap(), &before[off..off + 4096]);
    }
    assert!(p.begin_write(false).unwrap_err().is_busy());
    p.end_read();
    writeln!(stdin, "go").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert_eq!(
        sqlite3(&db, "SELECT count(*) FROM t WHERE length(b)=10"),
        "9"
    );
    assert_eq!(sqlite3(&db, "PRAGMA integrity_check"), "ok");
}

fn kill_mid_transaction(db: &str) {
    let script = format!(
        "import sqlite3,os\n\
         c=sqlite3.connect({db:?}, isolation_level=None)\n\
         c.execute('PRAGMA cache_size=10')\n\
         c.execute('BEGIN')\n\
         for i in range(2000): c.execute('INSERT INTO t(b) VALUES(randomblob(500))')\n\
         os.kill(os.getpid(), 9)\n"
    );
    assert!(!python(&script).success());
}

/// SQLite's super-journal trailer: name, length, byte-sum checksum, magic.
fn append_super_journal_name(jpath: &str, name: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(jpath)
        .unwrap();
    let sum = name.bytes().fold(0u32, |a, b| a.wrapping_add(b as u32));
    let mut rec = vec![];
    rec.extend_from_slice(&((0x4000_0000u32 / 4096) + 1).to_be_bytes());
    rec.extend_from_slice(name.as_bytes());
    rec.extend_from_slice(&(name.len() as u32).to_be_bytes());
    rec.extend_from_slice(&sum.to_be_bytes());
    rec.extend_from_slice(&[0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);
    f.write_all(&rec).unwrap();
}

/// A hot journal that names a super-journal: played back only if the super-journal exists
/// (otherwise the multi-database transaction had committed), as SQLite's pager_playback.
#[test]
fn super_journal_decides_playback() {
    // (played back?, super-journal file content or None for no file). An empty super-journal
    // counts as absent, as SQLite's unixAccess says.
    let cases: [(bool, Option<&[u8]>); 3] = [(true, Some(b"x")), (false, Some(b"")), (false, None)];
    for (super_exists, super_file) in cases {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db").to_str().unwrap().to_string();
        make_db(&db, 100, "delete");
        let orig = std::fs::read(&db).unwrap();
        kill_mid_transaction(&db);
        let jpath = format!("{db}-journal");
        let sj = dir.path().join("s.db-mj0123").to_str().unwrap().to_string();
        if let Some(bytes) = super_file {
            std::fs::write(&sj, bytes).unwrap();
        }
        append_super_journal_name(&jpath, &sj);
        let torn = std::fs::read(&db).unwrap();
        assert_ne!(torn, orig);
        // The same files, for real SQLite to decide (differential check).
        let db2 = dir.path().join("copy.db").to_str().unwrap().to_string();
        std::fs::copy(&db, &db2).unwrap();
        std::fs::copy(&jpath, format!("{db2}-journal")).unwrap();
        let mut p = Pager::open(default_vfs(), &db, OpenFlags::default()).unwrap();
        p.begin_read().unwrap();
        p.end_read();
        drop(p);
        assert!(!std::path::Path::new(&jpath).exists());
        let now = std::fs::read(&db).unwrap();
        if super_exists {
            assert_eq!(now, orig, "played back");
        } else {
            assert_eq!(now, torn, "not played back");
        }
        let _ = Command::new("sqlite3")
            .arg(&db2)
            .arg("SELECT count(*) FROM sqlite_schema")
            .output()
            .unwrap();
        assert!(!std::path::Path::new(&format!("{db2}-journal")).exists());
        let theirs = std::fs::read(&db2).unwrap();
        assert!(
            theirs == now,
            "super_exists {super_exists}: sqlite {} bytes, ours {} bytes, orig {}, torn {}; \
             sqlite==orig {} sqlite==torn {}",
            theirs.len(),
            now.len(),
            orig.len(),
            torn.len(),
            theirs == orig,
            theirs == torn
        );
    }
}

/// A WAL database (header bytes 18/19 = 2) opens in WAL mode (it used to be refused before
/// WAL landed; `tests/wal_interop.rs` has the full WAL interop tests): writable, and a live
/// -wal of a python process holding its connection open is read, not ignored.
#[test]
fn wal_database_is_refused_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db").to_str().unwrap().to_string();
    make_db(&db, 20, "wal");
    assert_eq!(std::fs::read(&db).unwrap()[18], 2);
    let mut p = Pager::open(default_vfs(), &db, OpenFlags::default()).unwrap();
    p.begin_read().unwrap();
    assert!(p.page_count() > 1);
    p.read(2).unwrap();
    p.begin_write(false).unwrap();
    p.rollback().unwrap();
    assert!(p.is_wal());
    let before = p.page_count();
    p.end_read();
    // A live WAL file (a python process keeps the connection open after a write).
    use std::io::{BufRead, BufReader, Write};
    let script = format!(
        "import sqlite3,sys\n\
         c=sqlite3.connect({db:?}, isolation_level=None)\n\
         c.execute('INSERT INTO t(b) VALUES(1)')\n\
         print('ready', flush=True)\n\
         sys.stdin.readline()\n"
    );
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    p.begin_read().unwrap();
    assert!(p.page_count() >= before);
    p.end_read();
    writeln!(stdin, "go").unwrap();
    drop(stdin);
    child.wait().unwrap();
}
