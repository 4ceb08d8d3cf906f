//! The b-tree on the real file pager: a sqlite3-made database is read, changed and committed
//! through `Pager::open`, then sqlite3 checks it; a rollback leaves the file as it was.
mod btree_common;
use btree_common::*;
use epiloglite::btree::record::encode_record;
use epiloglite::btree::{BtCursor, Btree, SeekResult};
use epiloglite::pager::Pager;
use epiloglite::vfs::unix::default_vfs;
use epiloglite::vfs::OpenFlags;
use epiloglite::Value;

#[test]
fn modify_sqlite3_file_through_file_pager() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.db");
    let path = path.to_str().unwrap();
    sqlite3(
        path,
        "CREATE TABLE t(a, b); CREATE INDEX i ON t(a);
         WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM s WHERE x<2000)
         INSERT INTO t SELECT x, randomblob(x % 300) FROM s;",
    );
    let roots = sqlite3(
        path,
        "SELECT rootpage FROM sqlite_schema ORDER BY name DESC;",
    );
    let r: Vec<u32> = roots.lines().map(|l| l.parse().unwrap()).collect();
    let (t, i) = (r[0], r[1]);
    let before = std::fs::read(path).unwrap();
    let pager = Pager::open(default_vfs(), path, OpenFlags::default()).unwrap();
    let mut bt = Btree::new(pager).unwrap();
    // A rolled-back transaction changes nothing.
    bt.begin_write(false).unwrap();
    let mut ct = BtCursor::new(t, true, None);
    ct.insert(&mut bt, 99_999, &encode_record(&[Value::Integer(1)]))
        .unwrap();
    bt.rollback().unwrap();
    bt.end_read();
    assert!(std::fs::read(path).unwrap() == before);
    // Delete odd rowids (table and index), append new rows, commit.
    bt.begin_write(false).unwrap();
    let mut ci = BtCursor::new(i, false, None);
    let mut ok = ct.first(&mut bt).unwrap();
    while ok {
        let k = ct.rowid(&mut bt).unwrap();
        if k % 2 == 1 {
            ct.delete(&mut bt).unwrap();
            assert_eq!(
                ci.seek_index(&mut bt, &[Value::Integer(k), Value::Integer(k)])
                    .unwrap(),
                SeekResult::Found
            );
            ci.delete(&mut bt).unwrap();
        }
        ok = ct.next(&mut bt).unwrap();
    }
    for k in 2001..=3000i64 {
        ct.insert(
            &mut bt,
            k,
            &encode_record(&[Value::Integer(k), Value::Blob(vec![7; 40])]),
        )
        .unwrap();
        ci.insert_index(
            &mut bt,
            &encode_record(&[Value::Integer(k), Value::Integer(k)]),
        )
        .unwrap();
    }
    assert!(bt.integrity_check(&[1, t, i], 10).unwrap().is_empty());
    let free = bt.freelist_count().unwrap();
    bt.commit().unwrap();
    bt.end_read();
    let out = sqlite3(path, "PRAGMA integrity_check; PRAGMA freelist_count; SELECT count(*), sum(a) FROM t; SELECT count(*) FROM t WHERE a > 1500;");
    let sum: i64 = (2..=2000).step_by(2).sum::<i64>() + (2001..=3000).sum::<i64>();
    let n_gt: i64 = (1502..=2000).step_by(2).count() as i64 + 1000;
    assert_eq!(out, format!("ok\n{free}\n2000|{sum}\n{n_gt}\n"));
    // sqlite3 changes the file; our next transaction sees it (cursor re-seeks).
    sqlite3(path, "DELETE FROM t WHERE a > 2500;");
    bt.begin_read().unwrap();
    assert_eq!(ct.max_rowid(&mut bt).unwrap(), 2500);
    bt.end_read();
}
