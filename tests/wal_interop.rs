//! WAL mode against real SQLite 3.40.1 (Python's `sqlite3` module, run without
//! LD_LIBRARY_PATH so it loads the system library): each side reads what the other committed
//! through the `-wal` file and the shared `-shm` wal-index, while the other is still open or
//! after it was SIGKILLed; both increment one counter under `BEGIN IMMEDIATE`; truncated or
//! garbage `-wal`/`-shm` files are ignored or rebuilt; checkpoints leave a file real SQLite
//! accepts (`PRAGMA integrity_check` = ok).

use epiloglite::db::{open_flags, Connection};
use epiloglite::pager::{CheckpointMode, Pager};
use epiloglite::vfs::OpenFlags;
use epiloglite::Value;
use std::path::Path;
use std::process::{Command, Stdio};

const RWC: i32 = open_flags::READWRITE | open_flags::CREATE;

fn fmt(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => String::from_utf8_lossy(t).into_owned(),
        Value::Blob(b) => format!("blob{}", b.len()),
    }
}

fn query(c: &mut Connection, sql: &str) -> Result<Vec<String>, epiloglite::Error> {
    let mut out = Vec::new();
    let mut rest = sql.as_bytes();
    while !rest.is_empty() {
        let (s, used) = c.prepare(rest)?;
        rest = rest.get(used..).unwrap_or(&[]);
        let Some(mut s) = s else { break };
        loop {
            match s.step(c) {
                Ok(true) => {
                    let row: Vec<String> = (0..s.data_count())
                        .map(|i| fmt(s.column_value(i)))
                        .collect();
                    out.push(row.join("|"));
                }
                Ok(false) => break,
                Err(e) => {
                    s.finalize(c);
                    return Err(e);
                }
            }
        }
        s.finalize(c);
    }
    Ok(out)
}

/// Run a Python script (real SQLite) with the db path as argv[1]; returns stdout.
fn py(db: &Path, script: &str) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(db)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LD_PRELOAD")
        .stderr(Stdio::inherit())
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn exists(p: &Path, suffix: &str) -> bool {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    Path::new(&s).exists()
}

fn file_len(p: &Path, suffix: &str) -> u64 {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    std::fs::metadata(Path::new(&s))
        .map(|m| m.len())
        .unwrap_or(0)
}

#[test]
fn wal_we_write_real_sqlite_reads_while_we_are_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let mut c = Connection::open(db.to_str().unwrap(), RWC, None).unwrap();
    assert_eq!(query(&mut c, "pragma journal_mode=wal").unwrap(), ["wal"]);
    query(&mut c, "create table t(a integer primary key, b text)").unwrap();
    for i in 0..20 {
        query(
            &mut c,
            &format!("insert into t(b) values('row{i}'), (zeroblob(3000))"),
        )
        .unwrap();
    }
    query(&mut c, "update t set b = 'x' where a % 7 = 0").unwrap();
    assert!(file_len(&db, "-wal") > 0, "commits must go to the WAL");
    let got = py(
        &db,
        "import sqlite3,sys\n\
         c=sqlite3.connect(sys.argv[1])\n\
         print(c.execute('pragma journal_mode').fetchone()[0])\n\
         print(c.execute('select count(*), sum(length(b)) from t').fetchone())\n\
         print(c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    let expect = query(&mut c, "select count(*), sum(length(b)) from t").unwrap();
    let e: Vec<&str> = expect[0].split('|').collect();
    assert_eq!(got, format!("wal\n({}, {})\nok", e[0], e[1]));
    // Real SQLite commits while we are open; we see it at our next read transaction.
    py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.execute(\"insert into t(b) values('theirs')\")\nc.commit()\n",
    );
    assert_eq!(
        query(&mut c, "select count(*) from t where b = 'theirs'").unwrap(),
        ["1"]
    );
    query(&mut c, "insert into t(b) values('ours again')").unwrap();
    drop(c);
    // Last close: checkpoint, -wal and -shm deleted.
    assert!(!exists(&db, "-wal"), "-wal left after last close");
    assert!(!exists(&db, "-shm"), "-shm left after last close");
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0], c.execute('pragma journal_mode').fetchone()[0])\n",
    );
    assert_eq!(got, "42 ok wal");
}

