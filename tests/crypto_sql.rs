//! Encryption through SQL and the connection API: `PRAGMA key` / `hexkey` / `rekey` /
//! `hexrekey`, URI `key=` / `hexkey=`, `Connection::key` / `rekey` (what `sqlite3_key` &
//! co. call), wrong or missing key → `SQLITE_NOTADB` on first access, round trips in every
//! journal mode and page size with no plaintext in any file.

mod crypto_common;
use crypto_common::*;
use epiloglite::db::{open_flags, Connection};
use epiloglite::error::codes::*;
use std::process::Command;

fn db_in(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().unwrap().to_string()
}

fn fill(c: &mut Connection, n: i64) {
    ok(
        c,
        "CREATE TABLE IF NOT EXISTS t(a INTEGER PRIMARY KEY, b TEXT)",
    );
    ok(c, "BEGIN");
    for i in 1..=n {
        ok(
            c,
            &format!(
                "INSERT INTO t(b) VALUES('{}')",
                marker_text(i, 50 + (i as usize % 5) * 400)
            ),
        );
    }
    ok(c, "COMMIT");
}

fn summary(c: &mut Connection) -> epiloglite::Result<Vec<String>> {
    exec(c, "SELECT count(*), sum(length(b)), min(b) FROM t")
}

#[test]
fn pragma_key_round_trip_and_wrong_or_missing_key_is_notadb() {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "k.db");
    let mut c = open(&p);
    assert!(ok(&mut c, &format!("PRAGMA key = \"{RAW}\"")).is_empty());
    fill(&mut c, 40);
    let want = summary(&mut c).unwrap();
    drop(c);
    assert!(marker_in_dir(dir.path()).is_empty());

    // No key: "file is not a database" on first access.
    let mut c = open(&p);
    let e = exec(&mut c, "SELECT count(*) FROM t").unwrap_err();
    assert_eq!(e.code, SQLITE_NOTADB);
    assert_eq!(e.msg, "file is not a database");
    // Then the key, on the same connection: works.
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    assert_eq!(summary(&mut c).unwrap(), want);
    drop(c);

    // Wrong key.
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW2}\""));
    assert_eq!(summary(&mut c).unwrap_err().code, SQLITE_NOTADB);
    let mut c = open(&p);
    ok(&mut c, "PRAGMA key = 'a passphrase'");
    assert_eq!(summary(&mut c).unwrap_err().code, SQLITE_NOTADB);

    // Connection::key (sqlite3_key) and the hexkey pragma.
    let mut c = open(&p);
    c.key(None, RAW.as_bytes()).unwrap();
    assert_eq!(summary(&mut c).unwrap(), want);
    assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"]);
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA main.hexkey = '{}'", &RAW[2..66]));
    assert_eq!(summary(&mut c).unwrap(), want);
    // Setting a key after the database was read is an error, not a silent no-op.
    assert!(exec(&mut c, &format!("PRAGMA key = \"{RAW2}\"")).is_err());
    assert_eq!(summary(&mut c).unwrap(), want);
}

#[test]
fn passphrase_and_uri_keys() {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "p.db");
    let mut c = open(&p);
    ok(&mut c, "PRAGMA key = 'correct horse battery staple'");
    fill(&mut c, 5);
    let want = summary(&mut c).unwrap();
    drop(c);
    let uri = |q: &str| format!("file:{p}?{q}");
    let uflags = RWC | open_flags::URI;
    let mut c =
        Connection::open(&uri("key=correct%20horse%20battery%20staple"), uflags, None).unwrap();
    assert_eq!(summary(&mut c).unwrap(), want);
    let mut c = Connection::open(&uri("key=wrong"), uflags, None).unwrap();
    assert_eq!(summary(&mut c).unwrap_err().code, SQLITE_NOTADB);

    // A raw-key database through hexkey= and key=x'…'.
    let q = db_in(&dir, "q.db");
    let mut c =
        Connection::open(&format!("file:{q}?hexkey={}", &RAW[2..66]), uflags, None).unwrap();
    fill(&mut c, 5);
    let want = summary(&mut c).unwrap();
    drop(c);
    let mut c = Connection::open(&format!("file:{q}?key={RAW}"), uflags, None).unwrap();
    assert_eq!(summary(&mut c).unwrap(), want);
    assert!(Connection::open(&format!("file:{q}?hexkey=12"), uflags, None).is_err());
    assert!(marker_in_dir(dir.path()).is_empty());
}

