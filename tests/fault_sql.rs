//! Fault injection under a whole SQL workload (issue 8, "Fault injection").
//!
//! A transaction (updates, deletes, inserts with overflow payloads, an index) runs on a
//! [`FaultVfs`] that fails the n-th I/O operation, for every n from 1 to the number of
//! operations the workload makes, with each kind of fault: EIO on a write/sync/truncate/delete,
//! ENOSPC (`SQLITE_FULL`), a short write, a torn write followed by a power loss
//! ([`MemoryVfs::crash`]), persistent EIO (the disk stays broken until repaired), and EIO on
//! reads. For every case:
//! - a statement that fails reports `SQLITE_IOERR*` or `SQLITE_FULL` (never a panic, never
//!   another code);
//! - a workload that reports success left the "after" content (no silent loss);
//! - once the disk works again, the same connection and a fresh one see a database that passes
//!   `PRAGMA integrity_check` and holds exactly the "before" or the "after" content — the
//!   transaction is atomic.
//! Rollback-journal modes run on the memory VFS (so a power loss can be simulated); WAL runs
//! on the unix VFS in a temporary directory (the wal-index is a real `-shm` file).
//! `EPILOGLITE_FAULT_STRIDE=k` tries every k-th fault point only (default 1: all of them).

use epiloglite::db::{open_flags, Connection};
use epiloglite::error::codes::*;
use epiloglite::vfs::memory::{FaultKind, FaultState, FaultVfs, MemoryVfs};
use epiloglite::vfs::Vfs;
use epiloglite::{Error, Value};
use std::sync::Arc;

const RWC: i32 = open_flags::READWRITE | open_flags::CREATE;

fn run(c: &mut Connection, sql: &str) -> Result<Vec<Vec<Value>>, Error> {
    let mut rows = Vec::new();
    let mut rest = sql.as_bytes();
    while !rest.is_empty() {
        let (stmt, used) = c.prepare(rest)?;
        rest = &rest[used.min(rest.len())..];
        let Some(mut s) = stmt else {
            if used == 0 {
                break;
            }
            continue;
        };
        loop {
            match s.step(c) {
                Ok(true) => rows.push(
                    (0..s.data_count())
                        .map(|i| s.column_value(i).clone())
                        .collect(),
                ),
                Ok(false) => break,
                Err(e) => {
                    s.finalize(c);
                    return Err(e);
                }
            }
        }
        s.finalize(c);
    }
    Ok(rows)
}

fn setup_sql() -> String {
    let mut s = String::from(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB);\nCREATE INDEX tb ON t(b);\nBEGIN;\n",
    );
    for i in 1..=300 {
        let n = if i % 10 == 0 { 3000 } else { 40 };
        s.push_str(&format!(
            "INSERT INTO t VALUES({i}, 'row{i}', randomblob({n}));\n"
        ));
    }
    s.push_str("COMMIT;\n");
    s
}

/// The transaction under test, one statement at a time.
const WORK: [&str; 5] = [
    "BEGIN",
    "UPDATE t SET b = b || 'x' WHERE a % 3 = 0",
    "DELETE FROM t WHERE a % 7 = 0",
    "INSERT INTO t(b, c) SELECT b || 'new', zeroblob(2500) FROM t WHERE a < 60",
    "COMMIT",
];

fn digest(c: &mut Connection) -> Result<String, Error> {
    let rows = run(
        c,
        "SELECT count(*), total(a), group_concat(b, ','), total(length(c)), hex(max(c)) FROM t",
    )?;
    Ok(format!("{:?}", rows))
}

