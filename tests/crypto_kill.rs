//! `PRAGMA rekey` killed by SIGKILL at random moments (a child process: this test binary
//! re-run on its `#[ignore]`d helper `rekey_child`): afterwards the database opens with
//! exactly one of the old and the new key and holds all committed data. Two paths: a rekey
//! of an encrypted file (RAW → RAW2), and the encryption of a plain file whose pages reserve
//! no bytes (no key → RAW: a VACUUM-style rebuild with 28 reserved bytes, then the rekey).

mod crypto_common;
use crypto_common::*;
use epiloglite::db::Connection;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

const CHILD_ENV: &str = "EPILOGLITE_REKEY_CHILD";
/// The child's old and new key ("" = plain), `old|new`.
const KEYS_ENV: &str = "EPILOGLITE_REKEY_KEYS";

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

/// Helper run in the child: rekey the database named by `$EPILOGLITE_REKEY_CHILD` from the
/// old to the new key of `$EPILOGLITE_REKEY_KEYS` (then print "done"). Not a test by itself.
#[test]
#[ignore]
fn rekey_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let keys = std::env::var(KEYS_ENV).unwrap_or_default();
    let (old, new) = keys.split_once('|').unwrap_or((RAW, RAW2));
    let mut c = open(&path);
    ok(&mut c, &format!("PRAGMA key = \"{old}\""));
    ok(&mut c, "SELECT count(*) FROM t");
    println!("start");
    ok(&mut c, &format!("PRAGMA rekey = \"{new}\""));
    println!("done");
}

/// Start the child and wait until it is about to rekey.
fn child(
    path: &str,
    old: &str,
    new: &str,
) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut ch = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "rekey_child", "--nocapture"])
        .env(CHILD_ENV, path)
        .env(KEYS_ENV, format!("{old}|{new}"))
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
    killed_rekeys(RAW, RAW2);
}

/// The plain → encrypted path of a file without reserved bytes (rebuild, then rekey).
#[test]
fn encrypting_a_plain_file_killed_at_random_moments_leaves_plain_or_encrypted() {
    killed_rekeys("", RAW);
}

/// Rekey a 3000-row database from `old` to `new` ("" = plain) in a child, SIGKILLed 12 times
/// at random moments; after each, exactly one key opens it, with all the data.
fn killed_rekeys(old: &str, new: &str) {
    let dir = tempfile::tempdir().unwrap();
    let master = dir.path().join("m.db").to_str().unwrap().to_string();
    let path = dir.path().join("k.db").to_str().unwrap().to_string();
    let mut c = open(&master);
    ok(&mut c, &format!("PRAGMA key = \"{old}\""));
    ok(&mut c, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)");
    ok(&mut c, "BEGIN");
    for i in 1..=3000 {
        ok(
            &mut c,
            &format!("INSERT INTO t(b) VALUES('{}')", marker_text(i, 1000)),
        );
    }
    ok(&mut c, "COMMIT");
    // Free pages, so that the rebuild really moves data.
    ok(&mut c, "DELETE FROM t WHERE a % 5 = 0");
    let want = read_all(&mut c).unwrap();
    drop(c);
    let image = std::fs::read(&master).unwrap();
    if old.is_empty() {
        assert_eq!(image.get(20), Some(&0), "a plain file reserving no bytes");
    }

    // How long the rekey takes.
    std::fs::write(&path, &image).unwrap();
    let (mut ch, mut out) = child(&path, old, new);
    let t0 = Instant::now();
    let mut rest = String::new();
    out.read_line(&mut rest).unwrap();
    let full = t0.elapsed();
    assert!(rest.contains("done"), "{rest}");
    ch.wait().unwrap();
    assert_eq!(with_key(&path, new).unwrap(), want);

    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    // Some kills land just after the end too (1.2 × the measured time).
    let full = full.mul_f64(1.2);
    let (mut n_old, mut n_new) = (0, 0);
    for round in 0..12 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Stratified: round r kills at a random moment of the r-th twelfth of the time.
        let delay = full.mul_f64((round as f64 + (seed % 1000) as f64 / 1000.0) / 12.0);
        std::fs::write(&path, &image).unwrap();
        let _ = std::fs::remove_file(format!("{path}-journal"));
        let (mut ch, _out) = child(&path, old, new);
        std::thread::sleep(delay);
        let _ = ch.kill(); // SIGKILL
        let _ = ch.wait();
        let a = with_key(&path, old);
        let b = with_key(&path, new);
        let what = format!("round {round}, killed after {delay:?} of {full:?}");
        match (a, b) {
            (Ok(r), Err(_)) => {
                assert_eq!(r, want, "{what}: old key, data lost");
                n_old += 1;
            }
            (Err(_), Ok(r)) => {
                assert_eq!(r, want, "{what}: new key, data lost");
                n_new += 1;
            }
            (a, b) => panic!("{what}: old key {a:?}, new key {b:?}"),
        }
        // Still consistent on a second look (the hot journal, if any, is gone now).
        let again = if with_key(&path, old).is_ok() {
            old
        } else {
            new
        };
        let mut c = open(&path);
        ok(&mut c, &format!("PRAGMA key = \"{again}\""));
        assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"], "{what}");
    }
    eprintln!("killed 12 rekeys: {n_old} left the old key, {n_new} the new one");
    // No plaintext, unless the file was left plain (the plain → encrypted path).
    let _ = std::fs::remove_file(&master);
    if !old.is_empty() || with_key(&path, new).is_ok() {
        assert!(marker_in_dir(dir.path()).is_empty());
    }
}
