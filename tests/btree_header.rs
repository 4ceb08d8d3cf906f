//! A new database written through the b-tree layer is byte-for-byte the file sqlite3 writes
//! for the same single-transaction `CREATE TABLE` (header, page 1, empty root page 2).
mod btree_common;
use btree_common::*;

#[test]
fn new_database_matches_sqlite3_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for &ps in &[512usize, 4096, 65536] {
        let ours = dir.path().join(format!("ours{ps}.db"));
        let theirs = dir.path().join(format!("theirs{ps}.db"));
        let (ours, theirs) = (ours.to_str().unwrap(), theirs.to_str().unwrap());
        let mut bt = file_btree(ours, ps);
        bt.begin_write(false).unwrap();
        let root = bt.create_tree(true).unwrap();
        assert_eq!(root, 2);
        add_schema_row(&mut bt, 1, "table", "t", "t", root, "CREATE TABLE t(a,b)");
        bt.commit().unwrap();
        sqlite3(
            theirs,
            &format!("PRAGMA page_size={ps}; CREATE TABLE t(a,b);"),
        );
        let a = std::fs::read(ours).unwrap();
        let b = std::fs::read(theirs).unwrap();
        assert_eq!(a.len(), b.len(), "page size {ps}");
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        assert!(
            diff.is_empty(),
            "page size {ps}: bytes differ at {:?}",
            &diff[..diff.len().min(20)]
        );
    }
}
