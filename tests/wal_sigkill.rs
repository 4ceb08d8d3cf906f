//! SIGKILL harness (issue 6, "How it is checked"): a writer on the library under test (Python
//! through `./epiloglite python3`) is SIGKILLed at random moments, many times, in WAL and in
//! DELETE mode. The writer prints `ACK <txn>` only after COMMIT returned. After every kill the
//! database is reopened by the library under test and by real SQLite (alternating which one
//! goes first, so both run the recovery: hot journal rollback or wal-index rebuild), and:
//! - every acknowledged transaction is present (txn ids are 1..max with no gap, and max is the
//!   last ACK or the one after it, which may have committed before its ACK was printed);
//! - no transaction is partial: each txn's row count equals what it recorded, and the two
//!   counters every transaction increments in separate statements equal the txn count;
//! - `PRAGMA integrity_check` is ok and the journal mode is unchanged.
//!
//! Transactions vary: small ones, every 10th is ~1 MB with `cache_size=200` so it spills to
//! the journal/WAL before COMMIT, every 5th deletes rows (freelist churn); in WAL mode auto
//! checkpoints run under the writer, so kills also land in checkpoints.
//!
//! Short mode: 30 kills per mode. `EPILOGLITE_KILL_ROUNDS=N` sets the count (long mode: 300).
//! `EPILOGLITE_KILL_SEED` replays a run (the seed is printed). Library under test as in
//! `interop_common` (system SQLite unless `EPILOGLITE_E2E=1`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod interop_common;
use interop_common::*;

const WRITER: &str = r#"
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
con.execute("pragma cache_size=200")
t = con.execute("select coalesce(max(txn), 0) from kinds").fetchone()[0]
print("READY %d" % t, flush=True)
while True:
    t += 1
    n = 1000 if t % 10 == 0 else 1 + t % 7
    con.execute("begin")
    con.execute("insert into kinds values (?, ?)", (t, n))
    con.executemany("insert into log values (?, ?, randomblob(?))",
                    [(t, s, 1000 if n >= 1000 else 50 + 10 * s) for s in range(n)])
    con.execute("update c set a = a + 1 where id = 1")
    if t % 5 == 0:
        con.execute("delete from churn where k < ?", (t - 30,))
    con.executemany("insert into churn values (?, randomblob(400))", [(t,)] * 3)
    con.execute("update c set b = b + 1 where id = 1")
    con.execute("commit")
    print("ACK %d" % t, flush=True)
"#;

const CHECKER: &str = r#"
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
ic = con.execute("pragma integrity_check").fetchall()
cnt, mx = con.execute("select count(*), coalesce(max(txn), 0) from kinds").fetchone()
a, b = con.execute("select a, b from c where id = 1").fetchone()
bad = con.execute("select count(*) from kinds k left join "
                  "(select txn, count(*) n from log group by txn) l using (txn) "
                  "where l.n is not k.nrows").fetchone()[0]
orphans = con.execute("select count(*) from log where txn not in (select txn from kinds)").fetchone()[0]
jm = con.execute("pragma journal_mode").fetchone()[0]
con.close()
print("CHECK %s %d %d %d %d %d %d %s" % (ic[0][0] if len(ic) == 1 else "BAD", cnt, mx, a, b, bad, orphans, jm))
if ic != [("ok",)]:
    print(repr(ic), file=sys.stderr)
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

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Runs the checker on one library; returns the max txn id after asserting every invariant.
fn check(db: &Path, on_lut: bool, acked: u64, mode: &str, round: usize) -> u64 {
    let who = if on_lut { "LUT" } else { "real" };
    let out = output_within(python(on_lut).arg("-c").arg(CHECKER).arg(db), "checker");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ctx = format!(
        "{mode} round {round}, checked by {who}, acked {acked}: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{ctx}");
    let f: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(f.len(), 9, "{ctx}");
    assert_eq!(f[0], "CHECK", "{ctx}");
    assert_eq!(f[1], "ok", "integrity_check failed: {ctx}");
    let n: Vec<u64> = f[2..8]
        .iter()
        .map(|s| s.parse().unwrap_or(u64::MAX))
        .collect();
    let (cnt, mx, a, b, bad, orphans) = (n[0], n[1], n[2], n[3], n[4], n[5]);
    assert_eq!(cnt, mx, "gap in committed txn ids: {ctx}");
    assert!(
        mx == acked || mx == acked + 1,
        "acknowledged commit lost or phantom: {ctx}"
    );
    assert_eq!((a, b), (cnt, cnt), "partial transaction (counters): {ctx}");
    assert_eq!(bad, 0, "partial transaction (row counts): {ctx}");
    assert_eq!(orphans, 0, "partial transaction (orphan rows): {ctx}");
    assert_eq!(f[8], mode, "journal mode changed: {ctx}");
    mx
}

