//! `PRAGMA rekey` killed by SIGKILL at random moments (a child process: this test binary
//! re-run on its `#[ignore]`d helper `rekey_child`): afterwards the database opens with
//! exactly one of the old and the new key and holds all committed data.

mod crypto_common;
use crypto_common::*;
use epiloglite::db::Connection;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

const CHILD_ENV: &str = "EPILOGLITE_REKEY_CHILD";

fn read_all(c: &mut Connection) -> epiloglite::Result<Vec<String>> {
    exec(
        c,
        "SELECT count(*), sum(length(b)), sum(a * length(b)) FROM t",
    )
}

fn with_key(path: &str, key: &str) -> epiloglite::Result<Vec<String>> {
    let mut c = open(path);
    exec(&mut c, &format!("PRAGMA key = \"{key}\""))?;
    read_all(&mut c)
}

/// Helper run in the child: rekey the database named by `$EPILOGLITE_REKEY_CHILD` from RAW to
/// RAW2 (then print "done"). Not a test by itself.
#[test]
#[ignore]
fn rekey_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut c = open(&path);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    ok(&mut c, "SELECT count(*) FROM t");
    println!("start");
    ok(&mut c, &format!("PRAGMA rekey = \"{RAW2}\""));
    println!("done");
}

/// Start the child and wait until it is about to rekey.
fn child(path: &str) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut ch = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "rekey_child", "--nocapture"])
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(ch.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("start") {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("child ended before rekey");
        }
    }
    (ch, out)
}

#[test]
fn rekey_killed_at_random_moments_leaves_old_or_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let master = dir.path().join("m.db").to_str().unwrap().to_string();
    let path = dir.path().join("k.db").to_str().unwrap().to_string();
    let mut c = open(&master);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    ok(&mut c, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)");
    ok(&mut c, "BEGIN");
    for i in 1..=3000 {
        ok(
            &mut c,
            &format!("INSERT INTO t(b) VALUES('{}')", marker_text(i, 1000)),
        );
    }
    ok(&mut c, "COMMIT");
    let want = read_all(&mut c).unwrap();
    drop(c);
    let image = std::fs::read(&master).unwrap();

    // How long the rekey takes.
    std::fs::write(&path, &image).unwrap();
    let (mut ch, mut out) = child(&path);
    let t0 = Instant::now();
    let mut rest = String::new();
    out.read_line(&mut rest).unwrap();
    let full = t0.elapsed();
    assert!(rest.contains("done"), "{rest}");
    ch.wait().unwrap();
    assert_eq!(with_key(&path, RAW2).unwrap(), want);

    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    // Some kills land just after the end too (1.2 × the measured time).
    let full = full.mul_f64(1.2);
    let (mut old, mut new) = (0, 0);
    for round in 0..12 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = full.mul_f64((seed % 1000) as f64 / 1000.0);
        std::fs::write(&path, &image).unwrap();
        let _ = std::fs::remove_file(format!("{path}-journal"));
        let (mut ch, _out) = child(&path);
        std::thread::sleep(delay);
        let _ = ch.kill(); // SIGKILL
        let _ = ch.wait();
        let a = with_key(&path, RAW);
        let b = with_key(&path, RAW2);
        let what = format!("round {round}, killed after {delay:?} of {full:?}");
        match (a, b) {
            (Ok(r), Err(_)) => {
                assert_eq!(r, want, "{what}: old key, data lost");
                old += 1;
            }
            (Err(_), Ok(r)) => {
                assert_eq!(r, want, "{what}: new key, data lost");
                new += 1;
            }
            (a, b) => panic!("{what}: old key {a:?}, new key {b:?}"),
        }
        // Still consistent on a second look (the hot journal, if any, is gone now).
        let again = if with_key(&path, RAW).is_ok() {
            RAW
        } else {
            RAW2
        };
        let mut c = open(&path);
        ok(&mut c, &format!("PRAGMA key = \"{again}\""));
        assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"], "{what}");
    }
    eprintln!("killed 12 rekeys: {old} left the old key, {new} the new one");
    assert!(marker_in_dir(dir.path()).is_empty());
}
