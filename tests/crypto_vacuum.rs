//! VACUUM, VACUUM INTO and the rebuilding `rekey` on encrypted databases (`ENCRYPTION.md`,
//! issue 7): the rebuilt file keeps the key (VACUUM: same key and salt; VACUUM INTO: same key,
//! its own salt, or the URI's key), holds no plaintext, is "file is not a database" for the
//! real sqlite3, NOTADB with a wrong or no key; `rekey` of a plain file made by real SQLite
//! (no reserved bytes) rebuilds it with 28 and encrypts it, `rekey ''` gives a plain file
//! real SQLite reads.

mod crypto_common;
use crypto_common::*;
use epiloglite::db::Connection;
use epiloglite::error::codes::*;
use std::process::Command;

fn db_in(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().unwrap().to_string()
}

/// t (rowid table with text and blob), an index, a view and a trigger, some rows deleted so
/// that VACUUM has free pages to drop.
fn fill(c: &mut Connection, n: i64) {
    ok(
        c,
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB);
         CREATE INDEX tb ON t(b);
         CREATE TABLE log(x);
         CREATE VIEW v AS SELECT a, length(b) AS l FROM t;
         CREATE TRIGGER tr AFTER DELETE ON t BEGIN INSERT INTO log VALUES(old.a); END;
         PRAGMA user_version = 42;",
    );
    ok(c, "BEGIN");
    for i in 1..=n {
        ok(
            c,
            &format!(
                "INSERT INTO t(b, c) VALUES('{}', randomblob({}))",
                marker_text(i, 60 + (i as usize % 7) * 300),
                i % 50
            ),
        );
    }
    ok(c, "COMMIT");
    ok(c, "DELETE FROM t WHERE a % 3 = 0");
}

fn summary(c: &mut Connection) -> epiloglite::Result<Vec<String>> {
    exec(
        c,
        "SELECT count(*), sum(length(b)), min(b), sum(length(c)) FROM t;
         SELECT count(*), sum(x) FROM log; SELECT sum(l) FROM v; PRAGMA user_version;",
    )
}

fn keyed(path: &str, key: &str) -> Connection {
    let mut c = open(path);
    ok(&mut c, &format!("PRAGMA key = \"{key}\""));
    c
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

/// The file at `p` is encrypted: no key and a wrong key are NOTADB, the real sqlite3 says
/// "file is not a database", and with `key` it holds `want` and passes integrity_check.
fn check_encrypted(p: &str, key: &str, want: &[String]) {
    let mut c = open(p);
    assert_eq!(
        summary(&mut c).unwrap_err().code,
        SQLITE_NOTADB,
        "{p}: no key"
    );
    let mut c = keyed(p, if key == RAW { RAW2 } else { RAW });
    assert_eq!(
        summary(&mut c).unwrap_err().code,
        SQLITE_NOTADB,
        "{p}: wrong key"
    );
    let (okk, out) = sqlite3_cli(p, "SELECT count(*) FROM t");
    assert!(!okk && out.contains("file is not a database"), "{p}: {out}");
    let mut c = keyed(p, key);
    assert_eq!(summary(&mut c).unwrap(), want, "{p}");
    assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"], "{p}");
}

fn page_count(c: &mut Connection) -> i64 {
    ok(c, "PRAGMA page_count")[0].parse().unwrap()
}

#[test]
fn vacuum_keeps_the_key_in_every_journal_mode() {
    for mode in ["delete", "wal", "truncate"] {
        let dir = tempfile::tempdir().unwrap();
        let p = db_in(&dir, "v.db");
        let mut c = keyed(&p, RAW);
        assert_eq!(
            ok(&mut c, &format!("PRAGMA journal_mode = {mode}")),
            vec![mode]
        );
        fill(&mut c, 120);
        let want = summary(&mut c).unwrap();
        let before = page_count(&mut c);
        ok(&mut c, "VACUUM");
        let after = page_count(&mut c);
        assert!(
            after < before,
            "{mode}: VACUUM shrank {before} → {after} pages"
        );
        assert_eq!(summary(&mut c).unwrap(), want, "{mode}");
        assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"]);
        // The connection keeps working on the rebuilt file.
        ok(&mut c, "INSERT INTO t(b) VALUES('after vacuum')");
        ok(&mut c, "DELETE FROM t WHERE b = 'after vacuum'");
        let want = summary(&mut c).unwrap();
        drop(c);
        assert!(
            marker_in_dir(dir.path()).is_empty(),
            "{mode}: plaintext after VACUUM in {:?}",
            marker_in_dir(dir.path())
        );
        check_encrypted(&p, RAW, &want);
    }
}

#[test]
fn vacuum_into_writes_an_encrypted_copy_with_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "src.db");
    let mut c = keyed(&p, RAW);
    ok(&mut c, "PRAGMA page_size = 1024");
    fill(&mut c, 80);
    let want = summary(&mut c).unwrap();
    let into = db_in(&dir, "into.db");
    ok(&mut c, &format!("VACUUM INTO '{into}'"));
    // The source is untouched and still usable.
    assert_eq!(summary(&mut c).unwrap(), want);
    // An existing, non-empty output is refused (as SQLite).
    assert_eq!(
        exec(&mut c, &format!("VACUUM INTO '{into}'"))
            .unwrap_err()
            .code,
        SQLITE_ERROR
    );
    drop(c);
    assert!(
        marker_in_dir(dir.path()).is_empty(),
        "plaintext in {:?}",
        marker_in_dir(dir.path())
    );
    check_encrypted(&into, RAW, &want);
    let mut c = keyed(&into, RAW);
    assert_eq!(ok(&mut c, "PRAGMA page_size"), vec!["1024"]);
    // Its own salt: the copy's page 1 on disk does not start like the source's.
    let a = std::fs::read(&p).unwrap();
    let b = std::fs::read(&into).unwrap();
    assert_ne!(a[..16], b[..16], "VACUUM INTO reused the source's salt");
}