fn sqlite3_cli(path: &str, sql: &str) -> (bool, String) {
    let o = Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("the real sqlite3 shell");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn rekey_changes_key_decrypts_and_encrypts() {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "r.db");
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    fill(&mut c, 30);
    let want = summary(&mut c).unwrap();
    // Not inside a transaction.
    ok(&mut c, "BEGIN");
    assert!(exec(&mut c, &format!("PRAGMA rekey = \"{RAW2}\"")).is_err());
    ok(&mut c, "COMMIT");
    ok(&mut c, &format!("PRAGMA rekey = \"{RAW2}\""));
    assert_eq!(summary(&mut c).unwrap(), want);
    fill(&mut c, 2);
    let want = summary(&mut c).unwrap();
    drop(c);
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    assert_eq!(summary(&mut c).unwrap_err().code, SQLITE_NOTADB);
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW2}\""));
    assert_eq!(summary(&mut c).unwrap(), want);

    // The real sqlite3 says "file is not a database" on the encrypted file.
    let (okk, out) = sqlite3_cli(&p, "SELECT count(*) FROM t");
    assert!(!okk && out.contains("file is not a database"), "{out}");

    // rekey '' decrypts: the real sqlite3 reads the plain file.
    c.rekey(None, b"").unwrap();
    drop(c);
    let (okk, out) = sqlite3_cli(&p, "PRAGMA integrity_check; SELECT count(*) FROM t;");
    assert!(okk, "{out}");
    assert_eq!(out, "ok\n32\n");
    assert!(
        !marker_in_dir(dir.path()).is_empty(),
        "plain file holds the data"
    );

    // A plain file that reserves 28 bytes (as rekey '' leaves it) is encrypted by rekey.
    let mut c = open(&p);
    assert_eq!(summary(&mut c).unwrap(), want);
    ok(&mut c, "PRAGMA rekey = 'new passphrase'");
    assert_eq!(summary(&mut c).unwrap(), want);
    drop(c);
    assert!(marker_in_dir(dir.path()).is_empty());
    let mut c = open(&p);
    ok(&mut c, "PRAGMA key = 'new passphrase'");
    assert_eq!(summary(&mut c).unwrap(), want);
    assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"]);
}

#[test]
fn rekey_of_an_empty_database_sets_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "e.db");
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA rekey = \"{RAW}\""));
    fill(&mut c, 3);
    drop(c);
    assert!(marker_in_dir(dir.path()).is_empty());
    let mut c = open(&p);
    assert_eq!(summary(&mut c).unwrap_err().code, SQLITE_NOTADB);
    let mut c = open(&p);
    c.key(Some("main"), RAW.as_bytes()).unwrap();
    assert_eq!(summary(&mut c).unwrap()[0].split('|').next(), Some("3"));
}

/// One journal mode and page size: create, write in several transactions (one rolled back),
/// check no marker in any file while the transaction is open and after, reopen and compare.
fn round_trip(mode: &str, page_size: u32) {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "j.db");
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    ok(&mut c, &format!("PRAGMA page_size = {page_size}"));
    let got = ok(&mut c, &format!("PRAGMA journal_mode = {mode}"));
    assert_eq!(got, vec![mode.to_string()], "{mode}");
    fill(&mut c, 20);
    ok(&mut c, "PRAGMA cache_size = 5");
    ok(&mut c, "BEGIN");
    ok(&mut c, "UPDATE t SET b = b || 'changed' WHERE a % 3 = 0");
    ok(&mut c, "DELETE FROM t WHERE a % 7 = 0");
    // Mid-transaction: journal (or WAL) and db hold no plaintext.
    assert!(marker_in_dir(dir.path()).is_empty(), "{mode} {page_size}");
    ok(&mut c, "ROLLBACK");
    ok(&mut c, "UPDATE t SET b = b || 'x' WHERE a % 5 = 0");
    let want = summary(&mut c).unwrap();
    assert_eq!(want[0].split('|').next(), Some("20"));
    assert!(
        marker_in_dir(dir.path()).is_empty(),
        "{mode} {page_size}: plaintext in {:?}",
        marker_in_dir(dir.path())
    );
    // A second connection sees the data (WAL: through the -wal file).
    let mut d = open(&p);
    ok(&mut d, &format!("PRAGMA key = \"{RAW}\""));
    assert_eq!(summary(&mut d).unwrap(), want, "{mode} {page_size}");
    drop(d);
    drop(c);
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    assert_eq!(summary(&mut c).unwrap(), want, "{mode} {page_size}");
    assert_eq!(ok(&mut c, "PRAGMA page_size"), vec![page_size.to_string()]);
    assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"]);
    drop(c);
    assert!(marker_in_dir(dir.path()).is_empty());
    let mut c = open(&p);
    assert_eq!(summary(&mut c).unwrap_err().code, SQLITE_NOTADB);
}

