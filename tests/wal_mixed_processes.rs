//! Mixed-process concurrency harness (issue 6, "How it is checked"): N writer processes, half
//! Python on the library under test (through `./epiloglite python3`) and half plain `python3` on
//! the system SQLite, each doing R increments of one counter in `BEGIN IMMEDIATE` transactions
//! with a busy timeout, while reader processes (again half on each library) check that two
//! columns every transaction keeps equal are never seen different, in WAL and in DELETE mode.
//!
//! Pass criteria: the counter ends at exactly N×R (no lost or doubled update), no reader ever
//! saw `a != b` (no torn snapshot), every process exits 0, `PRAGMA integrity_check` is ok for
//! real sqlite3 afterwards.
//!
//! Short mode by default (N=4, R=200, 2 readers); `EPILOGLITE_MIXED_LONG=1` runs N=8, R=2000,
//! 4 readers. Library under test: as in `interop_common` (system library unless
//! `EPILOGLITE_E2E=1`, which proves the harness itself on real SQLite).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod interop_common;
use interop_common::*;

/// One writer: R increments; each transaction updates n, a and b in separate statements so a
/// reader could see a != b if isolation were broken. BUSY is retried (the busy timeout makes it
/// rare): a failed BEGIN is retried, a failed statement inside the transaction rolls back and
/// retries the whole transaction, a failed COMMIT is retried as COMMIT (the transaction is
/// still open, as the C API documents). Prints "DONE <commits> <retries>".
const WRITER: &str = r#"
import sqlite3, sys, time
db, r = sys.argv[1], int(sys.argv[2])
def note(where, e, t):
    print("RETRY %s %s after %.2fs" % (where, e, time.time() - t), flush=True)
con = sqlite3.connect(db, isolation_level=None, timeout=30)
con.execute("pragma busy_timeout=30000")
done = retries = 0
while done < r:
    t = time.time()
    try:
        con.execute("begin immediate")
    except sqlite3.OperationalError as e:
        note("begin", e, t)
        retries += 1
        continue
    try:
        con.execute("update c set n = n + 1, a = a + 1 where id = 1")
        con.execute("update c set b = b + 1 where id = 1")
    except sqlite3.OperationalError as e:
        note("update", e, t)
        retries += 1
        con.execute("rollback")
        continue
    while True:
        try:
            con.execute("commit")
            break
        except sqlite3.OperationalError as e:
            note("commit", e, t)
            retries += 1
    done += 1
con.close()
print("DONE %d %d" % (done, retries), flush=True)
"#;

/// One reader: until the stop file exists, checks a == b both in one statement and across two
/// statements of one read transaction. Prints "READS <checks> <violations> <errors>".
const READER: &str = r#"
import sqlite3, sys, os
db, stop = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db, isolation_level=None, timeout=30)
checks = bad = errs = 0
while not os.path.exists(stop):
    try:
        a, b = con.execute("select a, b from c where id = 1").fetchone()
        checks += 1
        if a != b:
            bad += 1
            print("TORN one statement a=%d b=%d" % (a, b), flush=True)
        con.execute("begin")
        (a,) = con.execute("select a from c where id = 1").fetchone()
        (b,) = con.execute("select b from c where id = 1").fetchone()
        con.execute("commit")
        checks += 1
        if a != b:
            bad += 1
            print("TORN transaction a=%d b=%d" % (a, b), flush=True)
    except sqlite3.OperationalError as e:
        errs += 1
        if con.in_transaction:
            con.execute("rollback")
con.close()
print("READS %d %d %d" % (checks, bad, errs), flush=True)
"#;

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

fn spawn(on_lut: bool, script: &str, args: &[&str]) -> Child {
    python(on_lut)
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python3")
}

/// Waits for `child` until `deadline`; SIGKILLs it and fails on timeout. Returns stdout.
fn finish(mut child: Child, what: &str, deadline: Instant) -> String {
    use std::io::Read;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: did not finish in time (killed)");
            }
        }
    }
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut p) = child.stdout.take() {
        let _ = p.read_to_string(&mut out);
    }
    if let Some(mut p) = child.stderr.take() {
        let _ = p.read_to_string(&mut err);
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "{what} failed ({status}): {out}\n{err}");
    out
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

