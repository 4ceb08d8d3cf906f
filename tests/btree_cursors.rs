//! Cursor behaviour the VDBE relies on: several cursors on one tree stay usable across each
//! other's writes, rollback/savepoint rollback invalidate positions, drop/clear free pages,
//! meta values round-trip.
mod btree_common;
use btree_common::*;
use epiloglite::btree::record::encode_record;
use epiloglite::btree::{BtCursor, SeekResult, META_USER_VERSION};
use epiloglite::Value;

fn rec(i: i64) -> Vec<u8> {
    encode_record(&[
        Value::Integer(i),
        Value::text(&"p".repeat((i % 97) as usize)),
    ])
}

#[test]
fn scan_survives_writes_through_another_cursor() {
    let mut bt = mem_btree(512);
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    let mut w = BtCursor::new(t, true, None);
    for i in 0..2000 {
        w.insert(&mut bt, i * 2, &rec(i * 2)).unwrap();
    }
    // Scan with r; for each row seen, the writer deletes the next even row and inserts an
    // odd one before it — forcing splits and merges under the reader.
    let mut r = BtCursor::new(t, true, None);
    let mut seen = Vec::new();
    let mut ok = r.first(&mut bt).unwrap();
    while ok {
        let k = r.rowid(&mut bt).unwrap();
        seen.push(k);
        if k % 2 == 0 && k % 10 == 0 {
            if w.seek_rowid(&mut bt, k + 2).unwrap() == SeekResult::Found {
                w.delete(&mut bt).unwrap();
            }
            w.insert(&mut bt, k + 1, &rec(k + 1)).unwrap();
        }
        ok = r.next(&mut bt).unwrap();
    }
    let mut want = Vec::new();
    for i in 0..2000i64 {
        let k = i * 2;
        if k % 10 == 2 && k > 2 {
            continue; // deleted before the reader got there
        }
        want.push(k);
        if k % 10 == 0 {
            want.push(k + 1);
        }
    }
    // k=2 is deleted after the reader passed 0? No: 0 % 10 == 0 deletes 2 before reaching it.
    want.retain(|&k| k != 2);
    assert_eq!(seen, want);
    let all: Vec<i64> = scan_table(&mut bt, t).into_iter().map(|(k, _)| k).collect();
    assert_eq!(all, want);
    bt.commit().unwrap();
}

#[test]
fn rollback_and_savepoints_invalidate_positions() {
    let mut bt = mem_btree(1024);
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    let mut c = BtCursor::new(t, true, None);
    for i in 1..=500 {
        c.insert(&mut bt, i, &rec(i)).unwrap();
    }
    bt.commit().unwrap();
    bt.begin_write(false).unwrap();
    bt.savepoint_open(1).unwrap();
    for i in 501..=1500 {
        c.insert(&mut bt, i, &rec(i)).unwrap();
    }
    assert_eq!(c.seek_rowid(&mut bt, 1200).unwrap(), SeekResult::Found);
    bt.savepoint_rollback(0).unwrap();
    // The cursor's row is gone: next lands after where 1200 would be -> end.
    assert!(!c.next(&mut bt).unwrap());
    assert_eq!(c.max_rowid(&mut bt).unwrap(), 500);
    c.insert(&mut bt, 600, &rec(600)).unwrap();
    bt.rollback().unwrap();
    bt.begin_read().unwrap();
    assert_eq!(c.max_rowid(&mut bt).unwrap(), 500);
    assert_eq!(scan_table(&mut bt, t).len(), 500);
    bt.end_read();
}