const REAL_WRITES_THEN_KILLED: &str = "import sqlite3,sys,os,signal\n\
c=sqlite3.connect(sys.argv[1], isolation_level=None)\n\
c.execute('pragma journal_mode=wal')\n\
c.execute('create table t(a integer primary key, b)')\n\
for i in range(300):\n    c.execute('insert into t(b) values(?)', ('v%d' % i * 20,))\n\
c.execute('begin')\n\
c.execute('insert into t(b) values(1)')\n\
c.execute('delete from t where a < 10')\n\
c.execute('rollback')\n\
c.execute('update t set b = 7 where a = 5')\n\
print('done', flush=True)\n\
os.kill(os.getpid(), signal.SIGKILL)\n";

#[test]
fn wal_real_sqlite_killed_we_recover_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    assert_eq!(py(&db, REAL_WRITES_THEN_KILLED), "done");
    assert!(file_len(&db, "-wal") > 0);
    let mut c = Connection::open(db.to_str().unwrap(), RWC, None).unwrap();
    assert_eq!(
        query(
            &mut c,
            "select count(*), sum(a), (select b from t where a = 5) from t"
        )
        .unwrap(),
        ["300|45150|7"]
    );
    assert_eq!(query(&mut c, "pragma journal_mode").unwrap(), ["wal"]);
    query(&mut c, "insert into t(b) values('after')").unwrap();
    // Real SQLite reads our commit while we are still open (shared -shm).
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "301 ok");
}

#[test]
fn wal_frames_after_last_commit_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    assert_eq!(py(&db, REAL_WRITES_THEN_KILLED), "done");
    // Append a torn frame (garbage) and cut into the -shm: recovery ignores both.
    let mut walp = db.as_os_str().to_owned();
    walp.push("-wal");
    let mut w = std::fs::read(&walp).unwrap();
    let n = w.len();
    w.extend(std::iter::repeat_n(0x5a, 4096 + 24));
    std::fs::write(&walp, &w).unwrap();
    let mut shmp = db.as_os_str().to_owned();
    shmp.push("-shm");
    std::fs::write(&shmp, vec![0xffu8; 100]).unwrap();
    let mut c = Connection::open(db.to_str().unwrap(), RWC, None).unwrap();
    assert_eq!(query(&mut c, "select count(*) from t").unwrap(), ["300"]);
    query(&mut c, "insert into t(b) values(1)").unwrap();
    drop(c);
    assert!(n > 0);
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "301 ok");
}

#[test]
fn wal_truncated_wal_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    assert_eq!(py(&db, REAL_WRITES_THEN_KILLED), "done");
    let mut walp = db.as_os_str().to_owned();
    walp.push("-wal");
    // A WAL cut inside its header: nothing in it is valid, the db file alone is the database.
    let w = std::fs::read(&walp).unwrap();
    std::fs::write(&walp, &w[..20]).unwrap();
    let mut shmp = db.as_os_str().to_owned();
    shmp.push("-shm");
    std::fs::write(&shmp, b"").unwrap();
    let mut c = Connection::open(db.to_str().unwrap(), RWC, None).unwrap();
    let r = query(&mut c, "select count(*) from sqlite_schema").unwrap();
    assert_eq!(r.len(), 1);
    drop(c);
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "ok");
}

#[test]
fn wal_checkpoint_modes_through_the_pager() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    assert_eq!(py(&db, REAL_WRITES_THEN_KILLED), "done");
    let vfs = epiloglite::vfs::unix::default_vfs();
    let mut p = Pager::open(vfs, db.to_str().unwrap(), OpenFlags::default()).unwrap();
    let (log, ck) = p.checkpoint(CheckpointMode::Passive).unwrap();
    assert!(log > 300, "log {log}");
    assert_eq!(log, ck);
    assert!(p.is_wal());
    // Real SQLite (another process) reads the checkpointed db while we are open.
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "300 ok");
    let (log, ck) = p.checkpoint(CheckpointMode::Truncate).unwrap();
    assert_eq!((log, ck), (0, 0));
    assert_eq!(file_len(&db, "-wal"), 0);
    p.begin_read().unwrap();
    let pc = p.page_count();
    p.end_read();
    let theirs = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('pragma page_count').fetchone()[0])\n",
    );
    assert_eq!(pc.to_string(), theirs);
    assert!(pc > 3);
    drop(p);
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "300 ok");
}

