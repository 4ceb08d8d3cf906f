//! The page-level backup path (`Connection::read_pages` / `write_image`, what
//! `sqlite3_backup_step` calls) between encrypted and plain databases: encrypted → encrypted
//! under the destination's own key, encrypted → plain (a file the real sqlite3 reads), plain
//! with 28 reserved bytes → encrypted; a plain source without reserved bytes into an
//! encrypted destination is refused with SQLITE_READONLY and leaves it intact.
//! (`crypto_clients::backup_api_between_keyed_databases` runs the C API through Python.)

mod crypto_common;
use crypto_common::*;
use epiloglite::db::Connection;
use epiloglite::error::codes::*;

fn db_in(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().unwrap().to_string()
}

fn keyed(path: &str, key: &str) -> Connection {
    let mut c = open(path);
    if !key.is_empty() {
        ok(&mut c, &format!("PRAGMA key = \"{key}\""));
    }
    c
}

fn fill(c: &mut Connection) {
    ok(c, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)");
    ok(c, "BEGIN");
    for i in 1..=200 {
        ok(
            c,
            &format!("INSERT INTO t(b) VALUES('{}')", marker_text(i, 300)),
        );
    }
    ok(c, "COMMIT");
}

fn summary(c: &mut Connection) -> epiloglite::Result<Vec<String>> {
    exec(c, "SELECT count(*), sum(length(b)), min(b) FROM t")
}

/// Copy the main database of `src` over the main database of `dst`, as a one-step backup.
fn backup(src: &mut Connection, dst: &mut Connection) -> epiloglite::Result<()> {
    let (ps, _, pages) = src.read_pages(0, 1, -1)?;
    dst.write_image(0, ps, &pages)
}

#[test]
fn backup_between_encrypted_and_plain_databases() {
    let dir = tempfile::tempdir().unwrap();
    let a = db_in(&dir, "a.db");
    let mut src = keyed(&a, RAW);
    fill(&mut src);
    let want = summary(&mut src).unwrap();

    // Encrypted → encrypted under another key (the destination's).
    let b = db_in(&dir, "b.db");
    let mut dst = keyed(&b, RAW2);
    ok(&mut dst, "CREATE TABLE old(x)");
    backup(&mut src, &mut dst).unwrap();
    assert_eq!(summary(&mut dst).unwrap(), want);
    drop(dst);
    assert!(marker_in_dir(dir.path()).is_empty());
    let mut d = keyed(&b, RAW2);
    assert_eq!(summary(&mut d).unwrap(), want);
    assert_eq!(ok(&mut d, "PRAGMA integrity_check"), vec!["ok"]);
    let mut d = keyed(&b, RAW);
    assert_eq!(summary(&mut d).unwrap_err().code, SQLITE_NOTADB);

    // Encrypted → plain: a plain copy (28 reserved bytes) that any SQLite reads.
    let p = db_in(&dir, "p.db");
    let mut dst = keyed(&p, "");
    backup(&mut src, &mut dst).unwrap();
    drop(dst);
    let o = std::process::Command::new("sqlite3")
        .arg(&p)
        .arg("PRAGMA integrity_check; SELECT count(*) FROM t;")
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ok\n200\n");

    // That plain copy (it reserves 28 bytes) → a new encrypted database.
    let e = db_in(&dir, "e.db");
    let mut psrc = keyed(&p, "");
    let mut dst = keyed(&e, "backup passphrase");
    backup(&mut psrc, &mut dst).unwrap();
    assert_eq!(summary(&mut dst).unwrap(), want);
    drop(dst);
    assert!(!contains(&std::fs::read(&e).unwrap(), MARKER.as_bytes()));
    let mut d = keyed(&e, "backup passphrase");
    assert_eq!(summary(&mut d).unwrap(), want);
    assert_eq!(ok(&mut d, "PRAGMA integrity_check"), vec!["ok"]);
}

#[test]
fn backup_of_a_plain_file_without_reserved_bytes_into_an_encrypted_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plain = db_in(&dir, "plain.db");
    let mut src = keyed(&plain, "");
    fill(&mut src);
    let enc = db_in(&dir, "enc.db");
    let mut dst = keyed(&enc, RAW);
    ok(
        &mut dst,
        "CREATE TABLE keep(x); INSERT INTO keep VALUES('kept')",
    );
    let e = backup(&mut src, &mut dst).unwrap_err();
    assert_eq!(e.code, SQLITE_READONLY, "{}", e.msg);
    assert_eq!(ok(&mut dst, "SELECT x FROM keep"), vec!["kept"]);
    drop(dst);
    let mut d = keyed(&enc, RAW);
    assert_eq!(ok(&mut d, "SELECT x FROM keep"), vec!["kept"]);
    assert_eq!(ok(&mut d, "PRAGMA integrity_check"), vec!["ok"]);
    // The way to do it: VACUUM INTO a file named with a key.
    ok(
        &mut src,
        &format!(
            "VACUUM INTO 'file:{}?hexkey={}'",
            db_in(&dir, "copy.db"),
            &RAW[2..66]
        ),
    );
    let mut d = keyed(&db_in(&dir, "copy.db"), RAW);
    assert_eq!(summary(&mut d).unwrap()[0].split('|').next(), Some("200"));
}
