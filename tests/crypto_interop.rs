//! The encrypted format against an independent implementation and real SQLite:
//! - a database EpilogLite encrypts, decrypted by `src/crypto/dbcrypt.py` (OpenSSL through
//!   Python's `cryptography`), is a valid SQLite database to sqlite3 3.40.1 (integrity_check,
//!   contents);
//! - a database made by sqlite3 (with `.filectrl reserve_bytes 28`) and encrypted by
//!   `dbcrypt.py`, raw key and passphrase (Argon2id), reads back through our pager and b-tree.
//!
//! Needs `python3` with `cryptography` >= 44 (Argon2id); without it the tests say so and pass.
mod btree_common;
use btree_common::*;
use epiloglite::btree::record::encode_record;
use epiloglite::btree::{BtCursor, Btree};
use epiloglite::crypto::{KeySpec, KeyedCodec};
use epiloglite::pager::Pager;
use epiloglite::vfs::unix::default_vfs;
use epiloglite::vfs::OpenFlags;
use epiloglite::Value;
use std::process::Command;

const RAW: &str = "x'5a5a5a5a000102030405060708090a0b0c0d0e0f101112131415161718191a1b'";
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/crypto/dbcrypt.py");

fn have_python_crypto() -> bool {
    let ok = Command::new("python3")
        .args([
            "-c",
            "from cryptography.hazmat.primitives.kdf.argon2 import Argon2id",
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIPPED: python3 with cryptography (Argon2id) not available");
    }
    ok
}

fn dbcrypt(op: &str, src: &str, dst: &str, key: &str) {
    let out = Command::new("python3")
        .args([SCRIPT, op, src, dst, key])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dbcrypt {op} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn open_keyed(path: &str, key: &str) -> Btree {
    let mut p = Pager::open(
        default_vfs(),
        path,
        OpenFlags {
            create: true,
            ..Default::default()
        },
    )
    .unwrap();
    p.set_codec(Box::new(KeyedCodec::new(
        KeySpec::parse(key.as_bytes()).unwrap().unwrap(),
    )))
    .unwrap();
    Btree::new(p).unwrap()
}

fn text(i: i64) -> String {
    format!("secret row {i} {}", "y".repeat((i % 5) as usize * 400))
}

#[test]
fn our_encrypted_db_decrypts_to_a_valid_sqlite_db() {
    if !have_python_crypto() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let enc = dir.path().join("enc.db");
    let enc = enc.to_str().unwrap();
    let plain = dir.path().join("plain.db");
    let plain = plain.to_str().unwrap();

    let mut bt = open_keyed(enc, RAW);
    bt.begin_write(false).unwrap();
    let root = bt.create_tree(true).unwrap();
    add_schema_row(&mut bt, 1, "table", "t", "t", root, "CREATE TABLE t(a, b)");
    let mut c = BtCursor::new(root, true, None);
    for i in 1..=200i64 {
        let rec = encode_record(&[Value::Integer(i), Value::text(&text(i))]);
        c.insert(&mut bt, i, &rec).unwrap();
    }
    bt.commit().unwrap();
    bt.end_read();
    // A second transaction rewrites pages under fresh nonces.
    bt.begin_write(false).unwrap();
    for i in (2..=200i64).step_by(2) {
        assert!(matches!(
            c.seek_rowid(&mut bt, i).unwrap(),
            epiloglite::btree::SeekResult::Found
        ));
        c.delete(&mut bt).unwrap();
    }
    bt.commit().unwrap();
    bt.end_read();
    drop(bt);

    dbcrypt("decrypt", enc, plain, RAW);
    let out = sqlite3(
        plain,
        "PRAGMA integrity_check; SELECT count(*), sum(a), sum(length(b)) FROM t;",
    );
    let odd: Vec<i64> = (1..=200).step_by(2).collect();
    let sum: i64 = odd.iter().sum();
    let len: usize = odd.iter().map(|&i| text(i).len()).sum();
    assert_eq!(out, format!("ok\n100|{sum}|{len}\n"));
    // A wrong key does not decrypt.
    let out = Command::new("python3")
        .args([SCRIPT, "decrypt", enc, plain, "x'00'"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

fn sqlite3_encrypted_db_reads_back(key: &str) {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    let plain = plain.to_str().unwrap();
    let enc = dir.path().join("enc.db");
    let enc = enc.to_str().unwrap();
    let out = Command::new("sqlite3")
        .arg(plain)
        .arg(".filectrl reserve_bytes 28")
        .arg(
            "CREATE TABLE t(a, b);
             WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM s WHERE x<500)
             INSERT INTO t SELECT x, printf('row %d %s', x, zeroblob(x % 700)) FROM s;",
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    let root: u32 = sqlite3(plain, "SELECT rootpage FROM sqlite_schema WHERE name='t';")
        .trim()
        .parse()
        .unwrap();
    dbcrypt("encrypt", plain, enc, key);
    let file = std::fs::read(enc).unwrap();
    assert!(!file.windows(7).any(|w| w == b"row 250"));

    // Our reader sees exactly what the plain file holds.
    let mut ours = open_keyed(enc, key);
    ours.begin_read().unwrap();
    let got = scan_table(&mut ours, root);
    assert!(ours.integrity_check(&[1, root], 10).unwrap().is_empty());
    ours.end_read();
    let mut want_bt = load_file(plain);
    want_bt.begin_read().unwrap();
    let want = scan_table(&mut want_bt, root);
    assert_eq!(got.len(), 500);
    assert_eq!(got, want);
}

#[test]
fn sqlite3_db_encrypted_by_reference_tool_reads_back_raw_key() {
    if have_python_crypto() {
        sqlite3_encrypted_db_reads_back(RAW);
    }
}

#[test]
fn sqlite3_db_encrypted_by_reference_tool_reads_back_passphrase() {
    if have_python_crypto() {
        sqlite3_encrypted_db_reads_back("pass phrase with spaces");
    }
}