#[test]
fn drop_and_clear_tree_free_every_page() {
    let mut bt = mem_btree(512);
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    let i = bt.create_tree(false).unwrap();
    let mut ct = BtCursor::new(t, true, None);
    let mut ci = BtCursor::new(i, false, None);
    for k in 0..1500i64 {
        let big = if k % 50 == 0 { 3000 } else { 20 };
        ct.insert(&mut bt, k, &encode_record(&[Value::Blob(vec![1; big])]))
            .unwrap();
        ci.insert_index(
            &mut bt,
            &encode_record(&[Value::Blob(vec![2; big / 2]), Value::Integer(k)]),
        )
        .unwrap();
    }
    let total = bt.pager.page_count();
    bt.clear_tree(t).unwrap();
    assert!(!ct.first(&mut bt).unwrap());
    assert!(bt.integrity_check(&[1, t, i], 10).unwrap().is_empty());
    bt.drop_tree(i).unwrap();
    // Only page 1 and t's root are in use.
    assert_eq!(bt.freelist_count().unwrap(), total - 2);
    assert!(bt.integrity_check(&[1, t], 10).unwrap().is_empty());
    // Free pages are reused before the file grows.
    let i2 = bt.create_tree(false).unwrap();
    assert!(i2 <= total);
    assert_eq!(bt.pager.page_count(), total);
    bt.set_meta(META_USER_VERSION, 42).unwrap();
    assert_eq!(bt.get_meta(META_USER_VERSION).unwrap(), 42);
    bt.commit().unwrap();
}

#[test]
fn index_seek_tie_breaking_for_range_scans() {
    let mut bt = mem_btree(512);
    bt.begin_write(false).unwrap();
    let i = bt.create_tree(false).unwrap();
    let mut c = BtCursor::new(i, false, None);
    // 30 values, 40 rows each.
    for r in 0..1200i64 {
        c.insert_index(
            &mut bt,
            &encode_record(&[Value::Integer(r % 30), Value::Integer(r)]),
        )
        .unwrap();
    }
    for v in 0..30i64 {
        // SeekGE: first entry >= (v).
        let r = c
            .seek_index_with(&mut bt, &[Value::Integer(v)], std::cmp::Ordering::Greater)
            .unwrap();
        assert_ne!(r, SeekResult::Found);
        if r == SeekResult::Less {
            assert!(c.next(&mut bt).unwrap());
        }
        assert_eq!(c.rowid(&mut bt).unwrap(), v, "first rowid with a = {v}");
        // SeekLE: last entry <= (v).
        let r = c
            .seek_index_with(&mut bt, &[Value::Integer(v)], std::cmp::Ordering::Less)
            .unwrap();
        if r == SeekResult::Greater {
            assert!(c.prev(&mut bt).unwrap());
        }
        assert_eq!(
            c.rowid(&mut bt).unwrap(),
            1170 + v,
            "last rowid with a = {v}"
        );
    }
    bt.commit().unwrap();
}

/// The VDBE's OP_NewRowid + OP_Insert pattern (max_rowid, then insert max+1) with other
/// cursors writing in between and rollbacks: the append fast path must never misplace a row.
#[test]
fn newrowid_insert_pattern() {
    let mut bt = mem_btree(512);
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    let mut c = BtCursor::new(t, true, None);
    let mut other = BtCursor::new(t, true, None);
    let mut rng = Rng(5);
    let mut model = std::collections::BTreeMap::new();
    for step in 0..5000i64 {
        let id = c.max_rowid(&mut bt).unwrap() + 1;
        c.insert(&mut bt, id, &rec(id)).unwrap();
        model.insert(id, ());
        match rng.below(10) {
            0 => {
                // Another cursor deletes a random row (maybe the last one).
                let k = rng.below(id as u64 + 1) as i64;
                if other.seek_rowid(&mut bt, k).unwrap() == SeekResult::Found {
                    other.delete(&mut bt).unwrap();
                    model.remove(&k);
                }
            }
            1 => {
                // Another cursor inserts far ahead.
                let k = id + 1 + rng.below(3) as i64;
                other.insert(&mut bt, k, &rec(k)).unwrap();
                model.insert(k, ());
            }
            2 if step % 7 == 0 => {
                bt.savepoint_open(1).unwrap();
                c.insert(&mut bt, id + 100, &rec(id + 100)).unwrap();
                bt.savepoint_rollback(0).unwrap();
                bt.savepoint_release(0).unwrap();
            }
            _ => {}
        }
    }
    let got: Vec<i64> = scan_table(&mut bt, t).into_iter().map(|(k, _)| k).collect();
    assert_eq!(got, model.keys().copied().collect::<Vec<_>>());
    assert_eq!(c.max_rowid(&mut bt).unwrap(), *model.keys().last().unwrap());
    assert!(bt.integrity_check(&[1, t], 10).unwrap().is_empty());
    bt.commit().unwrap();
}

