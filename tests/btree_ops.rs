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
        // Zero-copy access agrees with payload().
        let mut ok = c.first(&mut bt).unwrap();
        while ok {
            let p = c.payload(&mut bt).unwrap();
            assert!(c.with_payload(&mut bt, |b| b == p.as_slice()).unwrap());
            ok = c.next(&mut bt).unwrap();
        }
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

/// secure_delete: after deleting rows and dropping a tree, none of their bytes remain in the
/// file; and deleting most rows merges pages (used pages shrink with the data).
#[test]
fn deleted_content_is_zeroed_and_pages_merge() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let path = path.to_str().unwrap();
    let mut bt = file_btree(path, 1024);
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    let u = bt.create_tree(true).unwrap();
    add_schema_row(&mut bt, 1, "table", "t", "t", t, "CREATE TABLE t(a)");
    let mut c = BtCursor::new(t, true, None);
    let mut cu = BtCursor::new(u, true, None);
    let secret = |i: i64| format!("SECRET-{i:06}-");
    for i in 0..6000i64 {
        let big = if i % 100 == 0 {
            secret(i).repeat(200)
        } else {
            secret(i)
        };
        c.insert(&mut bt, i, &encode_record(&[Value::text(&big)]))
            .unwrap();
        cu.insert(&mut bt, i, &encode_record(&[Value::text(&secret(i))]))
            .unwrap();
    }
    bt.commit().unwrap();
    let used_before = bt.pager.page_count() - bt.freelist_count().unwrap();
    bt.begin_write(false).unwrap();
    // Keep only every 10th row of t; drop u.
    let mut ok = c.first(&mut bt).unwrap();
    while ok {
        if c.rowid(&mut bt).unwrap() % 10 != 5 {
            c.delete(&mut bt).unwrap();
        }
        ok = c.next(&mut bt).unwrap();
    }
    bt.drop_tree(u).unwrap();
    bt.commit().unwrap();
    let used_after = bt.pager.page_count() - bt.freelist_count().unwrap();
    assert!(
        used_after * 5 < used_before,
        "pages merged: {used_before} -> {used_after}"
    );
    let file = std::fs::read(path).unwrap();
    let hay = String::from_utf8_lossy(&file);
    let mut left = 0;
    for i in 0..6000i64 {
        let n = hay.matches(&secret(i)).count();
        if i % 10 == 5 {
            left += n;
        } else {
            assert_eq!(n, 0, "row {i} still readable in the file");
        }
    }
    assert_eq!(left, 600, "kept rows are still there once");
    assert_eq!(sqlite3(path, "PRAGMA integrity_check;"), "ok\n");
}

/// Many schema rows: page 1 (with its 100-byte header) splits as a root and as a parent;
/// sqlite3 then opens all 400 tables.
#[test]
fn page_one_splits_with_many_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.db");
    let path = path.to_str().unwrap();
    let mut bt = file_btree(path, 512);
    bt.begin_write(false).unwrap();
    for n in 0..400i64 {
        let root = bt.create_tree(true).unwrap();
        let mut c = BtCursor::new(root, true, None);
        c.insert(&mut bt, 1, &encode_record(&[Value::Integer(n)]))
            .unwrap();
        let name = format!("table_number_{n}");
        add_schema_row(
            &mut bt,
            n + 1,
            "table",
            &name,
            &name,
            root,
            &format!("CREATE TABLE {name}(a)"),
        );
    }
    bt.commit().unwrap();
    let out = sqlite3(path, "PRAGMA integrity_check; SELECT count(*) FROM sqlite_schema; SELECT a FROM table_number_399;");
    assert_eq!(out, "ok\n400\n399\n");
    // And delete them again (schema rows only), shrinking page 1's tree back.
    bt.begin_write(false).unwrap();
    let mut c = BtCursor::new(1, true, None);
    let mut ok = c.first(&mut bt).unwrap();
    while ok {
        if c.rowid(&mut bt).unwrap() > 1 {
            c.delete(&mut bt).unwrap();
        }
        ok = c.next(&mut bt).unwrap();
    }
    assert_eq!(c.count(&mut bt).unwrap(), 1);
    let errs = bt.integrity_check(&[1, 2], 10).unwrap();
    // The other tables' pages are now unreferenced (their schema rows are gone).
    assert!(
        errs.iter().all(|e| e.ends_with("is never used")),
        "{errs:?}"
    );
    bt.rollback().unwrap();
}

/// Pages with reserved bytes at the end (as encryption uses): cells never touch them, and
/// sqlite3 accepts the file.
#[test]
fn reserved_bytes_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("res.db");
    let path = path.to_str().unwrap();
    let mut p = epiloglite::pager::Pager::open_image_file(path, 1024);
    p.set_reserved(40);
    let mut bt = epiloglite::btree::Btree::new(p).unwrap();
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    add_schema_row(&mut bt, 1, "table", "t", "t", t, "CREATE TABLE t(a)");
    let mut c = BtCursor::new(t, true, None);
    for i in 0..3000i64 {
        c.insert(
            &mut bt,
            i,
            &encode_record(&[Value::Blob(vec![0x55; (i as usize * 7) % 1500])]),
        )
        .unwrap();
    }
    let mut ok = c.first(&mut bt).unwrap();
    while ok {
        if c.rowid(&mut bt).unwrap() % 3 == 0 {
            c.delete(&mut bt).unwrap();
        }
        ok = c.next(&mut bt).unwrap();
    }
    bt.commit().unwrap();
    let file = std::fs::read(path).unwrap();
    assert_eq!(file[20], 40);
    for page in file.chunks(1024) {
        assert!(
            page[1024 - 40..].iter().all(|&b| b == 0),
            "reserved area written"
        );
    }
    assert_eq!(
        sqlite3(path, "PRAGMA integrity_check; SELECT count(*) FROM t;"),
        "ok\n2000\n"
    );
}

/// Extreme rowids (9-byte varints, negative keys) order and seek correctly.
#[test]
fn extreme_rowids() {
    let mut bt = mem_btree(512);
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    let mut c = BtCursor::new(t, true, None);
    let keys = [
        i64::MIN,
        i64::MIN + 1,
        -(1 << 56),
        -1,
        0,
        1,
        127,
        128,
        (1 << 56) - 1,
        1 << 56,
        i64::MAX - 1,
        i64::MAX,
    ];
    for (n, &k) in keys.iter().rev().enumerate() {
        c.insert(&mut bt, k, &row(n as i64, 200)).unwrap();
    }
    let got: Vec<i64> = scan_table(&mut bt, t).into_iter().map(|(k, _)| k).collect();
    assert_eq!(got, keys);
    for &k in &keys {
        assert_eq!(c.seek_rowid(&mut bt, k).unwrap(), SeekResult::Found);
        assert_eq!(c.rowid(&mut bt).unwrap(), k);
    }
    match c.seek_rowid(&mut bt, 2).unwrap() {
        SeekResult::Greater => assert_eq!(c.rowid(&mut bt).unwrap(), 127),
        SeekResult::Less => assert_eq!(c.rowid(&mut bt).unwrap(), 1),
        r => panic!("{r:?}"),
    }
    assert_eq!(c.max_rowid(&mut bt).unwrap(), i64::MAX);
    bt.commit().unwrap();
}