#[test]
fn wal_counter_incremented_by_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    // WAL_STRESS_N=600 makes both sides run automatic checkpoints and WAL restarts.
    let n: i64 = std::env::var("WAL_STRESS_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('pragma journal_mode=wal')\nc.execute('create table k(v)')\nc.execute('insert into k values(0)')\n",
    );
    let script = format!(
        "import sqlite3,sys\n\
         c=sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n\
         for i in range({n}):\n    \
           c.execute('begin immediate')\n    \
           v=c.execute('select v from k').fetchone()[0]\n    \
           c.execute('update k set v=?', (v+1,))\n    \
           c.execute('commit')\n\
         print('ok')\n"
    );
    let dbp = db.clone();
    let peer = std::thread::spawn(move || py(&dbp, &script));
    let mut c = Connection::open(db.to_str().unwrap(), RWC, None).unwrap();
    c.set_busy_timeout(30_000);
    for _ in 0..n {
        loop {
            match query(&mut c, "begin immediate; update k set v = v + 1; commit") {
                Ok(_) => break,
                Err(e) if e.primary() == 5 => {
                    let _ = query(&mut c, "rollback");
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                Err(e) => panic!("{e:?}"),
            }
        }
    }
    assert_eq!(peer.join().unwrap(), "ok");
    assert_eq!(
        query(&mut c, "select v from k").unwrap(),
        [format!("{}", 2 * n)]
    );
    drop(c);
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select v from k').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, format!("{} ok", 2 * n));
}

#[test]
fn wal_snapshot_kept_and_busy_snapshot_on_stale_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    assert_eq!(py(&db, REAL_WRITES_THEN_KILLED), "done");
    let vfs = epiloglite::vfs::unix::default_vfs();
    let mut p = Pager::open(vfs, db.to_str().unwrap(), OpenFlags::default()).unwrap();
    p.begin_read().unwrap();
    let before = p.page_count();
    let page2 = p.read(2).unwrap().to_vec();
    // Real SQLite commits a lot while our read transaction is open.
    py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.execute('insert into t(b) select b from t')\nc.commit()\n",
    );
    assert_eq!(p.page_count(), before, "snapshot must not move");
    assert_eq!(p.read(2).unwrap(), &page2[..]);
    let e = p.begin_write(false).unwrap_err();
    assert_eq!(e.code, epiloglite::error::codes::SQLITE_BUSY_SNAPSHOT);
    p.end_read();
    p.begin_read().unwrap();
    assert!(p.page_count() > before);
    p.begin_write(false).unwrap();
    p.rollback().unwrap();
    p.end_read();
}

/// Real SQLite holds a read transaction (so no checkpoint can backfill) while we commit more
/// than 4062 frames: the wal-index spans two hash blocks, and the real reader's next
/// transaction finds every page through our hash tables.
#[test]
fn wal_many_frames_span_hash_blocks_and_real_sqlite_reads_them() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut c = Connection::open(db.to_str().unwrap(), RWC, None).unwrap();
    assert_eq!(query(&mut c, "pragma journal_mode=wal").unwrap(), ["wal"]);
    query(&mut c, "create table t(a integer primary key, b)").unwrap();
    let script = "import sqlite3,sys\n\
        c=sqlite3.connect(sys.argv[1], isolation_level=None)\n\
        c.execute('begin')\n\
        print(c.execute('select count(*) from t').fetchone()[0], flush=True)\n\
        sys.stdin.readline()\n\
        c.execute('commit')\n\
        print(c.execute('select count(*), sum(length(b)) from t').fetchone(), c.execute('pragma integrity_check').fetchone()[0], flush=True)\n";
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&db)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LD_PRELOAD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "0");
    // ~4500 pages of blobs in 3 transactions (auto-checkpoints cannot backfill past the
    // real reader's snapshot).
    let txn = format!(
        "begin; {} commit;",
        "insert into t(b) values(zeroblob(3500));".repeat(1500)
    );
    for _ in 0..3 {
        query(&mut c, &txn).unwrap();
    }
    let wal_frames = (file_len(&db, "-wal") - 32) / (4096 + 24);
    assert!(wal_frames > 4062, "only {wal_frames} frames");
    assert_eq!(
        query(&mut c, "select count(*), sum(length(b)) from t").unwrap(),
        ["4500|15750000"]
    );
    child.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "(4500, 15750000) ok");
    child.wait().unwrap();
    drop(c);
    assert!(!exists(&db, "-wal"));
}

