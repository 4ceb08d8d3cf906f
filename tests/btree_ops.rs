//! B-tree operations against an in-memory model, and the resulting files against sqlite3.
mod btree_common;
use btree_common::*;
use epiloglite::btree::record::{decode_record, encode_record};
use epiloglite::btree::{BtCursor, SeekResult};
use epiloglite::Value;
use std::collections::BTreeMap;

fn row(i: i64, len: usize) -> Vec<u8> {
    encode_record(&[Value::Integer(i), Value::text(&"x".repeat(len))])
}

#[test]
fn insert_scan_seek_small_and_large_rows() {
    for &ps in &[512usize, 1024, 4096, 65536] {
        let mut bt = mem_btree(ps);
        bt.begin_write(false).unwrap();
        let root = bt.create_tree(true).unwrap();
        let mut model = BTreeMap::new();
        let mut rng = Rng(42 + ps as u64);
        let mut c = BtCursor::new(root, true, None);
        for _ in 0..3000 {
            let k = rng.below(10_000) as i64 - 100;
            let len = if rng.below(20) == 0 {
                rng.below(3 * ps as u64) as usize
            } else {
                rng.below(40) as usize
            };
            let r = row(k, len);
            c.insert(&mut bt, k, &r).unwrap();
            model.insert(k, r);
        }
        let got = scan_table(&mut bt, root);
        let want: Vec<_> = model.iter().map(|(k, v)| (*k, v.clone())).collect();
        assert_eq!(got.len(), want.len(), "ps {ps}");
        assert!(got == want, "ps {ps}: contents differ");
        assert_eq!(c.count(&mut bt).unwrap() as usize, model.len());
        // Backwards.
        let mut back = Vec::new();
        let mut ok = c.last(&mut bt).unwrap();
        while ok {
            back.push(c.rowid(&mut bt).unwrap());
            ok = c.prev(&mut bt).unwrap();
        }
        back.reverse();
        assert_eq!(back, model.keys().copied().collect::<Vec<_>>());
        // Seeks.
        for k in [-200i64, -100, 0, 5000, 9899, 20000] {
            let r = c.seek_rowid(&mut bt, k).unwrap();
            if model.contains_key(&k) {
                assert_eq!(r, SeekResult::Found);
            } else {
                let at = c.rowid(&mut bt).unwrap();
                match r {
                    SeekResult::Less => assert!(at < k),
                    SeekResult::Greater => assert!(at > k),
                    _ => panic!("unexpected {r:?}"),
                }
            }
        }
        assert_eq!(c.max_rowid(&mut bt).unwrap(), *model.keys().last().unwrap());
        bt.commit().unwrap();
    }
}

#[test]
fn sequential_append_and_delete_while_scanning() {
    let mut bt = mem_btree(1024);
    bt.begin_write(false).unwrap();
    let root = bt.create_tree(true).unwrap();
    let mut c = BtCursor::new(root, true, None);
    for i in 1..=5000 {
        c.insert(&mut bt, i, &row(i, 30)).unwrap();
    }
    let pages_full = bt.pager.page_count();
    // DELETE WHERE rowid % 3 != 0, as the VDBE does it.
    let mut ok = c.first(&mut bt).unwrap();
    while ok {
        let r = c.rowid(&mut bt).unwrap();
        if r % 3 != 0 {
            c.delete(&mut bt).unwrap();
        }
        ok = c.next(&mut bt).unwrap();
    }
    let got: Vec<i64> = scan_table(&mut bt, root)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let want: Vec<i64> = (1..=5000).filter(|i| i % 3 == 0).collect();
    assert_eq!(got, want);
    // Pages were merged and freed, and are reused by the next inserts.
    let free = bt.freelist_count().unwrap();
    assert!(free > 0, "deletes freed pages");
    for i in 5001..=6000 {
        c.insert(&mut bt, i, &row(i, 30)).unwrap();
    }
    assert!(bt.freelist_count().unwrap() < free);
    assert!(bt.pager.page_count() <= pages_full);
    // Delete everything backwards.
    let mut ok = c.last(&mut bt).unwrap();
    while ok {
        c.delete(&mut bt).unwrap();
        ok = c.prev(&mut bt).unwrap();
    }
    assert!(!c.first(&mut bt).unwrap());
    assert_eq!(bt.freelist_count().unwrap() + 2, bt.pager.page_count());
    bt.commit().unwrap();
}