fn run(mode: &str) {
    let rounds: usize = std::env::var("EPILOGLITE_KILL_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("EPILOGLITE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    eprintln!("{mode}: {rounds} kills, EPILOGLITE_KILL_SEED={seed}");
    let mut rng = Rng(seed);
    let d: PathBuf =
        std::env::temp_dir().join(format!("epiloglite-kill-{mode}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    let db = d.join("k.db");
    let out = output_within(
        Command::new("sqlite3")
            .env_remove("LD_LIBRARY_PATH")
            .arg(&db)
            .arg(format!(
                "pragma journal_mode={mode}; \
             create table kinds(txn integer primary key, nrows); \
             create table log(txn, seq, pad); create index log_txn on log(txn); \
             create table c(id integer primary key, a, b); insert into c values (1, 0, 0); \
             create table churn(k, pad); create index churn_k on churn(k);"
            )),
        "sqlite3 setup",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), mode);

    let t0 = Instant::now();
    let mut acked = 0u64;
    let mut total_acks = 0u64;
    for round in 0..rounds {
        let mut child = python(true)
            .arg("-c")
            .arg(WRITER)
            .arg(&db)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn writer");
        let lines = line_channel(child.stdout.take().expect("writer stdout"));
        let ready = lines
            .recv_timeout(Duration::from_secs(STEP_TIMEOUT_SECS))
            .unwrap_or_default();
        let start: u64 = ready
            .strip_prefix("READY ")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{mode} round {round}: writer did not start: {ready:?}")
            });
        assert!(
            start >= acked,
            "{mode} round {round}: writer saw {start} < acked {acked}"
        );
        acked = start;
        // Kill between 0 and 400 ms after the writer is ready.
        std::thread::sleep(Duration::from_micros(rng.next() % 400_000));
        if let Ok(Some(st)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            panic!("{mode} round {round}: writer exited by itself ({st}): {err}");
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        while let Ok(l) = lines.recv_timeout(Duration::from_secs(10)) {
            if let Some(t) = l
                .strip_prefix("ACK ")
                .and_then(|s| s.trim().parse::<u64>().ok())
            {
                assert_eq!(t, acked + 1, "{mode} round {round}: ACKs out of order");
                acked = t;
                total_acks += 1;
            }
        }
        let lut_first = round % 2 == 0;
        let m1 = check(&db, lut_first, acked, mode, round);
        let m2 = check(&db, !lut_first, acked, mode, round);
        assert_eq!(m1, m2, "{mode} round {round}: the two engines disagree");
        acked = m1;
    }
    let out = output_within(
        Command::new("sqlite3")
            .env_remove("LD_LIBRARY_PATH")
            .arg(&db)
            .arg("pragma integrity_check; select count(*) from kinds"),
        "sqlite3 final",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("ok\n{acked}")
    );
    eprintln!(
        "{mode}: {rounds} kills, {total_acks} acknowledged commits ({acked} txns), all present, \
         none partial, in {:.1}s",
        t0.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn sigkill_writer_wal() {
    run("wal");
}

#[test]
fn sigkill_writer_delete() {
    run("delete");
}
