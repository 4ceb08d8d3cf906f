//! Damaged files: flipped bytes, zeroed pages, bad page types, truncation of a
//! sqlite3-made database. Walking every tree (scans both ways, seeks, payloads, integrity
//! check) and writing to it must give `Ok` or `Err`, never a panic or a hang. Fixed seed;
//! a failure prints the variant numbers to replay.
mod btree_common;
use btree_common::*;
use epiloglite::btree::record::{decode_record, encode_record};
use epiloglite::btree::{BtCursor, Btree};
use epiloglite::{Result, Value};

fn roots(bt: &mut Btree) -> Result<Vec<(u32, bool)>> {
    let mut out = vec![(1u32, true)];
    let mut c = BtCursor::new(1, true, None);
    let mut ok = c.first(bt)?;
    let mut steps = 0;
    while ok && steps < 1000 {
        steps += 1;
        if let Ok(rec) = decode_record(&c.payload(bt)?) {
            if let (Some(Value::Text(kind)), Some(Value::Integer(r))) = (rec.first(), rec.get(3)) {
                out.push((*r as u32, kind == b"table"));
            }
        }
        ok = c.next(bt)?;
    }
    Ok(out)
}

fn walk(bt: &mut Btree, root: u32, intkey: bool) -> Result<()> {
    let mut c = BtCursor::new(root, intkey, None);
    let mut ok = c.first(bt)?;
    let mut steps = 0;
    while ok && steps < 20_000 {
        steps += 1;
        let p = c.payload(bt)?;
        let _ = decode_record(&p);
        if intkey {
            c.rowid(bt)?;
        }
        ok = c.next(bt)?;
    }
    let mut ok = c.last(bt)?;
    steps = 0;
    while ok && steps < 20_000 {
        steps += 1;
        c.payload(bt)?;
        ok = c.prev(bt)?;
    }
    if intkey {
        for k in [0i64, 5, 100, 250, 1 << 40] {
            c.seek_rowid(bt, k)?;
        }
    } else {
        c.seek_index(bt, &[Value::text("k0100")])?;
    }
    Ok(())
}

fn write_some(bt: &mut Btree, root: u32, intkey: bool) -> Result<()> {
    let mut c = BtCursor::new(root, intkey, None);
    for k in 0..60i64 {
        let rec = encode_record(&[
            Value::text(&format!("k{k:04}")),
            Value::Blob(vec![1; (k as usize * 37) % 900]),
        ]);
        if intkey {
            c.insert(bt, k * 7, &rec)?;
        } else {
            c.insert_index(
                bt,
                &encode_record(&[Value::text(&format!("k{k:04}")), Value::Integer(k)]),
            )?;
        }
    }
    let mut ok = c.first(bt)?;
    let mut n = 0;
    while ok && n < 2000 {
        if n % 2 == 0 {
            c.delete(bt)?;
        }
        n += 1;
        ok = c.next(bt)?;
    }
    Ok(())
}

fn exercise(bytes: &[u8], ps: usize) {
    let mut bt = load_bytes(bytes, ps);
    if bt.begin_read().is_err() {
        return;
    }
    let rs = roots(&mut bt).unwrap_or_else(|_| vec![(1, true), (2, true), (3, false)]);
    let all: Vec<u32> = rs.iter().map(|r| r.0).collect();
    for &(r, intkey) in &rs {
        let _ = walk(&mut bt, r, intkey);
    }
    let _ = bt.integrity_check(&all, 50);
    let _ = bt.freelist_count();
    if bt.begin_write(false).is_ok() {
        for &(r, intkey) in &rs {
            let _ = write_some(&mut bt, r, intkey);
        }
        let _ = bt.integrity_check(&all, 50);
        if let Some(&(r, _)) = rs.get(1) {
            let _ = bt.clear_tree(r);
            let _ = bt.drop_tree(r);
        }
        let _ = bt.rollback();
    }
}

#[test]
fn damaged_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let path = path.to_str().unwrap();
    let ps = 512;
    sqlite3(
        path,
        "PRAGMA page_size=512; CREATE TABLE t(a TEXT, b BLOB); CREATE INDEX i ON t(a, b);
         WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM s WHERE x<300)
         INSERT INTO t SELECT printf('k%04d', x), CASE WHEN x % 9 = 0 THEN zeroblob(700 + x) ELSE randomblob(x % 40) END FROM s;
         CREATE TABLE u(x); INSERT INTO u SELECT a FROM t;
         DELETE FROM t WHERE rowid % 4 = 0; DROP TABLE u;",
    );
    let base = std::fs::read(path).unwrap();
    let npages = base.len() / ps;
    // The undamaged file works.
    {
        let mut bt = load_bytes(&base, ps);
        bt.begin_read().unwrap();
        let rs = roots(&mut bt).unwrap();
        for &(r, intkey) in &rs {
            walk(&mut bt, r, intkey).unwrap();
        }
        let all: Vec<u32> = rs.iter().map(|r| r.0).collect();
        assert!(bt.integrity_check(&all, 10).unwrap().is_empty());
    }
    let n_variants: u64 = std::env::var("EPILOG_CORRUPT_VARIANTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let mut failures = Vec::new();
    for v in 0..n_variants {
        let mut rng = Rng(0xC0FFEE ^ (v * 0x9E37_79B9));
        let mut b = base.clone();
        match v % 6 {
            5 => {
                // A header field: freelist trunk/count, meta values, reserved bytes...
                let pos = [20usize, 32, 33, 35, 36, 39, 52, 55][rng.below(8) as usize];
                b[pos] = rng.next() as u8;
            }
            0 | 1 => {
                // Flip a few random bytes (mostly outside the header).
                for _ in 0..1 + rng.below(6) {
                    let pos = 100 + rng.below(b.len() as u64 - 100) as usize;
                    b[pos] ^= 1 << rng.below(8);
                }
            }
            2 => {
                // Overwrite a page header field of a random page with a random value.
                let pg = rng.below(npages as u64) as usize;
                let off = pg * ps + if pg == 0 { 100 } else { 0 } + rng.below(12) as usize;
                b[off] = rng.next() as u8;
            }
            3 => {
                // Zero or scramble a whole page.
                let pg = 1 + rng.below(npages as u64 - 1) as usize;
                for x in &mut b[pg * ps..(pg + 1) * ps] {
                    *x = if v % 2 == 0 { 0 } else { rng.next() as u8 };
                }
            }
            _ => {
                // Truncate.
                let keep = 1 + rng.below(npages as u64 - 1) as usize;
                b.truncate(keep * ps);
            }
        }
        let r = std::panic::catch_unwind(|| exercise(&b, ps));
        if r.is_err() {
            failures.push(v);
        }
    }
    assert!(failures.is_empty(), "panicked on variants {failures:?}");
}