/// An index key equal to an existing one (1 vs 1.0) replaces it; identical bytes are a no-op.
#[test]
fn index_equal_key_replaces() {
    let mut bt = mem_btree(512);
    bt.begin_write(false).unwrap();
    let i = bt.create_tree(false).unwrap();
    let mut c = BtCursor::new(i, false, None);
    for r in 0..3000i64 {
        c.insert_index(
            &mut bt,
            &encode_record(&[Value::Integer(r), Value::Integer(r)]),
        )
        .unwrap();
    }
    // Replace every key by its REAL twin; wherever the entry sits (leaf or interior page).
    for r in 0..3000i64 {
        c.insert_index(
            &mut bt,
            &encode_record(&[Value::Real(r as f64), Value::Integer(r)]),
        )
        .unwrap();
        c.insert_index(
            &mut bt,
            &encode_record(&[Value::Real(r as f64), Value::Integer(r)]),
        )
        .unwrap();
    }
    assert_eq!(c.count(&mut bt).unwrap(), 3000);
    let all = scan_index(&mut bt, i);
    for (r, p) in all.iter().enumerate() {
        assert!(
            *p == encode_record(&[Value::Real(r as f64), Value::Integer(r as i64)]),
            "entry {r}"
        );
    }
    assert!(bt.integrity_check(&[1, i], 10).unwrap().is_empty());
    bt.commit().unwrap();
}

/// (perf) A seek for a key past the last entry leaves the cursor "at the end", and later
/// seeks for larger keys skip the descent; the answers must stay exact: appends through the
/// same cursor (seek, then insert, as OP_NotExists + OP_Insert), interleaved with writes
/// through another cursor that move the last entry.
#[test]
fn seek_past_end_shortcut_stays_exact() {
    let mut bt = mem_btree(512);
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    let mut c = BtCursor::new(t, true, None);
    let mut other = BtCursor::new(t, true, None);
    for i in 1..3000i64 {
        let k = i * 3;
        assert_eq!(
            c.seek_rowid(&mut bt, k).unwrap() == SeekResult::Found,
            false
        );
        c.insert(&mut bt, k, &rec(k)).unwrap();
        // Seeking the last key again finds it; a smaller key is found by a real descent.
        assert_eq!(c.seek_rowid(&mut bt, k).unwrap(), SeekResult::Found);
        assert_eq!(c.rowid(&mut bt).unwrap(), k);
        if i % 500 == 0 {
            assert_eq!(c.seek_rowid(&mut bt, k - 3).unwrap(), SeekResult::Found);
            assert_eq!(c.rowid(&mut bt).unwrap(), k - 3);
            // Another cursor appends past us: our shortcut must not claim k+1 is past the end.
            other.insert(&mut bt, k + 2, &rec(k + 2)).unwrap();
            assert_eq!(c.seek_rowid(&mut bt, k + 2).unwrap(), SeekResult::Found);
        }
        assert_eq!(
            c.seek_rowid(&mut bt, k + 1).unwrap() == SeekResult::Found,
            false
        );
    }
    let all: Vec<i64> = scan_table(&mut bt, t).into_iter().map(|(k, _)| k).collect();
    let mut want: Vec<i64> = (1..3000).map(|i| i * 3).collect();
    want.extend((1..3000).filter(|i| i % 500 == 0).map(|i| i * 3 + 2));
    want.sort();
    assert_eq!(all, want);
    bt.commit().unwrap();
}
