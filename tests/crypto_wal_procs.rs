//! An encrypted database in WAL mode shared by several processes (this test binary re-run
//! on its `#[ignore]`d helper `counter_child`), all with the key: two processes increment a
//! shared counter (each increment its own `BEGIN IMMEDIATE` transaction, with a marker row)
//! while reading it; no increment is lost, the file passes integrity_check, and neither the
//! db nor the `-wal` file holds plaintext.

mod crypto_common;
use crypto_common::*;
use epiloglite::error::codes::*;
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "EPILOGLITE_WAL_CHILD";
const PER_CHILD: i64 = 150;

/// Helper run in the child: `PER_CHILD` increments of the counter in the database named by
/// `$EPILOGLITE_WAL_CHILD`. Not a test by itself.
#[test]
#[ignore]
fn counter_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut c = open(&path);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    ok(&mut c, "PRAGMA busy_timeout = 20000");
    let me = std::process::id();
    let mut last = -1i64;
    for i in 0..PER_CHILD {
        ok(&mut c, "BEGIN IMMEDIATE");
        let n: i64 = ok(&mut c, "SELECT n FROM counter")[0].parse().unwrap();
        assert!(n >= last, "the counter went back: {n} after {last}");
        ok(&mut c, "UPDATE counter SET n = n + 1");
        ok(
            &mut c,
            &format!(
                "INSERT INTO log(who, v) VALUES({me}, '{}')",
                marker_text(i, 200)
            ),
        );
        ok(&mut c, "COMMIT");
        last = n + 1;
        // A read transaction of its own between writes (sees others' commits).
        let seen: i64 = ok(&mut c, "SELECT n FROM counter")[0].parse().unwrap();
        assert!(seen >= last);
        // Outside any transaction for a moment, so that the other writer gets the lock.
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
    println!("done");
}

#[test]
fn two_processes_share_an_encrypted_wal_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db").to_str().unwrap().to_string();
    let mut c = open(&path);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    assert_eq!(ok(&mut c, "PRAGMA journal_mode = wal"), vec!["wal"]);
    ok(
        &mut c,
        "CREATE TABLE counter(n INTEGER); INSERT INTO counter VALUES(0);
         CREATE TABLE log(id INTEGER PRIMARY KEY, who INTEGER, v TEXT)",
    );
    // The parent keeps its connection open (so the -wal stays) and reads meanwhile.
    let kids: Vec<_> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--ignored", "--exact", "counter_child", "--nocapture"])
                .env(CHILD_ENV, &path)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut reads = 0;
    while reads < 20 {
        let n: i64 = ok(&mut c, "SELECT n FROM counter")[0].parse().unwrap();
        assert!((0..=2 * PER_CHILD).contains(&n));
        reads += 1;
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    for k in kids {
        let o = k.wait_with_output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && out.contains("done"),
            "child: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let want = (2 * PER_CHILD).to_string();
    assert_eq!(ok(&mut c, "SELECT n FROM counter"), vec![want.clone()]);
    assert_eq!(
        ok(&mut c, "SELECT count(*), count(DISTINCT who) FROM log"),
        vec![format!("{want}|2")]
    );
    // The two writers really interleaved (not one after the other).
    let switches = ok(
        &mut c,
        "SELECT count(*) FROM log a JOIN log b ON b.id = a.id + 1 WHERE a.who <> b.who",
    );
    eprintln!("writers alternated {} times", switches[0]);
    assert!(switches[0].parse::<i64>().unwrap() >= 2, "{switches:?}");
    assert!(
        std::path::Path::new(&format!("{path}-wal")).exists(),
        "still in WAL mode"
    );
    assert!(
        marker_in_dir(dir.path()).is_empty(),
        "plaintext in {:?}",
        marker_in_dir(dir.path())
    );
    // Another connection without the key, and with a wrong one, reads nothing.
    let mut d = open(&path);
    assert_eq!(
        exec(&mut d, "SELECT n FROM counter").unwrap_err().code,
        SQLITE_NOTADB
    );
    let mut d = open(&path);
    ok(&mut d, &format!("PRAGMA key = \"{RAW2}\""));
    assert_eq!(
        exec(&mut d, "SELECT n FROM counter").unwrap_err().code,
        SQLITE_NOTADB
    );
    drop(d);
    drop(c);
    let mut c = open(&path);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    assert_eq!(ok(&mut c, "SELECT n FROM counter"), vec![want]);
    assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"]);
    drop(c);
    assert!(marker_in_dir(dir.path()).is_empty());
}
