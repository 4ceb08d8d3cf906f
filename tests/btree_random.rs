//! Property-style test: many random inserts, replaces and deletes (fixed seed, xorshift) on
//! a table b-tree and an index b-tree, checked against a `BTreeMap` model after each phase,
//! then the file is checked by the real sqlite3 (`integrity_check`, `freelist_count`,
//! `count(*)`). 100,000 operations at page size 1024 and 20,000 at 512 and 4096 by default;
//! `EPILOG_BTREE_OPS=N` sets all three.
mod btree_common;
use btree_common::*;
use epiloglite::btree::record::encode_record;
use epiloglite::btree::{BtCursor, SeekResult};
use epiloglite::Value;
use std::collections::BTreeMap;

fn ops(default: usize) -> usize {
    std::env::var("EPILOG_BTREE_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn run(ps: usize, seed: u64, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let path = path.to_str().unwrap();
    let mut bt = file_btree(path, ps);
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    let i = bt.create_tree(false).unwrap();
    add_schema_row(&mut bt, 1, "table", "t", "t", t, "CREATE TABLE t(a,b)");
    add_schema_row(&mut bt, 2, "index", "i", "t", i, "CREATE INDEX i ON t(a)");
    bt.commit().unwrap();
    let mut ct = BtCursor::new(t, true, None);
    let mut ci = BtCursor::new(i, false, None);
    let mut rng = Rng(seed);
    // rowid -> (a, payload length); index holds (a, rowid).
    let mut model: BTreeMap<i64, (String, usize)> = BTreeMap::new();
    let keyspace = (n as u64 / 2).max(100);
    let phases = 4;
    for phase in 0..phases {
        bt.begin_write(false).unwrap();
        // Phase 0, 1: mostly inserts; 2: mostly deletes; 3: mixed.
        let p_insert = [90, 70, 20, 50][phase];
        for _ in 0..n / phases {
            let k = rng.below(keyspace) as i64 - 10;
            if rng.below(100) < p_insert {
                let a = format!("a{:x}", rng.below(1 << 20));
                let blen = match rng.below(50) {
                    0 => rng.below(4 * ps as u64) as usize,
                    1..=5 => rng.below(ps as u64 / 2) as usize,
                    _ => rng.below(24) as usize,
                };
                if let Some((olda, _)) = model.get(&k) {
                    let key = [Value::text(olda), Value::Integer(k)];
                    assert_eq!(ci.seek_index(&mut bt, &key).unwrap(), SeekResult::Found);
                    ci.delete(&mut bt).unwrap();
                }
                let rec = encode_record(&[Value::text(&a), Value::Blob(vec![0xab; blen])]);
                ct.insert(&mut bt, k, &rec).unwrap();
                ci.insert_index(
                    &mut bt,
                    &encode_record(&[Value::text(&a), Value::Integer(k)]),
                )
                .unwrap();
                model.insert(k, (a, blen));
            } else {
                // Delete the entry at or after k (if any).
                let r = ct.seek_rowid(&mut bt, k).unwrap();
                let target = match r {
                    SeekResult::Empty => None,
                    _ => Some(ct.rowid(&mut bt).unwrap()),
                };
                if let Some(tk) = target {
                    let (a, _) = model.remove(&tk).expect("cursor on a model row");
                    ct.delete(&mut bt).unwrap();
                    let key = [Value::text(&a), Value::Integer(tk)];
                    assert_eq!(ci.seek_index(&mut bt, &key).unwrap(), SeekResult::Found);
                    ci.delete(&mut bt).unwrap();
                }
            }
        }
        bt.commit().unwrap();
        // Compare with the model.
        let got = scan_table(&mut bt, t);
        assert_eq!(got.len(), model.len(), "phase {phase}");
        for ((gk, gp), (mk, (a, blen))) in got.iter().zip(model.iter()) {
            assert_eq!(gk, mk);
            assert!(*gp == encode_record(&[Value::text(a), Value::Blob(vec![0xab; *blen])]));
        }
        let mut want_idx: Vec<(String, i64)> =
            model.iter().map(|(k, (a, _))| (a.clone(), *k)).collect();
        want_idx.sort();
        let got_idx = scan_index(&mut bt, i);
        assert_eq!(got_idx.len(), want_idx.len());
        for (g, (a, k)) in got_idx.iter().zip(want_idx.iter()) {
            assert!(*g == encode_record(&[Value::text(a), Value::Integer(*k)]));
        }
        let errs = bt.integrity_check(&[1, t, i], 100).unwrap();
        assert!(errs.is_empty(), "phase {phase}: {errs:?}");
    }
    let free = bt.freelist_count().unwrap();
    let out = sqlite3(
        path,
        "PRAGMA integrity_check; PRAGMA freelist_count; SELECT count(*) FROM t; SELECT count(*) FROM t INDEXED BY i WHERE a > '';",
    );
    assert_eq!(
        out,
        format!("ok\n{free}\n{0}\n{0}\n", model.len()),
        "page size {ps}"
    );
}

#[test]
fn random_ops_page_size_1024() {
    run(1024, 0x9E37_79B9_7F4A_7C15, ops(100_000));
}

#[test]
fn random_ops_page_size_4096() {
    run(4096, 12345, ops(20_000));
}

#[test]
fn random_ops_page_size_512() {
    run(512, 777, ops(20_000));
}
