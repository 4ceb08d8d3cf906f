//! Shared scaffolding of the interop tests (`interop_locking.rs`, `interop_wal.rs`): the
//! library-under-test selection, deadline-bounded child processes, and the Python "peer" that
//! runs one SQL statement per stdin line on either library.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// Seconds any single child process (or peer answer) may take before the test fails: a hang in
/// the library under test must fail the test, not stall CI.
pub const STEP_TIMEOUT_SECS: u64 = 120;

/// `cmd.output()` with a deadline: on timeout the child is SIGKILLed and the test panics.
pub fn output_within(cmd: &mut std::process::Command, what: &str) -> std::process::Output {
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
pub fn line_channel<R: std::io::Read + Send + 'static>(
    reader: R,
) -> std::sync::mpsc::Receiver<String> {
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

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn lut_dir() -> PathBuf {
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
            "note: this interop test ran with the SYSTEM library as the library under test \
             (set EPILOGLITE_E2E=1 to run it on EpilogLite)"
        );
        d
    }
}

pub const PEER: &str = r#"
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

pub struct Peer {
    pub child: Child,
    pub stdin: ChildStdin,
    pub lines: std::sync::mpsc::Receiver<String>,
    pub name: &'static str,
}

impl Peer {
    pub fn start(on_lut: bool, db: &Path) -> Peer {
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
    pub fn line(&mut self) -> String {
        self.lines
            .recv_timeout(std::time::Duration::from_secs(STEP_TIMEOUT_SECS))
            .map(|s| s.trim_end().to_string())
            .unwrap_or_default()
    }

    pub fn sql(&mut self, sql: &str) -> String {
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

    pub fn ok(&mut self, sql: &str) -> String {
        let r = self.sql(sql);
        assert!(r.starts_with("OK "), "{} peer: {sql:?} -> {r}", self.name);
        r[3..].to_string()
    }

    pub fn locked(&mut self, sql: &str) {
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