#[test]
fn vacuum_into_with_a_passphrase_and_with_a_uri_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "src.db");
    let mut c = keyed(&p, "vacuum passphrase");
    fill(&mut c, 40);
    let want = summary(&mut c).unwrap();
    // Same passphrase, derived again with the copy's salt.
    let into = db_in(&dir, "pass.db");
    ok(&mut c, &format!("VACUUM INTO '{into}'"));
    // A URI key wins over the source's: a re-keyed copy.
    let uri = db_in(&dir, "uri.db");
    ok(
        &mut c,
        &format!("VACUUM INTO 'file:{uri}?hexkey={}'", &RAW2[2..66]),
    );
    drop(c);
    assert!(marker_in_dir(dir.path()).is_empty());
    let mut c = keyed(&into, "vacuum passphrase");
    assert_eq!(summary(&mut c).unwrap(), want);
    let mut c = keyed(&into, "another passphrase");
    assert_eq!(summary(&mut c).unwrap_err().code, SQLITE_NOTADB);
    check_encrypted(&uri, RAW2, &want);

    // A plain source copied into a file named with a key: an encrypted copy.
    let plain = db_in(&dir, "plain.db");
    let mut c = open(&plain);
    fill(&mut c, 30);
    let want = summary(&mut c).unwrap();
    let enc = db_in(&dir, "enc.db");
    ok(
        &mut c,
        &format!("VACUUM INTO 'file:{enc}?hexkey={}'", &RAW[2..66]),
    );
    drop(c);
    assert!(!contains(&std::fs::read(&enc).unwrap(), MARKER.as_bytes()));
    check_encrypted(&enc, RAW, &want);
}