/// Real SQLite writes more than 4062 frames (autocheckpoint off) and is killed: our recovery
/// indexes both hash blocks; then our auto-checkpoint (>= 1000 frames) backfills on commit.
#[test]
fn wal_recovery_of_a_long_wal_then_auto_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("i.db");
    let got = py(
        &db,
        "import sqlite3,sys,os,signal\n\
         c=sqlite3.connect(sys.argv[1], isolation_level=None)\n\
         c.execute('pragma journal_mode=wal'); c.execute('pragma wal_autocheckpoint=0')\n\
         c.execute('create table t(a integer primary key, b)')\n\
         for i in range(50):\n    c.execute('insert into t(b) select zeroblob(3000) from (with recursive r(i) as (select 1 union all select i+1 from r where i < 100) select i from r)')\n\
         c.execute('update t set b = a where a % 3 = 0')\n\
         print('done', flush=True)\n\
         os.kill(os.getpid(), signal.SIGKILL)\n",
    );
    assert_eq!(got, "done");
    assert!((file_len(&db, "-wal") - 32) / 4120 > 4062);
    let mut c = Connection::open(db.to_str().unwrap(), RWC, None).unwrap();
    assert_eq!(
        query(&mut c, "select count(*), sum(length(b)) from t").unwrap(),
        [format!(
            "5000|{}",
            3334 * 3000
                + (1..=5000)
                    .filter(|a| a % 3 == 0)
                    .map(|a: i32| a.to_string().len())
                    .sum::<usize>()
        )]
    );
    query(&mut c, "insert into t(b) values('last')").unwrap();
    // The commit ran an automatic PASSIVE checkpoint (WAL >= 1000 frames): the db file has
    // everything, as real SQLite sees with its reader on READ0.
    let db_len = std::fs::metadata(&db).unwrap().len();
    assert!(
        db_len > 5000 * 3000,
        "db file {db_len} bytes: not checkpointed"
    );
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "5001 ok");
    // The next writer restarts the WAL from the beginning (it does not grow).
    let before = file_len(&db, "-wal");
    query(&mut c, "insert into t(b) values('restart')").unwrap();
    assert!(file_len(&db, "-wal") <= before);
    drop(c);
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "5002 ok");
}

/// Our process dies after committing into the WAL (no checkpoint, -shm unmapped): real SQLite
/// runs recovery on our WAL file, so our frame checksums and salts must be right.
#[test]
fn wal_our_crash_real_sqlite_recovers_our_frames() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("j.db");
    assert_eq!(py(&db, REAL_WRITES_THEN_KILLED), "done");
    let vfs = epiloglite::vfs::unix::default_vfs();
    let mut p = Pager::open(vfs, db.to_str().unwrap(), OpenFlags::default()).unwrap();
    for v in [41u32, 42] {
        p.begin_write(false).unwrap();
        // user_version (header bytes 60..64).
        p.write(1).unwrap()[60..64].copy_from_slice(&v.to_be_bytes());
        p.commit().unwrap();
        p.end_read();
    }
    let wal_before = file_len(&db, "-wal");
    p.crash_for_test();
    assert_eq!(
        file_len(&db, "-wal"),
        wal_before,
        "crash must not checkpoint"
    );
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('pragma user_version').fetchone()[0], c.execute('select count(*) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "42 300 ok");
}

/// Two connections of this process share one -shm mapping and its in-process lock table.
#[test]
fn wal_two_connections_in_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let path = db.to_str().unwrap();
    let mut a = Connection::open(path, RWC, None).unwrap();
    assert_eq!(query(&mut a, "pragma journal_mode=wal").unwrap(), ["wal"]);
    query(&mut a, "create table t(x)").unwrap();
    let mut b = Connection::open(path, RWC, None).unwrap();
    query(&mut a, "insert into t values(1)").unwrap();
    assert_eq!(query(&mut b, "select count(*) from t").unwrap(), ["1"]);
    // b holds a snapshot; a commits; b still sees its snapshot until it ends.
    query(&mut b, "begin").unwrap();
    assert_eq!(query(&mut b, "select count(*) from t").unwrap(), ["1"]);
    query(&mut a, "insert into t values(2)").unwrap();
    assert_eq!(query(&mut b, "select count(*) from t").unwrap(), ["1"]);
    // b cannot write from a stale snapshot.
    let e = query(&mut b, "insert into t values(3)").unwrap_err();
    assert_eq!(e.primary(), 5, "{e:?}");
    query(&mut b, "rollback").unwrap();
    assert_eq!(query(&mut b, "select count(*) from t").unwrap(), ["2"]);
    query(&mut b, "insert into t values(3)").unwrap();
    assert_eq!(query(&mut a, "select sum(x) from t").unwrap(), ["6"]);
    drop(a);
    // b is still open: no checkpoint-and-delete yet.
    assert!(exists(&db, "-wal"));
    assert_eq!(query(&mut b, "select sum(x) from t").unwrap(), ["6"]);
    drop(b);
    assert!(!exists(&db, "-wal"));
    assert!(!exists(&db, "-shm"));
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select sum(x) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "6 ok");
}

