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

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// Seconds any single child process (or peer answer) may take before the test fails: a hang in
/// the library under test must fail the test, not stall CI.
const STEP_TIMEOUT_SECS: u64 = 120;

/// `cmd.output()` with a deadline: on timeout the child is SIGKILLed and the test panics.
fn output_within(cmd: &mut std::process::Command, what: &str) -> std::process::Output {
    use std::io::Read;
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: spawn failed: {e}"));
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut v);
        }
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut v);
        }
        v
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(STEP_TIMEOUT_SECS);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: no result within {STEP_TIMEOUT_SECS}s (killed)");
            }
        }
    };
    std::process::Output {
        status,
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
    }
}

/// Reads `reader` line by line on a thread; lines arrive on the returned channel.
fn line_channel<R: std::io::Read + Send + 'static>(reader: R) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(reader).lines() {
            match line {
                Ok(l) => {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    rx
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lut_dir() -> PathBuf {
    if std::env::var("EPILOGLITE_E2E").is_ok_and(|v| v == "1") {
        let d = std::env::var("EPILOGLITE_E2E_LIBDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root().join("target/release/lib"));
        assert!(
            d.join("libsqlite3.so.0").exists(),
            "{}/libsqlite3.so.0 missing: run `cargo build --release --lib` first",
            d.display()
        );
        d
    } else {
        let d = PathBuf::from(
            std::env::var("EPILOGLITE_SYSTEM_LIBDIR")
                .unwrap_or_else(|_| "/usr/lib/x86_64-linux-gnu".into()),
        );
        eprintln!(
            "note: locking interop ran with the SYSTEM library as the library under test \
             (set EPILOGLITE_E2E=1 to run it on EpilogLite)"
        );
        d
    }
}

const PEER: &str = r#"
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
print("READY " + con.execute("select sqlite_source_id()").fetchone()[0], flush=True)
for line in sys.stdin:
    sql = line.strip()
    if not sql:
        continue
    try:
        rows = con.execute(sql).fetchall()
        print("OK " + repr(rows), flush=True)
    except sqlite3.Error as e:
        print("ERR " + str(e), flush=True)
"#;

struct Peer {
    child: Child,
    stdin: ChildStdin,
    lines: std::sync::mpsc::Receiver<String>,
    name: &'static str,
}

impl Peer {
    fn start(on_lut: bool, db: &Path) -> Peer {
        let mut cmd = if on_lut {
            let mut c = Command::new(root().join("epiloglite"));
            c.env("EPILOGLITE_LIB", lut_dir())
                .env_remove("LD_LIBRARY_PATH")
                .arg("python3");
            c
        } else {
            let mut c = Command::new("python3");
            c.env_remove("LD_LIBRARY_PATH").env_remove("LD_PRELOAD");
            c
        };
        let mut child = cmd
            .arg("-c")
            .arg(PEER)
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn python3 peer");
        let stdin = child.stdin.take().expect("peer stdin");
        let lines = line_channel(child.stdout.take().expect("peer stdout"));
        let mut p = Peer {
            child,
            stdin,
            lines,
            name: if on_lut { "LUT" } else { "real" },
        };
        let hello = p.line();
        assert!(
            hello.starts_with("READY "),
            "{} peer did not start: {hello:?}",
            p.name
        );
        p
    }

    /// The peer's next answer; "" if it died or gave none within the step timeout.
    fn line(&mut self) -> String {
        self.lines
            .recv_timeout(std::time::Duration::from_secs(STEP_TIMEOUT_SECS))
            .map(|s| s.trim_end().to_string())
            .unwrap_or_default()
    }

    fn sql(&mut self, sql: &str) -> String {
        let _ = writeln!(self.stdin, "{sql}");
        let _ = self.stdin.flush();
        let r = self.line();
        assert!(
            !r.is_empty(),
            "{} peer died or hung running {sql:?}",
            self.name
        );
        r
    }

    fn ok(&mut self, sql: &str) -> String {
        let r = self.sql(sql);
        assert!(r.starts_with("OK "), "{} peer: {sql:?} -> {r}", self.name);
        r[3..].to_string()
    }

    fn locked(&mut self, sql: &str) {
        let r = self.sql(sql);
        assert_eq!(r, "ERR database is locked", "{} peer: {sql:?}", self.name);
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