fn setup(name: &str, mode: &str) -> (PathBuf, PathBuf) {
    let d = std::env::temp_dir().join(format!("epiloglite-mixed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    let db = d.join("m.db");
    let out = real_cli(
        &db,
        &format!(
            "pragma journal_mode={mode}; create table c(id integer primary key, n, a, b); \
             insert into c values (1, 0, 0, 0); \
             create table filler(x); insert into filler select randomblob(200) from generate_series(1, 200);"
        ),
    );
    assert_eq!(out, mode);
    (d, db)
}

fn run(mode: &str, name: &str) {
    let long = std::env::var("EPILOGLITE_MIXED_LONG").is_ok_and(|v| v == "1");
    let (n, r, nreaders) = if long { (8, 2000, 4) } else { (4, 200, 2) };
    let (d, db) = setup(name, mode);
    let stop = d.join("stop");
    let dbs = db.to_str().expect("utf-8 temp path").to_string();
    let stops = stop.to_str().expect("utf-8 temp path").to_string();
    let rs = r.to_string();
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(if long { 1800 } else { 300 });

    let readers: Vec<(bool, Child)> = (0..nreaders)
        .map(|i| {
            let lut = i % 2 == 0;
            (lut, spawn(lut, READER, &[&dbs, &stops]))
        })
        .collect();
    let writers: Vec<(bool, Child)> = (0..n)
        .map(|i| {
            let lut = i % 2 == 0;
            (lut, spawn(lut, WRITER, &[&dbs, &rs]))
        })
        .collect();
    let mut total_retries = 0u64;
    for (i, (lut, w)) in writers.into_iter().enumerate() {
        let who = format!("writer {i} ({})", if lut { "LUT" } else { "real" });
        let out = finish(w, &who, deadline);
        for l in out.lines().filter(|l| l.starts_with("RETRY")) {
            eprintln!("{who}: {l}");
        }
        let last = out.lines().last().unwrap_or("");
        let f: Vec<&str> = last.split_whitespace().collect();
        assert_eq!(f.first().copied(), Some("DONE"), "{who}: {out}");
        assert_eq!(f.get(1).copied(), Some(rs.as_str()), "{who}: {out}");
        total_retries += f.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    }
    // With a 30 s busy timeout and short transactions a BUSY means a writer starved (e.g. it
    // kept retrying on a stale WAL snapshot instead of taking a fresh one, as SQLite does).
    assert_eq!(
        total_retries, 0,
        "{mode}: writers got SQLITE_BUSY despite the busy timeout"
    );
    std::fs::write(&stop, b"").expect("stop file");
    let mut total_checks = 0u64;
    for (i, (lut, rd)) in readers.into_iter().enumerate() {
        let who = format!("reader {i} ({})", if lut { "LUT" } else { "real" });
        let out = finish(rd, &who, deadline);
        let last = out.lines().last().unwrap_or("");
        let f: Vec<&str> = last.split_whitespace().collect();
        assert_eq!(f.first().copied(), Some("READS"), "{who}: {out}");
        assert_eq!(
            f.get(2).copied(),
            Some("0"),
            "{who} saw a torn state: {out}"
        );
        let checks: u64 = f.get(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        assert!(checks > 0, "{who} never completed a check: {out}");
        total_checks += checks;
    }
    let expect = n * r;
    assert_eq!(
        real_cli(&db, "pragma integrity_check; select n, a, b from c"),
        format!("ok\n{expect}|{expect}|{expect}")
    );
    eprintln!(
        "{mode}: {n} writers x {r} increments = {expect} in {:.1}s ({total_retries} busy retries), \
         {nreaders} readers made {total_checks} checks, none torn",
        t0.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn mixed_processes_wal_counter_and_invariant() {
    run("wal", "wal");
}

#[test]
fn mixed_processes_delete_counter_and_invariant() {
    run("delete", "del");
}