#[test]
fn wal_leave_wal_mode_for_delete() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    let mut c = Connection::open(db.to_str().unwrap(), RWC, None).unwrap();
    assert_eq!(query(&mut c, "pragma journal_mode=wal").unwrap(), ["wal"]);
    query(&mut c, "create table t(x); insert into t values(5)").unwrap();
    assert!(exists(&db, "-wal"));
    assert_eq!(
        query(&mut c, "pragma journal_mode=delete").unwrap(),
        ["delete"]
    );
    assert!(!exists(&db, "-wal"));
    assert_eq!(std::fs::read(&db).unwrap()[18..20], [1, 1]);
    query(&mut c, "insert into t values(6)").unwrap();
    assert_eq!(query(&mut c, "select sum(x) from t").unwrap(), ["11"]);
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select sum(x) from t').fetchone()[0], c.execute('pragma journal_mode').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "11 delete ok");
    drop(c);
}

/// Leaving WAL mode while another connection is open is refused (SQLITE_BUSY) and leaves
/// both connections working in WAL mode.
#[test]
fn wal_leave_refused_while_another_connection_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let path = db.to_str().unwrap();
    let mut a = Connection::open(path, RWC, None).unwrap();
    assert_eq!(query(&mut a, "pragma journal_mode=wal").unwrap(), ["wal"]);
    query(&mut a, "create table t(x); insert into t values(1)").unwrap();
    let mut b = Connection::open(path, RWC, None).unwrap();
    assert_eq!(query(&mut b, "select x from t").unwrap(), ["1"]);
    let e = query(&mut a, "pragma journal_mode=delete").unwrap_err();
    assert_eq!(e.primary(), 5, "{e:?}");
    query(&mut b, "insert into t values(2)").unwrap();
    assert_eq!(query(&mut a, "select sum(x) from t").unwrap(), ["3"]);
    assert_eq!(query(&mut a, "pragma journal_mode").unwrap(), ["wal"]);
    drop(b);
    drop(a);
    assert!(!exists(&db, "-wal"));
}

/// Switching an existing rollback-journal database (written by real SQLite) to WAL: the
/// header (bytes 18/19 = 2) reaches the db file, later commits go to the WAL.
#[test]
fn wal_switch_existing_database_to_wal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("n.db");
    py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.execute('create table t(x)')\nc.executemany('insert into t values(?)', [(i,) for i in range(500)])\nc.commit()\n",
    );
    assert_eq!(std::fs::read(&db).unwrap()[18..20], [1, 1]);
    let mut c = Connection::open(db.to_str().unwrap(), RWC, None).unwrap();
    assert_eq!(query(&mut c, "select count(*) from t").unwrap(), ["500"]);
    assert_eq!(query(&mut c, "pragma journal_mode=wal").unwrap(), ["wal"]);
    assert_eq!(std::fs::read(&db).unwrap()[18..20], [2, 2]);
    let db_len = std::fs::metadata(&db).unwrap().len();
    query(&mut c, "insert into t select x + 500 from t").unwrap();
    assert_eq!(
        std::fs::metadata(&db).unwrap().len(),
        db_len,
        "db file written"
    );
    assert!(file_len(&db, "-wal") > 0);
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*), sum(x) from t').fetchone(), c.execute('pragma journal_mode').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "(1000, 499500) wal ok");
}

/// A read-only connection reads a live WAL database (real SQLite's commits in the -wal).
#[test]
fn wal_read_only_connection_reads_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.db");
    assert_eq!(py(&db, REAL_WRITES_THEN_KILLED), "done");
    let mut c = Connection::open(db.to_str().unwrap(), open_flags::READONLY, None).unwrap();
    assert_eq!(
        query(
            &mut c,
            "select count(*), (select b from t where a = 5) from t"
        )
        .unwrap(),
        ["300|7"]
    );
    let e = query(&mut c, "insert into t(b) values(1)").unwrap_err();
    assert_eq!(e.primary(), 8, "{e:?}");
    drop(c);
    // A read-only close neither checkpoints nor deletes the WAL.
    assert!(file_len(&db, "-wal") > 0);
    let got = py(
        &db,
        "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*) from t').fetchone()[0], c.execute('pragma integrity_check').fetchone()[0])\n",
    );
    assert_eq!(got, "300 ok");
}