fn integrity(c: &mut Connection) -> Result<String, Error> {
    let rows = run(c, "PRAGMA integrity_check")?;
    Ok(rows
        .iter()
        .map(|r| match r.first() {
            Some(Value::Text(t)) => String::from_utf8_lossy(t).into_owned(),
            other => format!("{other:?}"),
        })
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Runs the workload; `Ok(())` if every statement succeeded, else the first error.
fn workload(c: &mut Connection) -> Result<(), Error> {
    for sql in WORK {
        if let Err(e) = run(c, sql) {
            let _ = run(c, "ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}

#[derive(Clone, Copy, Debug)]
struct Fault {
    kind: FaultKind,
    code: i32,
    persistent: bool,
    reads: bool,
}

const FAULTS: [Fault; 6] = [
    Fault {
        kind: FaultKind::Error,
        code: 0,
        persistent: false,
        reads: false,
    },
    Fault {
        kind: FaultKind::Error,
        code: SQLITE_FULL,
        persistent: false,
        reads: false,
    },
    Fault {
        kind: FaultKind::ShortWrite,
        code: SQLITE_FULL,
        persistent: false,
        reads: false,
    },
    Fault {
        kind: FaultKind::TornWrite,
        code: 0,
        persistent: true,
        reads: false,
    },
    Fault {
        kind: FaultKind::Error,
        code: 0,
        persistent: true,
        reads: false,
    },
    Fault {
        kind: FaultKind::Error,
        code: 0,
        persistent: false,
        reads: true,
    },
];

struct Env {
    /// The raw VFS (no faults): the "repaired disk".
    raw: Arc<dyn Vfs>,
    mem: Option<Arc<MemoryVfs>>,
    faulty: Arc<FaultVfs>,
    path: String,
    _dir: Option<TempDir>,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn env(journal: &str, base: &[u8], case: usize) -> Env {
    if journal == "wal" {
        let dir =
            std::env::temp_dir().join(format!("epiloglite-fault-{}-{case}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("f.db").to_string_lossy().into_owned();
        std::fs::write(&path, base).expect("write base image");
        let raw = epiloglite::vfs::unix::default_vfs();
        Env {
            faulty: Arc::new(FaultVfs::new(raw.clone())),
            raw,
            mem: None,
            path,
            _dir: Some(TempDir(dir)),
        }
    } else {
        let mem = Arc::new(MemoryVfs::new());
        mem.set_contents("f.db", base.to_vec());
        let raw: Arc<dyn Vfs> = mem.clone();
        Env {
            faulty: Arc::new(FaultVfs::new(raw.clone())),
            raw,
            mem: Some(mem),
            path: "f.db".into(),
            _dir: None,
        }
    }
}

/// The base image (made once on the memory VFS) and the expected digests.
fn base_image(journal: &str) -> (Vec<u8>, String, String) {
    let mem = Arc::new(MemoryVfs::new());
    let mut c = Connection::open_with_vfs("f.db", RWC, mem.clone()).expect("open");
    run(&mut c, &setup_sql()).expect("setup");
    let before = digest(&mut c).expect("digest");
    c.close().expect("close");
    let mut image = mem.contents("f.db").expect("image");
    if journal == "wal" {
        // The header says WAL (bytes 18/19 = 2), so opening it starts WAL mode.
        image[18] = 2;
        image[19] = 2;
    }
    // The "after" digest: run the workload once without faults.
    let e = env(journal, &image, usize::MAX);
    let mut c = open_faulty(&e, journal).expect("open");
    let mode = run(&mut c, "PRAGMA journal_mode").expect("journal_mode");
    assert_eq!(
        format!("{mode:?}").to_lowercase(),
        format!("{:?}", vec![vec![Value::text(journal)]]).to_lowercase()
    );
    workload(&mut c).expect("workload without faults");
    let after = digest(&mut c).expect("digest");
    assert_ne!(before, after);
    (image, before, after)
}

fn open_faulty(e: &Env, journal: &str) -> Result<Connection, Error> {
    let mut c = Connection::open_with_vfs(&e.path, RWC, e.faulty.clone())?;
    if journal != "wal" {
        run(&mut c, &format!("PRAGMA journal_mode={journal}"))?;
    }
    Ok(c)
}

/// Number of operations the workload performs with faults off (the walk's length).
fn op_count(journal: &str, base: &[u8], reads: bool) -> u64 {
    let e = env(journal, base, usize::MAX - 1);
    let mut c = open_faulty(&e, journal).expect("open");
    let st: Arc<FaultState> = e.faulty.state();
    st.count_reads(reads);
    st.arm(0, 0, false);
    workload(&mut c).expect("workload");
    st.count()
}

fn is_io_error(e: &Error) -> bool {
    matches!(e.code & 0xff, SQLITE_IOERR | SQLITE_FULL)
}

/// One case; `Err(description)` on a violation.
fn case(
    journal: &str,
    base: &[u8],
    before: &str,
    after: &str,
    f: Fault,
    n: u64,
    id: usize,
) -> Result<(), String> {
    let e = env(journal, base, id);
    let mut c = open_faulty(&e, journal).map_err(|x| format!("open: {}", x.msg))?;
    let st = e.faulty.state();
    st.count_reads(f.reads);
    st.arm_kind(n, f.code, f.persistent, f.kind);
    let res = workload(&mut c);
    let fired = st.fired();
    st.arm(0, 0, false);
    st.count_reads(false);
    match &res {
        Err(err) if !is_io_error(err) => {
            return Err(format!(
                "error code {} ({}) is not an I/O error",
                err.code, err.msg
            ))
        }
        Err(_) if !fired => return Err("error without a fault".into()),
        _ => {}
    }
    if f.kind == FaultKind::TornWrite {
        // The machine died: the connection is gone, the disk keeps a random subset of the
        // unsynced writes.
        std::mem::forget(c);
        if let Some(m) = &e.mem {
            m.crash(n);
        }
    } else {
        // The same connection, once the disk works again.
        let d = digest(&mut c).map_err(|x| format!("same connection, digest: {}", x.msg))?;
        if res.is_ok() && d != after {
            return Err(
                "success reported but the after-state is not there (same connection)".into(),
            );
        }
        if d != before && d != after {
            return Err("same connection sees neither before nor after".into());
        }
        let _ = c.close();
    }
    let mut c = Connection::open_with_vfs(&e.path, RWC, e.raw.clone())
        .map_err(|x| format!("reopen: {}", x.msg))?;
    let ic = integrity(&mut c).map_err(|x| format!("integrity_check: {}", x.msg))?;
    if ic != "ok" {
        return Err(format!("integrity_check: {ic}"));
    }
    let d = digest(&mut c).map_err(|x| format!("reopen digest: {}", x.msg))?;
    if res.is_ok() && d != after {
        return Err("success reported but the after-state was lost".into());
    }
    if d != before && d != after {
        return Err("reopened database holds neither before nor after".into());
    }
    Ok(())
}

fn walk(journal: &str) {
    let stride: u64 = std::env::var("EPILOGLITE_FAULT_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let (base, before, after) = base_image(journal);
    let mut failures = Vec::new();
    let mut tried = 0usize;
    for (fi, f) in FAULTS.iter().enumerate() {
        if journal == "wal" && f.kind == FaultKind::TornWrite {
            continue; // no power-loss simulation on the unix VFS
        }
        let total = op_count(journal, &base, f.reads);
        let mut n = 1;
        while n <= total {
            tried += 1;
            let id = fi * 100_000 + n as usize;
            let r = std::panic::catch_unwind(|| case(journal, &base, &before, &after, *f, n, id));
            match r {
                Ok(Ok(())) => {}
                Ok(Err(msg)) => failures.push(format!("{journal} {f:?} n={n}: {msg}")),
                Err(_) => failures.push(format!("{journal} {f:?} n={n}: PANIC")),
            }
            n += stride;
        }
    }
    println!(
        "fault walk {journal}: {tried} cases, {} failures",
        failures.len()
    );
    for f in failures.iter().take(30) {
        println!("  {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {tried} fault cases failed",
        failures.len()
    );
}

/// Control: a disk that silently drops one write must be caught by these checks in at least
/// one case (otherwise the checks above could not fail).
#[test]
fn harness_catches_a_lying_disk() {
    let (base, before, after) = base_image("delete");
    let f = Fault {
        kind: FaultKind::LostWrite,
        code: 0,
        persistent: false,
        reads: false,
    };
    let total = op_count("delete", &base, false);
    let caught = (1..=total)
        .filter(|&n| case("delete", &base, &before, &after, f, n, 900_000 + n as usize).is_err())
        .count();
    println!("lying disk: {caught} of {total} lost writes caught");
    assert!(caught > 0, "no lost write was detected");
}

#[test]
fn faults_delete_journal() {
    walk("delete");
}

#[test]
fn faults_truncate_journal() {
    walk("truncate");
}

#[test]
fn faults_persist_journal() {
    walk("persist");
}

#[test]
fn faults_wal() {
    walk("wal");
}