#[test]
fn index_tree_insert_seek_delete() {
    let mut bt = mem_btree(512);
    bt.begin_write(false).unwrap();
    let root = bt.create_tree(false).unwrap();
    let mut c = BtCursor::new(root, false, None);
    let mut model = BTreeMap::new();
    let mut rng = Rng(7);
    for i in 0..4000i64 {
        let a = rng.below(500) as i64;
        let key = encode_record(&[
            Value::text(&format!("k{a:05}{}", "y".repeat((a % 50) as usize))),
            Value::Integer(i),
        ]);
        c.insert_index(&mut bt, &key).unwrap();
        model.insert((a, i), key);
    }
    let got = scan_index(&mut bt, root);
    assert_eq!(got.len(), model.len());
    assert_eq!(c.count(&mut bt).unwrap() as usize, model.len());
    assert!(got == model.values().cloned().collect::<Vec<_>>());
    // Prefix seek lands on an entry with that prefix.
    let (&(a, _), _) = model.iter().nth(1234).unwrap();
    let pfx = Value::text(&format!("k{a:05}{}", "y".repeat((a % 50) as usize)));
    assert_eq!(
        c.seek_index(&mut bt, &[pfx.clone()]).unwrap(),
        SeekResult::Found
    );
    let rec = decode_record(&c.payload(&mut bt).unwrap()).unwrap();
    assert_eq!(rec[0].cmp_binary(&pfx), std::cmp::Ordering::Equal);
    // First entry >= prefix: tie = Greater.
    let r = c
        .seek_index_with(&mut bt, &[pfx.clone()], std::cmp::Ordering::Greater)
        .unwrap();
    if r == SeekResult::Less {
        assert!(c.next(&mut bt).unwrap());
    }
    let first_i = model.range((a, i64::MIN)..).next().unwrap().0 .1;
    assert_eq!(c.rowid(&mut bt).unwrap(), first_i);
    // Delete every other entry while scanning.
    let mut ok = c.first(&mut bt).unwrap();
    let mut n = 0;
    while ok {
        if n % 2 == 0 {
            c.delete(&mut bt).unwrap();
        }
        n += 1;
        ok = c.next(&mut bt).unwrap();
    }
    let want: Vec<Vec<u8>> = model
        .values()
        .cloned()
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, v)| v)
        .collect();
    assert!(scan_index(&mut bt, root) == want);
    bt.commit().unwrap();
}

#[test]
fn file_checked_by_real_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    for &ps in &[512usize, 4096, 65536] {
        let path = dir.path().join(format!("t{ps}.db"));
        let path = path.to_str().unwrap();
        let mut bt = file_btree(path, ps);
        bt.begin_write(false).unwrap();
        let t = bt.create_tree(true).unwrap();
        let i = bt.create_tree(false).unwrap();
        add_schema_row(&mut bt, 1, "table", "t", "t", t, "CREATE TABLE t(a,b)");
        add_schema_row(&mut bt, 2, "index", "i", "t", i, "CREATE INDEX i ON t(a)");
        let mut ct = BtCursor::new(t, true, None);
        let mut ci = BtCursor::new(i, false, None);
        let mut rng = Rng(99);
        let mut model = BTreeMap::new();
        for _ in 0..4000 {
            let k = rng.below(6000) as i64 + 1;
            let a = rng.below(1000) as i64;
            let blen = if rng.below(30) == 0 {
                rng.below(2 * ps as u64) as usize
            } else {
                rng.below(20) as usize
            };
            if let Some((olda, _)) = model.get(&k) {
                let old = encode_record(&[Value::Integer(*olda), Value::Integer(k)]);
                assert_eq!(
                    ci.seek_index(&mut bt, &decode_record(&old).unwrap())
                        .unwrap(),
                    SeekResult::Found
                );
                ci.delete(&mut bt).unwrap();
            }
            ct.insert(
                &mut bt,
                k,
                &encode_record(&[Value::Integer(a), Value::Blob(vec![1; blen])]),
            )
            .unwrap();
            ci.insert_index(
                &mut bt,
                &encode_record(&[Value::Integer(a), Value::Integer(k)]),
            )
            .unwrap();
            model.insert(k, (a, blen));
        }
        // Delete a third.
        let keys: Vec<i64> = model.keys().copied().filter(|k| k % 3 == 0).collect();
        for k in keys {
            let (a, _) = model.remove(&k).unwrap();
            assert_eq!(ct.seek_rowid(&mut bt, k).unwrap(), SeekResult::Found);
            ct.delete(&mut bt).unwrap();
            let key = [Value::Integer(a), Value::Integer(k)];
            assert_eq!(ci.seek_index(&mut bt, &key).unwrap(), SeekResult::Found);
            ci.delete(&mut bt).unwrap();
        }
        let free = bt.freelist_count().unwrap();
        bt.commit().unwrap();
        let out = sqlite3(path, "PRAGMA integrity_check; PRAGMA freelist_count; SELECT count(*), sum(a), sum(length(b)) FROM t;");
        let sa: i64 = model.values().map(|v| v.0).sum();
        let sb: usize = model.values().map(|v| v.1).sum();
        assert_eq!(
            out,
            format!("ok\n{free}\n{}|{sa}|{sb}\n", model.len()),
            "page size {ps}"
        );
    }
}
