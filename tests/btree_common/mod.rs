//! Helpers shared by the b-tree integration tests.
#![allow(dead_code)]

use epiloglite::btree::record::encode_record;
use epiloglite::btree::{BtCursor, Btree};
use epiloglite::pager::Pager;
use epiloglite::Value;
use std::process::Command;

/// xorshift64*: deterministic, no rand crate.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn mem_btree(page_size: usize) -> Btree {
    Btree::new(Pager::open_memory(page_size)).unwrap()
}

pub fn file_btree(path: &str, page_size: usize) -> Btree {
    Btree::new(Pager::open_image_file(path, page_size)).unwrap()
}

/// Add a `sqlite_schema` row so that the real sqlite3 sees the tree.
pub fn add_schema_row(
    bt: &mut Btree,
    rowid: i64,
    kind: &str,
    name: &str,
    tbl: &str,
    root: u32,
    sql: &str,
) {
    let rec = encode_record(&[
        Value::text(kind),
        Value::text(name),
        Value::text(tbl),
        Value::Integer(i64::from(root)),
        Value::text(sql),
    ]);
    let mut c = BtCursor::new(1, true, None);
    c.insert(bt, rowid, &rec).unwrap();
    let cookie = bt.get_meta(1).unwrap();
    bt.set_meta(1, cookie + 1).unwrap();
}

/// Run the real sqlite3 CLI and return its stdout.
pub fn sqlite3(path: &str, sql: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .output()
        .expect("run sqlite3");
    assert!(
        out.status.success(),
        "sqlite3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Scan a table forward: (rowid, payload) pairs.
pub fn scan_table(bt: &mut Btree, root: u32) -> Vec<(i64, Vec<u8>)> {
    let mut c = BtCursor::new(root, true, None);
    let mut out = Vec::new();
    let mut ok = c.first(bt).unwrap();
    while ok {
        out.push((c.rowid(bt).unwrap(), c.payload(bt).unwrap()));
        ok = c.next(bt).unwrap();
    }
    out
}

/// Scan an index forward: payloads.
pub fn scan_index(bt: &mut Btree, root: u32) -> Vec<Vec<u8>> {
    let mut c = BtCursor::new(root, false, None);
    let mut out = Vec::new();
    let mut ok = c.first(bt).unwrap();
    while ok {
        out.push(c.payload(bt).unwrap());
        ok = c.next(bt).unwrap();
    }
    out
}

/// Load a database file (made by sqlite3) into an in-memory pager.
pub fn load_file(path: &str) -> Btree {
    let bytes = std::fs::read(path).unwrap();
    let raw = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    let ps = if raw == 1 { 65536 } else { raw };
    load_bytes(&bytes, ps)
}

/// Load raw bytes (possibly damaged) as a database with page size `ps`.
pub fn load_bytes(bytes: &[u8], ps: usize) -> Btree {
    let mut p = Pager::open_memory(ps);
    p.begin_write(false).unwrap();
    for (i, chunk) in bytes.chunks(ps).enumerate() {
        let buf = p.write(i as u32 + 1).unwrap();
        buf[..chunk.len()].copy_from_slice(chunk);
    }
    p.commit().unwrap();
    Btree::new(p).unwrap()
}

/// Run `sqlite3 -csv path sql`.
pub fn sqlite3_csv(path: &str, sql: &str) -> String {
    let out = Command::new("sqlite3")
        .arg("-csv")
        .arg(path)
        .arg(sql)
        .output()
        .expect("run sqlite3");
    assert!(
        out.status.success(),
        "sqlite3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