/// A plain database made by the real sqlite3 (pages reserve no bytes) is rebuilt and
/// encrypted by `PRAGMA rekey`, and decrypted back with `rekey ''` into a file the real
/// sqlite3 reads; `sqlite3_rekey`'s path (`Connection::rekey`) too, in WAL mode.
#[test]
fn rekey_of_a_plain_file_made_by_real_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "real.db");
    let mut sql = String::from(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB); CREATE INDEX tb ON t(b);
         CREATE TABLE log(x); CREATE VIEW v AS SELECT a, length(b) AS l FROM t;
         CREATE TRIGGER tr AFTER DELETE ON t BEGIN INSERT INTO log VALUES(old.a); END;
         PRAGMA user_version = 42; BEGIN;",
    );
    for i in 1..=150 {
        sql.push_str(&format!(
            "INSERT INTO t(b, c) VALUES('{}', zeroblob({}));",
            marker_text(i, 80 + (i as usize % 5) * 200),
            i % 30
        ));
    }
    sql.push_str("COMMIT; DELETE FROM t WHERE a % 4 = 0;");
    let (okk, out) = sqlite3_cli(&p, &sql);
    assert!(okk, "{out}");
    assert_eq!(
        std::fs::read(&p).unwrap()[20],
        0,
        "real SQLite reserves no bytes"
    );

    let mut c = open(&p);
    let want = summary(&mut c).unwrap();
    ok(&mut c, &format!("PRAGMA rekey = \"{RAW}\""));
    assert_eq!(summary(&mut c).unwrap(), want);
    ok(&mut c, "INSERT INTO t(b) VALUES('after rekey')");
    let want = summary(&mut c).unwrap();
    drop(c);
    assert!(
        marker_in_dir(dir.path()).is_empty(),
        "plaintext in {:?}",
        marker_in_dir(dir.path())
    );
    check_encrypted(&p, RAW, &want);

    // Back to plain: the real sqlite3 reads it, with the same data.
    let mut c = keyed(&p, RAW);
    ok(&mut c, "PRAGMA rekey = ''");
    assert_eq!(summary(&mut c).unwrap(), want);
    drop(c);
    let (okk, out) = sqlite3_cli(
        &p,
        "PRAGMA integrity_check; SELECT count(*), sum(length(b)) FROM t;",
    );
    assert!(okk, "{out}");
    let mut c = open(&p);
    let got = exec(&mut c, "SELECT count(*), sum(length(b)) FROM t").unwrap();
    assert_eq!(out, format!("ok\n{}\n", got[0]));
    drop(c);

    // A real-SQLite WAL file, through Connection::rekey (sqlite3_rekey's path).
    let w = db_in(&dir, "realwal.db");
    let (okk, out) = sqlite3_cli(
        &w,
        &format!(
            "PRAGMA journal_mode = wal; CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB);
             INSERT INTO t(b, c) VALUES('{}', x'00'); PRAGMA user_version = 42;",
            marker_text(1, 500)
        ),
    );
    assert!(okk, "{out}");
    let mut c = open(&w);
    ok(
        &mut c,
        "CREATE TABLE log(x); CREATE VIEW v AS SELECT a, length(b) AS l FROM t",
    );
    let want = summary(&mut c).unwrap();
    c.rekey(None, b"wal passphrase").unwrap();
    assert_eq!(ok(&mut c, "PRAGMA journal_mode"), vec!["wal"]);
    assert_eq!(summary(&mut c).unwrap(), want);
    drop(c);
    assert!(!contains(&std::fs::read(&w).unwrap(), MARKER.as_bytes()));
    let mut c = keyed(&w, "wal passphrase");
    assert_eq!(summary(&mut c).unwrap(), want);
    assert_eq!(ok(&mut c, "PRAGMA integrity_check"), vec!["ok"]);
}

/// A plain database VACUUMed keeps its reserved bytes (as SQLite's VACUUM), and a rekey that
/// cannot start (inside a transaction) changes nothing.
#[test]
fn vacuum_keeps_reserved_bytes_and_refused_rekey_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = db_in(&dir, "r.db");
    let mut c = keyed(&p, RAW);
    fill(&mut c, 20);
    ok(&mut c, "PRAGMA rekey = ''");
    ok(&mut c, "VACUUM");
    let want = summary(&mut c).unwrap();
    drop(c);
    assert_eq!(std::fs::read(&p).unwrap()[20], 28);
    let (okk, out) = sqlite3_cli(&p, "PRAGMA integrity_check");
    assert!(okk && out == "ok\n", "{out}");
    let mut c = open(&p);
    assert_eq!(summary(&mut c).unwrap(), want);
    drop(c);

    let plain = db_in(&dir, "p.db");
    let mut c = open(&plain);
    fill(&mut c, 20);
    ok(&mut c, "BEGIN");
    assert!(exec(&mut c, &format!("PRAGMA rekey = \"{RAW}\"")).is_err());
    ok(&mut c, "COMMIT");
    let want2 = summary(&mut c).unwrap();
    drop(c);
    assert_eq!(std::fs::read(&plain).unwrap()[20], 0);
    let mut c = open(&plain);
    assert_eq!(summary(&mut c).unwrap(), want2);
}