#[test]
fn round_trip_every_journal_mode_and_page_size() {
    for mode in ["delete", "truncate", "persist", "memory", "wal", "off"] {
        for ps in [1024, 4096, 65536] {
            round_trip(mode, ps);
        }
    }
}

#[test]
fn rekey_of_a_wal_database() {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "w.db");
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    assert_eq!(ok(&mut c, "PRAGMA journal_mode = wal"), vec!["wal"]);
    fill(&mut c, 10);
    let want = summary(&mut c).unwrap();
    ok(&mut c, &format!("PRAGMA rekey = \"{RAW2}\""));
    assert_eq!(ok(&mut c, "PRAGMA journal_mode"), vec!["wal"]);
    fill(&mut c, 1);
    drop(c);
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW2}\""));
    let got = summary(&mut c).unwrap();
    assert_ne!(got, want);
    assert_eq!(got[0].split('|').next(), Some("11"));
    assert!(marker_in_dir(dir.path()).is_empty());
}

/// `ATTACH … KEY`: an encrypted file attached with its key reads and writes; a wrong or
/// missing key is "file is not a database"; a new file attached with a key is encrypted.
#[test]
fn attach_with_key() {
    let dir = tempfile::tempdir().unwrap();
    let enc = db_in(&dir, "enc.db");
    let mut c = open(&enc);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    fill(&mut c, 20);
    let want = summary(&mut c).unwrap();
    drop(c);

    let mut c = open(&db_in(&dir, "plain.db"));
    ok(&mut c, "CREATE TABLE p(x)");
    ok(&mut c, &format!("ATTACH '{enc}' AS e KEY \"{RAW}\""));
    assert_eq!(
        exec(&mut c, "SELECT count(*), sum(length(b)), min(b) FROM e.t").unwrap(),
        want
    );
    ok(&mut c, "INSERT INTO e.t(b) VALUES('attached write')");
    ok(&mut c, "DETACH e");
    let e = exec(&mut c, &format!("ATTACH '{enc}' AS w KEY \"{RAW2}\""))
        .and_then(|_| exec(&mut c, "SELECT count(*) FROM w.t"))
        .unwrap_err();
    assert_eq!(e.code & 0xff, SQLITE_NOTADB, "{}", e.msg);
    let _ = exec(&mut c, "DETACH w");
    let e = exec(&mut c, &format!("ATTACH '{enc}' AS n"))
        .and_then(|_| exec(&mut c, "SELECT count(*) FROM n.t"))
        .unwrap_err();
    assert_eq!(e.code & 0xff, SQLITE_NOTADB, "{}", e.msg);
    let _ = exec(&mut c, "DETACH n");

    // A new file attached with a passphrase is created encrypted.
    let fresh = db_in(&dir, "fresh.db");
    ok(
        &mut c,
        &format!("ATTACH '{fresh}' AS f KEY 'attach passphrase'"),
    );
    ok(&mut c, "CREATE TABLE f.m(v)");
    ok(
        &mut c,
        &format!("INSERT INTO f.m VALUES('{}')", marker_text(7, 300)),
    );
    ok(&mut c, "DETACH f");
    drop(c);
    assert!(
        marker_in_dir(dir.path()).is_empty(),
        "plaintext in an attached keyed file"
    );

    // Both files open again with their keys.
    let mut c = open(&enc);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    assert_eq!(exec(&mut c, "SELECT count(*) FROM t").unwrap(), vec!["21"]);
    let mut c = open(&fresh);
    ok(&mut c, "PRAGMA key = 'attach passphrase'");
    assert_eq!(exec(&mut c, "SELECT count(*) FROM m").unwrap(), vec!["1"]);
    assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"]);
}
